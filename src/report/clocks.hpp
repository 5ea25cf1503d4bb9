// The clocks of a month's cases as the events tell them (clocks.cpp), and the figures counted over
// them (figures.cpp): the parts make_report (model.cpp) puts together.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dueday/report.hpp"

namespace dueday::detail {

// The title of the overall clock's rows and clocks.
inline constexpr const char* overall_title = "全流程";

// A pause of a step's clock (waiting on the customer): from step_paused to step_resumed, or to the
// clock's completion or the case's cancellation.
struct clock_pause {
  instant from{};
  std::optional<instant> to;
  std::string reason;
};

// What a clock event said of the clock at its instant.
struct clock_state {
  instant at{};
  std::optional<instant> due;
  std::optional<working_time> remaining;
  bool paused = false;
};

struct clock_record {
  std::size_t case_index = 0;
  std::string step;  // "overall" for the overall clock
  bool overall = false;
  std::size_t order = 0;  // place in the variant: steps in policy order, overall last
  std::string unit, title, limit;
  time_basis basis = time_basis::whole_day;
  working_time per_day{86400};  // working time in one working day of the clock's counting rule
  std::optional<instant> started, completed;
  bool on_time = false;
  working_time elapsed_done{}, remaining_done{};  // at completion
  std::vector<clock_state> history;
  std::vector<clock_pause> pauses;  // steps: their own; overall: its steps' (the customer's time)
  std::vector<report_alert> alerts;
};

struct case_record {
  std::string id;
  const variant_policy* variant = nullptr;
  std::string district;
  instant opened{};
  std::optional<instant> completed, cancelled;
  std::vector<std::size_t> clocks;  // into clock_set::clocks, in policy order, overall last
};

struct clock_set {
  std::vector<case_record> cases;
  std::vector<clock_record> clocks;
  std::vector<instant> out_of_scope;  // when each out-of-scope case was refused
  instant data_until{};
  bool units_named = false;  // some event named a unit (else the policy's parties stand for them)
};

// The cases of `policy` in `events` (rejected events skipped; events at or after `until` ignored).
[[nodiscard]] clock_set read_clocks(std::span<const event> events, const sla_policy& policy, const calendar& cal,
                                    instant until);

// A period [from, to).
struct period {
  instant from{}, to{};
  [[nodiscard]] bool holds(instant t) const { return from <= t && t < to; }
};

// A clock at the end of a period: open (started, neither completed nor cancelled), late, and by
// how many working days (completed late in any earlier period counts too).
struct clock_status {
  bool started = false, open = false, late = false;
  double late_wd = 0;
};
[[nodiscard]] clock_status status_at(const clock_record& c, const case_record& k, instant t, const calendar& cal);

// Adds the clock's counts in period p to f (handovers apart).
void count_clock(report_figures& f, const clock_record& c, const case_record& k, period p, const calendar& cal,
                 double early_margin);

// Whether case k is a hand-over delay in period p: its overall clock late there (completed late in
// it, or late open at its end) while none of its steps was late by the period's end.
[[nodiscard]] bool handover_in(const clock_set& s, const case_record& k, period p, const calendar& cal);

// The report's three periods.
struct periods {
  period month, previous, year;
};

// Rows of the report, each part in its own file.
void add_case_rows(monthly_report& r, const clock_set& s, const sla_policy& policy, const periods& p,
                   const calendar& cal);  // figures.cpp: cases and steps
void add_unit_rows(monthly_report& r, const clock_set& s, const sla_policy& policy, const periods& p,
                   const calendar& cal);  // units.cpp: units and named

// The part of a pause, or of all the clock's pauses, that lies in the period, in working time.
[[nodiscard]] working_time paused_in(const clock_pause& pause, time_basis basis, period p, const calendar& cal);
[[nodiscard]] working_time paused_in(const clock_record& c, period p, const calendar& cal);

}  // namespace dueday::detail
