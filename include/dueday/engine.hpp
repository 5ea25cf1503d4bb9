// dueday/engine.hpp — the SLA engine: any number of cases, each with per-step clocks, parallel
// steps that join, an overall clock and alert levels, driven by commands and emitting events.
//
//   using dueday::parse_instant;
//   dueday::vector_sink out;
//   dueday::engine e(dueday::builtin_calendar(), dueday::builtin_policies(), out);
//   e.open("W-001", parse_instant("2026-09-28T10:00"), "kunming-water-490", "no-external");
//   e.start("W-001", "survey", parse_instant("2026-09-30T10:00"));  // due 2026-10-10T00:00+08:00
//   e.advance_to(parse_instant("2026-10-12T09:00"));  // yellow at 10-09T00:00, red at 10-10T00:00
//
// Time enters only through commands: nothing reads a clock. Commands must come in time order; a
// command earlier than the latest instant seen is rejected. Every command at instant T first
// raises the alerts due before T, then applies; alerts due at T itself wait for the next command or
// advance_to (see event.hpp for the whole order). Each alert fires once per clock and level, at
// the instant its condition became true, however late advance_to is called.
//
// A repeated identical command is a no-op (outcome::duplicate): an open of the same case at the same
// instant under the same policy and variant, a start of a step at the instant it was started,
// pause/resume/complete at the instant of the step's last such transition, a cancel at the instant
// of the cancellation.
//
// Deadlines past the holiday notices are computed on the calendar's projection and marked
// provisional; replace_calendar() (a new notice) recomputes every running clock and reports each
// due instant that moved (deadline_changed) or was confirmed (deadline_confirmed). A level already
// raised stays raised: a deadline moved later does not raise its yellow or red a second time.
//
// Scheduling: each case's next alert (the earliest over its clocks) sits in an indexed 4-ary heap
// keyed by the order above, so advance_to costs O(alerts due x log n), never a scan of the cases.
//
// Not thread-safe: one engine per thread (shard cases by id across engines). Move-only.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "dueday/calendar.hpp"
#include "dueday/case_state.hpp"
#include "dueday/event.hpp"
#include "dueday/policy.hpp"
#include "dueday/units.hpp"

namespace dueday {

enum class command_kind : std::uint8_t { open, start, pause, resume, complete, cancel, tick };
// "open", "start", ...; and back.
[[nodiscard]] std::string_view to_string(command_kind k) noexcept;
[[nodiscard]] std::optional<command_kind> parse_command_kind(std::string_view s) noexcept;

struct command {
  command_kind kind = command_kind::tick;
  instant at{};
  std::string case_id;                 // all but tick
  std::string step;                    // start, pause, resume, complete
  std::string policy;                  // open
  std::string variant;                 // open: a variant name ...
  std::optional<dueday::works> works;  // ... or the works, classified by the policy's scope rules
  std::string reason;                  // pause, cancel: free text carried into the event
};

struct outcome {
  enum class status : std::uint8_t { accepted, duplicate, rejected };
  status result = status::accepted;
  std::string reason;  // why it was rejected
  instant at{};        // the engine's time after the command

  [[nodiscard]] bool accepted() const noexcept { return result == status::accepted; }
  [[nodiscard]] bool rejected() const noexcept { return result == status::rejected; }
};

class engine {
 public:
  // An engine with no cases, its time at the start of the calendar. `sink` must outlive the
  // engine (or be replaced with set_sink). Policies are compiled once against the calendar.
  engine(calendar cal, policy_set policies, event_sink& sink);
  engine(engine&&) noexcept;
  engine& operator=(engine&&) noexcept;
  ~engine();

  // Applies one command. Never throws for bad commands: they come back rejected, with the reason,
  // and change nothing (beyond advancing time when their instant was in order).
  outcome apply(const command& c);

  outcome open(std::string_view case_id, instant at, std::string_view policy, std::string_view variant);
  outcome open(std::string_view case_id, instant at, std::string_view policy, const works& w);
  outcome start(std::string_view case_id, std::string_view step, instant at);
  outcome pause(std::string_view case_id, std::string_view step, instant at, std::string_view reason = {});
  outcome resume(std::string_view case_id, std::string_view step, instant at);
  outcome complete(std::string_view case_id, std::string_view step, instant at);
  outcome cancel(std::string_view case_id, instant at, std::string_view reason = {});
  // Raises every alert due at or before `now` and sets the engine's time to it. A `now` before the
  // engine's time is rejected.
  outcome advance_to(instant now);

  // The instant of the next alert, if any clock has one pending: the host sleeps until then.
  [[nodiscard]] std::optional<instant> next_due() const;
  // The latest instant seen.
  [[nodiscard]] instant now() const noexcept;

  // Installs a new calendar at `at` (a command in the time order): recomputes every running clock
  // and emits deadline_changed / deadline_confirmed. Throws dueday::error, and changes nothing,
  // when `at` is before now() or a running clock falls outside the new calendar.
  void replace_calendar(calendar cal, instant at);
  [[nodiscard]] const calendar& current_calendar() const noexcept;
  [[nodiscard]] const policy_set& policies() const noexcept;
  void set_sink(event_sink& sink) noexcept;

  // Room for this many cases without regrowing the engine's indexes (a host that knows its
  // volume avoids rehashing pauses). Optional.
  void reserve(std::size_t cases);

  // Cases known (any status) and open ones.
  [[nodiscard]] std::size_t cases() const noexcept;
  [[nodiscard]] std::size_t open_cases() const noexcept;
  // A copy of one case as of `now` (>= the case's last transition), or nullopt for an unknown id.
  [[nodiscard]] std::optional<case_view> inspect(std::string_view case_id, instant now) const;

  // The whole state as JSON text. Restoring it into an engine with the same calendar and policies
  // and continuing gives exactly the events an uninterrupted engine gives.
  [[nodiscard]] std::string snapshot() const;
  // Throws dueday::error when the text is not a snapshot, or names other notices or policy
  // versions than `cal` and `policies` (restore with those, then replace_calendar).
  [[nodiscard]] static engine restore(std::string_view snapshot, calendar cal, policy_set policies, event_sink& sink);

 private:
  struct impl;
  explicit engine(std::unique_ptr<impl> p);
  std::unique_ptr<impl> p_;
};

}  // namespace dueday
