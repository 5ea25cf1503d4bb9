// The engine's cases: records in opening order, an id index, and a guard that puts one case back
// as it was unless the command that changed it commits.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "detail/big_memory.hpp"
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
  std::uint32_t unit = 0;  // the unit named for it (unit_names), 0: the policy's default; in padding
};
static_assert(sizeof(clock_slot) == sizeof(step_timer) + 2 * sizeof(instant) + 8, "unit sits in the padding");

// A case id inside its record: up to 21 bytes in place (case numbers run to about 20), longer
// ones on the heap. In place, a lookup that compares ids reads no memory beyond the record.
class case_id_text {
 public:
  case_id_text() noexcept { bytes_[tag_at] = 0; }
  explicit case_id_text(std::string_view s);
  case_id_text(const case_id_text&) = delete;
  case_id_text& operator=(const case_id_text&) = delete;
  case_id_text(case_id_text&& o) noexcept : bytes_(o.bytes_) { o.bytes_[tag_at] = 0; }
  case_id_text& operator=(case_id_text&& o) noexcept {
    if (this != &o) {
      release();
      bytes_ = o.bytes_;
      o.bytes_[tag_at] = 0;
    }
    return *this;
  }
  ~case_id_text() { release(); }

  [[nodiscard]] std::string_view view() const noexcept;
  // NOLINTNEXTLINE(google-explicit-constructor): an id reads as the text it is
  operator std::string_view() const noexcept { return view(); }

 private:
  static constexpr std::size_t in_place = 21;      // 25 until the district took 4 bytes of the record
  static constexpr std::size_t tag_at = in_place;  // the size in place, or on_heap
  static constexpr std::uint8_t on_heap = 0xff;    // then: a char* and a std::size_t up front
  void release() noexcept;
  // On the heap: the text's address, stored in the first bytes.
  [[nodiscard]] char* heap() const noexcept;
  std::array<char, in_place + 1> bytes_;
};

struct case_rec {
  clock_slot* clocks = nullptr;                                 // from the store's pool; none when out of scope
  std::unique_ptr<std::vector<transition_record>> transitions;  // once a step paused
  instant opened{};
  instant closed{};  // when it completed or was cancelled; its opening when out of scope
  case_id_text id;
  std::uint16_t policy = 0;
  std::uint16_t variant = no_variant;  // no_variant: out of scope
  std::uint8_t clock_count = 0;
  case_status status = case_status::open;
  std::uint32_t district = 0;  // the district the open named (unit_names), 0: none

  [[nodiscard]] std::span<clock_slot> slots() noexcept { return {clocks, clock_count}; }
  [[nodiscard]] std::span<const clock_slot> slots() const noexcept { return {clocks, clock_count}; }
  // Whether a pause (or resume) of step k at `at` was accepted before.
  [[nodiscard]] bool had_transition(std::uint8_t k, bool pause, instant at) const noexcept;
};
static_assert(sizeof(case_rec) == cache_line, "a record is one cache line");

// Records by number in chunks that never move (references stay valid as cases are added, as in a
// std::deque): 64 records, then 64, 128, 256, ... doubling, so a small engine takes little and a
// big one gets chunks of 2 MiB and more, on huge pages (big_memory.hpp).
class record_chunks {
 public:
  record_chunks() = default;
  record_chunks(const record_chunks&) = delete;
  record_chunks& operator=(const record_chunks&) = delete;
  ~record_chunks();

  [[nodiscard]] case_rec& operator[](std::size_t i) noexcept {
    const std::size_t k = chunk_of(i);
    return chunks_[k][i - first_of(k)];
  }
  [[nodiscard]] const case_rec& operator[](std::size_t i) const noexcept {
    const std::size_t k = chunk_of(i);
    return chunks_[k][i - first_of(k)];
  }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] case_rec& back() noexcept { return (*this)[size_ - 1]; }
  // Strong guarantee: on an exception nothing changed.
  void push_back(case_rec&& r);
  void pop_back() noexcept;

 private:
  static constexpr std::size_t base = 64;
  // Chunk k holds records [first_of(k), first_of(k + 1)).
  static std::size_t chunk_of(std::size_t i) noexcept { return static_cast<std::size_t>(std::bit_width(i / base)); }
  static std::size_t first_of(std::size_t k) noexcept { return k == 0 ? 0 : (base / 2) << k; }
  static std::size_t length_of(std::size_t k) noexcept { return k == 0 ? base : (base / 2) << k; }

  std::vector<case_rec*> chunks_;
  std::size_t size_ = 0;
};

// Clocks for the cases, n at a time, from blocks that double from 16 KiB to 2 MiB (huge pages
// then); a freed run of n goes on the list for n and is reused first. No per-case allocation.
class clock_pool {
 public:
  clock_pool() = default;
  clock_pool(const clock_pool&) = delete;
  clock_pool& operator=(const clock_pool&) = delete;
  ~clock_pool();

  // n >= 1 idle clocks. Throws std::bad_alloc (nothing changed then).
  [[nodiscard]] clock_slot* allocate(std::uint8_t n);
  void free(clock_slot* p, std::uint8_t n) noexcept;

 private:
  struct block {
    void* memory;
    std::size_t bytes;
  };
  std::vector<block> blocks_;
  std::byte* next_ = nullptr;            // the unused rest of the newest block
  std::size_t left_ = 0;                 // ... in bytes
  std::array<clock_slot*, 256> free_{};  // by n: a list threaded through the freed runs
};

class case_store {
 public:
  explicit case_store(hash_key key) : index_(key) {}

  [[nodiscard]] std::optional<std::uint32_t> find(std::string_view id) const noexcept;
  // The same, given hash(id) as computed for the prefetch (a wrong one costs time, never the answer).
  [[nodiscard]] std::optional<std::uint32_t> find(std::string_view id, std::uint32_t hash) const noexcept;

  // Prefetch hints for a command on case `id` a few commands ahead (engine::apply over a span), in
  // stages a command apart so that each one's cache lines have arrived when the next reads them:
  // the index slot; then the record its slot names (unconfirmed), returning that case number or
  // id_index::none; then what the record points to (its clocks and the text of a long id).
  [[nodiscard]] std::uint32_t hash(std::string_view id) const noexcept { return index_.hash(id); }
  void prefetch_slot(std::uint32_t hash) const noexcept { index_.prefetch(hash); }
  [[nodiscard]] std::uint32_t prefetch_record(std::uint32_t hash) const noexcept;
  void prefetch_contents(std::uint32_t c) const noexcept;
  // Once prefetch_contents' lines have arrived: the pauses and resumes of a case that paused
  // (the duplicate check reads them, the guard their count).
  void prefetch_history(std::uint32_t c) const noexcept;
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
  // What the index confirms a hash match with: the id of case n.
  [[nodiscard]] auto id_of() const noexcept {
    return [this](std::uint32_t n) { return records_[n].id.view(); };
  }

  clock_pool clocks_;      // first: the records point into it
  record_chunks records_;  // in opening order
  id_index index_;
  std::size_t open_ = 0;
  std::vector<clock_slot> saved_;  // the guarded case's clocks (one guard at a time)
};

}  // namespace dueday::detail
