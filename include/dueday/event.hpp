// dueday/event.hpp — what the engine tells its host, and the one order it tells it in.
//
// Every event has a kind, an instant `at` and a case; events about a clock name its step
// ("overall" for the overall clock) and the unit that answers for it (the `start` command's unit,
// else the `open`'s units for that step, else the title of the step's party in the policy, else the
// party id, else ""), and carry the clock's due instant, the working time elapsed and remaining
// (negative once past due) and whether the due instant is provisional. case_opened names the
// variant, the policy and the district the `open` gave, if any.
//
// The order (engine.hpp): events come in non-decreasing `at`. A command's own events come at its
// instant, in the order the command causes them. Alerts (warning, overdue, escalation) come at the
// instant their condition became true, ordered by (at, the order the cases were opened in, the
// clock's place in the policy — steps in policy order, then overall — and the level's place in the
// policy). Opening order rather than case id: it is as deterministic (the same commands give the
// same order, and snapshots keep it) and compares as one integer in the alert heap. Alerts due at the
// very instant of a command come after it, so a step completed at its due instant is on time and
// raises no overdue.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dueday/units.hpp"

namespace dueday {

enum class event_kind : std::uint8_t {
  case_opened,         // detail: the variant
  out_of_scope,        // detail: why; the case gets no clocks
  step_waiting,        // a start came before the steps it is after completed; detail: those steps
  step_started,        // the clock runs (overall: the first counted step started)
  step_paused,         // detail: the reason given, if any
  step_resumed,        // due: the new due instant
  warning,             // an alert level that raises a warning (yellow)
  overdue,             // the due instant passed with the clock running (red)
  escalation,          // the clock is still open well after its due instant
  deadline_changed,    // a new calendar moved a running clock's due instant; previous_due set
  deadline_confirmed,  // a new calendar confirmed a provisional due instant
  step_completed,      // on_time set
  case_completed,      // on_time: the overall clock's verdict
  case_cancelled,      // detail: the reason given, if any
  rejected,            // a command the engine refused (replay only); code and detail: why
};

// "case_opened", "warning", ...: the `type` of the JSON Lines form; and back.
[[nodiscard]] std::string_view to_string(event_kind k) noexcept;
[[nodiscard]] std::optional<event_kind> parse_event_kind(std::string_view s) noexcept;

struct event {
  event_kind kind = event_kind::case_opened;
  instant at{};
  std::string case_id;
  std::string step;   // step name, "overall", or empty for case-level events
  std::string level;  // alert level ("yellow", "red", "escalation") for alerts
  std::optional<instant> due;
  std::optional<instant> previous_due;  // deadline_changed
  std::optional<working_time> elapsed;  // working time counted on the clock, up to `at`
  std::optional<working_time> remaining;
  std::optional<bool> on_time;  // step_completed, case_completed
  bool provisional = false;     // the due instant lies past the holiday notices
  std::string detail;           // see event_kind
  std::int64_t line = 0;        // rejected: the input line
  std::string code;             // rejected: the reject_code, as in engine.hpp ("unknown_case", ...)
  std::string unit;             // events with a step: the unit that answers for the clock (report.hpp)
  std::string district;         // case_opened: the district the `open` named, if any
  std::string policy;           // case_opened: the policy id

  friend bool operator==(const event&, const event&) = default;
};

// Where the engine sends events. Called synchronously, in order, from the engine's thread.
//
// The engine hands over each command's events as one batch (on_events). A sink that may fail
// should make a batch all or nothing (e.g. one database transaction) and throw when it stored
// nothing: the engine then undoes the command, and the host retries it, so every event is
// delivered exactly once. The default on_events calls on_event for each event: a throw part-way
// leaves the events before it delivered, and a retry delivers them again.
class event_sink {
 public:
  virtual ~event_sink() = default;
  virtual void on_event(const event& e) = 0;
  virtual void on_events(std::span<const event> batch) {
    for (const event& e : batch) on_event(e);
  }

 protected:
  event_sink() = default;
  event_sink(const event_sink&) = default;
  event_sink& operator=(const event_sink&) = default;
};

// Keeps every event.
class vector_sink final : public event_sink {
 public:
  void on_event(const event& e) override { events.push_back(e); }
  std::vector<event> events;
};

// Counts events by kind and keeps none (benchmarks, hosts that only need totals).
class counting_sink final : public event_sink {
 public:
  void on_event(const event& e) override { ++counts[static_cast<std::size_t>(e.kind)], ++total; }
  std::uint64_t counts[static_cast<std::size_t>(event_kind::rejected) + 1] = {};
  std::uint64_t total = 0;
};

}  // namespace dueday
