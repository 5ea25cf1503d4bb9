// The figures of where a durable store stands: `dueday status` prints them, `dueday serve` answers
// them over HTTP (GET /v1/cases). Gathered from a durable_engine at one instant (status.cpp), given
// as one JSON object (status_json.cpp); the CLI prints the text form itself (cli_status_print.cpp).
//
// Not part of the installed library: the monitor's own code, shared by the CLI and the service.
#pragma once

#include <dueday/calendar.hpp>
#include <dueday/case_state.hpp>
#include <dueday/policy.hpp>
#include <dueday/store.hpp>
#include <dueday/timer.hpp>
#include <dueday/units.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dueday::monitor {

// "idle", "running", "paused", "stopped" (the words snapshots use).
inline const char* state_name(dueday::step_timer::status s) noexcept {
  using st = dueday::step_timer::status;
  return s == st::idle ? "idle" : s == st::running ? "running" : s == st::paused ? "paused" : "stopped";
}

// One clock as of the status instant.
struct clock_line {
  dueday::clock_view view;
  std::optional<std::string> level;  // the last alert level (policy order) raised or reached
  double elapsed_wd = 0;             // working days: working seconds / the clock's working day
  double remaining_wd = 0;
  std::vector<std::pair<dueday::instant, std::optional<dueday::instant>>> pauses;  // a step's pause commands
};

struct case_line {
  dueday::case_view view;
  std::vector<clock_line> clocks;
  std::optional<std::size_t> urgent;  // the clock that orders the case (see status.cpp)
  bool at_risk = false;               // a running or paused clock has reached an alert level
};

struct consumer_line {
  std::string name;
  std::uint64_t acknowledged = 0;
  std::uint64_t pending = 0;  // last_sequence - acknowledged
};

struct report {
  std::string store;
  dueday::instant at{};          // the judging instant
  dueday::instant store_time{};  // the engine's latest instant
  dueday::instant as_of{};       // max(at, store_time): the clocks' figures are as of it
  std::uint64_t position = 0;
  std::optional<std::pair<std::uint64_t, std::string>> last_id;  // position, id
  std::uint64_t last_sequence = 0;
  std::vector<consumer_line> consumers;
  std::optional<std::uint64_t> checkpoint;         // its position
  std::optional<dueday::instant> checkpoint_time;  // the engine time it holds
  std::string last_covered, projection_end;        // YYYY-MM-DD
  std::optional<std::string> coverage_warning;
  std::size_t cases_held = 0, cases_open = 0, at_risk = 0;
  std::vector<case_line> cases;  // open cases by urgency (only at risk when at_risk_only); or the one case
  bool at_risk_only = false;
  bool one_case = false;
};

// What to gather.
struct query {
  dueday::instant at{};          // the judging instant
  std::string_view at_name;      // what messages call it: "--at", "the machine's clock,"
  std::string case_id;           // one case in detail; empty: the overview
  bool at_risk_only = false;     // the overview lists only the cases at risk
  std::size_t limit = SIZE_MAX;  // the overview lists at most this many (the first by urgency)
};

// The report of `d` for `q`. The open cases come by urgency (status.cpp says how). Throws
// dueday::error "<at_name> <instant> is past the calendar's projection (it ends <day>)" when the
// clocks would be judged past it. For a case id the store does not hold, `one_case` is set and
// `cases` is empty. Reads only: safe on a durable_engine over a read-only storage.
[[nodiscard]] report gather(dueday::durable_engine& d, const dueday::calendar& cal, const dueday::policy_set& policies,
                            const query& q);

// The report as one JSON object, no newline (the form `dueday status --json` prints).
[[nodiscard]] std::string to_json(const report& r);

}  // namespace dueday::monitor
