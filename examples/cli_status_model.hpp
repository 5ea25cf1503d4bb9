// The figures `dueday status` shows (cli_status.cpp gathers them, cli_status_print.cpp prints them).
#pragma once

#include <dueday/case_state.hpp>
#include <dueday/timer.hpp>
#include <dueday/units.hpp>

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace dueday_cli::status {

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
  std::optional<std::size_t> urgent;  // the clock that orders the case (see cli_status.cpp)
  bool at_risk = false;               // a running or paused clock has reached an alert level
};

struct consumer_line {
  std::string name;
  std::uint64_t acknowledged = 0;
  std::uint64_t pending = 0;  // last_sequence - acknowledged
};

struct report {
  std::string store;
  dueday::instant at{};          // the judging instant: --at, else the machine's clock
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
  std::vector<case_line> cases;  // open cases by urgency (only at risk with --at-risk); or the one --case
  bool at_risk_only = false;
  bool one_case = false;
};

// One JSON object and a newline.
void print_json(std::FILE* out, const report& r);
// Aligned text; `colour`: ANSI colours for the alert levels (a terminal).
void print_text(std::FILE* out, const report& r, bool colour);

}  // namespace dueday_cli::status
