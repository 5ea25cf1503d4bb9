// What the engine's parts share: the calendar and compiled policies, the cases, the alert queue,
// the current command's events and the undo log of the alerts it raised. The engine facade
// (engine.cpp) wraps each command in a transaction over this; the parts live in their own files:
//   scheduler.cpp    next alerts, the queue, raising alerts (and undoing them)
//   transitions.cpp  checks (pure) and transitions of open, start, pause, resume, complete, cancel
//   view.cpp         case_view for inspect()
//   state.cpp        engine_state out and (checked) back in
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dueday/calendar.hpp"
#include "dueday/engine.hpp"
#include "engine/alert_queue.hpp"
#include "engine/case_store.hpp"
#include "engine/compiled.hpp"
#include "engine/event_buffer.hpp"
#include "engine/unit_names.hpp"

namespace dueday::detail {

// A refused command: why, as a code and in words.
struct rejection {
  reject_code code = reject_code::none;
  std::string reason;
};
using maybe_rejection = std::optional<rejection>;

// The last instant a command may carry under calendar c: 24:00 of its projection's last day.
[[nodiscard]] inline instant horizon_of(const calendar& c) noexcept {
  return c.at(c.projection_end() + std::chrono::days{1}, {});
}

// One alert raised in the current command, with what its clock's schedule was before.
struct fire_record {
  instant next_at;
  std::uint32_t c;
  std::uint8_t k;
  std::uint8_t level;
  std::uint8_t next_level;
};

struct core {
  core(calendar c, policy_set p, const engine_options& options);

  calendar cal;
  policy_set policies;
  std::unique_ptr<const compiled_policies> rules;  // a pointer: replace_calendar swaps it
  case_store cases;
  alert_queue queue;
  event_buffer events;
  unit_names names;                   // districts and units the commands named
  std::vector<fire_record> fire_log;  // alerts raised in the current command
  instant now;
  std::optional<instant> retired_before;
  // The case whose queue entry schedule() and unschedule() leave to the caller (the case a command
  // changes: its clocks change up to four times, the queue takes their last state once).
  std::uint32_t deferred = no_case;
  static constexpr std::uint32_t no_case = std::numeric_limits<std::uint32_t>::max();

  // --- scheduler.cpp -------------------------------------------------------------------------
  [[nodiscard]] const compiled_variant& variant_of(const case_rec& r) const noexcept {
    return rules->variant(r.variant);
  }
  [[nodiscard]] const compiled_clock& spec(const case_rec& r, std::size_t k) const noexcept {
    return variant_of(r).clocks[k];
  }
  // The last instant a command may carry under the current calendar.
  [[nodiscard]] instant horizon() const noexcept { return horizon_of(cal); }
  // Computes clock k's next unraised alert (no earlier than `floor`) and updates the queue (unless
  // c is `deferred`).
  void schedule(std::uint32_t c, std::size_t k, instant floor);
  // Clock k has no alert pending (it stopped); the queue as with schedule().
  void unschedule(std::uint32_t c, std::size_t k) noexcept;
  // Puts the case's earliest pending alert in the queue, or takes the case out.
  void refresh(std::uint32_t c) noexcept;
  // Raises every alert due at or before `limit`, in order, logging each in fire_log.
  void fire(instant limit);
  // Undoes what fire_log records, newest first, and clears it.
  void undo_fire() noexcept;
  // A clock event (due, elapsed, remaining, provisional filled in) added to the buffer.
  event& clock_event(event_kind kind, const case_rec& r, std::size_t k, instant at);
  // A case event added to the buffer.
  event& case_event(event_kind kind, const case_rec& r, instant at);
  // The unit that answers for clock k: the one a command named, else the policy's default.
  [[nodiscard]] std::string_view unit_of(const case_rec& r, std::size_t k) const noexcept {
    const std::uint32_t u = r.clocks[k].unit;
    return u != 0 ? names[u] : std::string_view(spec(r, k).unit);
  }

  // --- transitions.cpp -----------------------------------------------------------------------
  // Whether cmd repeats an accepted command of case c.
  [[nodiscard]] bool duplicate(const command& cmd, std::optional<std::uint32_t> c) const;
  // Checks and applies a command in time order (now == cmd.at). On a rejection the case may be
  // half changed: the caller's case guard puts it back.
  [[nodiscard]] maybe_rejection apply_in_order(const command& cmd, std::optional<std::uint32_t> c);
  // The variant an open names or implies; nullopt variant with a reason: out of scope.
  struct resolved {
    std::uint16_t policy = 0;
    std::uint16_t variant = no_variant;
    std::string why;  // out of scope
  };
  [[nodiscard]] std::optional<resolved> resolve(const command& cmd, rejection* why) const;
  // "2026-10-12T09:00:00+08:00" in the calendar's offset.
  [[nodiscard]] std::string iso(instant t) const;

  // --- view.cpp, state.cpp -------------------------------------------------------------------
  [[nodiscard]] case_view view(const case_rec& r, instant at) const;
  [[nodiscard]] engine_state export_state() const;
  // export_state() without its cases, and its case `c` into `out` (reusing out's storage).
  [[nodiscard]] engine_state export_header() const;
  void export_case(std::uint32_t c, case_record& out) const;
  // Rebuilds the cases of an empty core; throws dueday::error "not a valid snapshot: ...".
  void import_state(const engine_state& s);
  // The same in steps: everything but the cases (s.cases is not read), then case n (counting
  // from 0, in order) at a time, checked as import_state checks it.
  void import_header(const engine_state& s);
  void import_case(const case_record& r, std::size_t n);
};

}  // namespace dueday::detail
