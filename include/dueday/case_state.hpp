// dueday/case_state.hpp — what the engine can say about one case: its clocks, where they stand and
// why they fall due when they do. A read-only copy (engine::inspect); the engine keeps its own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dueday/timer.hpp"
#include "dueday/units.hpp"

namespace dueday {

enum class case_status : std::uint8_t { open, completed, cancelled, out_of_scope };
[[nodiscard]] std::string_view to_string(case_status s) noexcept;

// One clock of a case: a step's or the overall one.
struct clock_view {
  std::string name;   // step name, or "overall"
  std::string party;  // who answers for it (overall: the policy's, else its counted steps' shared one)
  std::string unit;   // the unit its events name (see event.hpp)
  std::string limit;  // "2wd", "14h"
  counting_rule rule = counting_rule::civil;
  step_timer::status state = step_timer::status::idle;
  bool waiting = false;              // a start came; the steps it is after have not completed
  std::optional<instant> commanded;  // the `start` command's instant
  std::optional<instant> due;        // once started
  bool provisional = false;
  working_time elapsed{0};          // up to the instant asked about
  working_time remaining{0};        // limit - elapsed; negative past due
  std::vector<std::string> fired;   // alert levels already raised, in policy order
  std::vector<std::string> beyond;  // levels left unscheduled: they fall beyond the calendar's projection
  std::optional<bool> on_time;      // once completed: stopped at or before its due instant
};

struct case_view {
  std::string id;
  std::string policy;    // "kunming-water-490@2020.3"
  std::string variant;   // empty when out of scope
  std::string district;  // the open's, if it named one
  case_status status = case_status::open;
  instant opened{};
  std::optional<instant> closed;   // once completed, cancelled or out of scope
  std::vector<clock_view> clocks;  // steps in policy order, then overall
};

}  // namespace dueday
