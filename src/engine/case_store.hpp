// The engine's cases: records in opening order, an id index, and a guard that puts one case back
// as it was unless the command that changed it commits.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "detail/id_index.hpp"
#include "dueday/engine_state.hpp"
#include "engine/compiled.hpp"

namespace dueday::detail {

enum clock_flag : std::uint8_t {
  commanded_flag = 1,  // a start command came (at `commanded`)
  waiting_flag = 2,    // ... and the steps it is after have not all completed
  completed_flag = 4,  // stopped by a complete command
};

struct clock_slot {
  step_timer timer;
  instant commanded{};
  instant next_at{};                   // the clock's next alert ...
  std::uint8_t next_level = no_level;  // ... and its level, or no_level
  std::uint8_t fired = 0;              // alert levels raised, one bit each
  std::uint8_t flags = 0;
};

struct case_rec {
  std::string id;
  std::unique_ptr<clock_slot[]> clocks;                         // none when out of scope
  std::unique_ptr<std::vector<transition_record>> transitions;  // once a step paused
  instant opened{};
  instant closed{};  // when it completed or was cancelled; its opening when out of scope
  std::uint16_t policy = 0;
  std::uint16_t variant = no_variant;  // no_variant: out of scope
  std::uint8_t clock_count = 0;
  case_status status = case_status::open;

  [[nodiscard]] std::span<clock_slot> slots() noexcept { return {clocks.get(), clock_count}; }
  [[nodiscard]] std::span<const clock_slot> slots() const noexcept { return {clocks.get(), clock_count}; }
  // Whether a pause (or resume) of step k at `at` was accepted before.
  [[nodiscard]] bool had_transition(std::uint8_t k, bool pause, instant at) const noexcept;
};

class case_store {
 public:
  explicit case_store(hash_key key) : index_(key) {}

  [[nodiscard]] std::optional<std::uint32_t> find(std::string_view id) const noexcept;

  // Prefetch hints for a command on case `id` a few commands ahead (engine::apply over a span), in
  // stages a command apart so that each one's cache lines have arrived when the next reads them:
  // the index slot; then the record its slot names (unconfirmed), returning that case number or
  // id_index::none; then what the record points to (its clocks and the text of a long id).
  [[nodiscard]] std::uint32_t hash(std::string_view id) const noexcept { return index_.hash(id); }
  void prefetch_slot(std::uint32_t hash) const noexcept { index_.prefetch(hash); }
  [[nodiscard]] std::uint32_t prefetch_record(std::uint32_t hash) const noexcept;
  void prefetch_contents(std::uint32_t c) const noexcept;
  [[nodiscard]] case_rec& operator[](std::uint32_t c) noexcept { return records_[c]; }
  [[nodiscard]] const case_rec& operator[](std::uint32_t c) const noexcept { return records_[c]; }
  [[nodiscard]] std::size_t size() const noexcept { return records_.size(); }
  [[nodiscard]] std::size_t open_count() const noexcept { return open_; }

  // Adds a case with `clocks` idle clocks (out of scope when variant is no_variant). Strong
  // guarantee: on an exception nothing changed.
  std::uint32_t add(std::string_view id, instant opened, std::uint16_t policy, std::uint16_t variant,
                    std::uint8_t clocks);
  // Removes the case added last (undoing add).
  void pop_back() noexcept;
  // Closes a case at `at` (or reopens it, undoing), keeping the count of open cases.
  void set_status(std::uint32_t c, case_status s, instant at) noexcept;
  void reserve(std::size_t cases);

  // Removes every closed case that closed before `before`, keeping the others' order. Returns the
  // new number of each old case (id_index::none for a removed one).
  std::vector<std::uint32_t> retire(instant before);

  // Saves one case and puts it back on destruction, unless committed.
  class guard {
   public:
    guard(case_store& store, std::uint32_t c);  // may throw; nothing changed then
    guard(const guard&) = delete;
    guard& operator=(const guard&) = delete;
    ~guard() {
      if (active_) rollback();
    }
    void rollback() noexcept;
    void commit() noexcept { active_ = false; }
    [[nodiscard]] std::uint32_t case_number() const noexcept { return c_; }

   private:
    case_store& store_;
    std::uint32_t c_;
    case_status status_;
    instant closed_;
    bool had_transitions_;
    std::size_t transitions_;
    bool active_ = true;
  };

 private:
  std::deque<case_rec> records_;  // in opening order
  id_index index_;
  std::size_t open_ = 0;
  std::vector<clock_slot> saved_;  // the guarded case's clocks (one guard at a time)
};

}  // namespace dueday::detail
