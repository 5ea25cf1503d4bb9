// dueday/report.hpp — the monthly supervision circular (每月汇总通报): figures per variant, step and
// unit for one calendar month, computed from the engine's events, and the circular written from them
// as HTML (A4, inline CSS and SVG), text, CSV or JSON.
//
// The figures come from events alone (a replay's events file, later a durable store's outbox), the
// calendar (working days, the month's weekends, holidays and make-up working days, the notices it
// was built from) and the policy (step limits, titles, parties). Counting rules (口径), as the
// circular's attachment 3 states them:
//   - A clock is a step's clock or a case's overall clock; each answers to one unit: the `unit` its
//     events carry (the `start` or `open` command named it), else the title of the step's party in
//     the policy, else the party id.
//   - The month runs from the 1st 00:00 to the last day 24:00, Beijing time. Received: clocks started
//     in it. Completed: clocks completed in it; on time when completed at or before the due instant
//     (the engine's on_time); early when on time with at least `early_margin` working days to spare;
//     late completed otherwise. Late open: started, neither completed nor cancelled by the month's
//     end, and due before it; listed every month until it closes, counted late completed once, in the
//     month it closes. A cancelled case's clocks stop and count in neither.
//   - On-time rate = on time / completed, with its n; a zero denominator has no rate (printed "—",
//     never 0 % or 100 %). Working days used: the clock's elapsed working time (pauses excluded) in
//     working days of its counting rule. Alerts count by what they raise: warning (黄牌), overdue
//     (红牌), escalation (督办), in the month they were raised.
//   - A case late overall while none of its steps was late is a hand-over delay (环节衔接超时),
//     attributed to the unit of the overall clock.
//   - Out-of-scope and cancelled cases are counted apart and never enter the rates.
//   - A unit's figures count the step clocks it answers for; an overall clock enters them only as a
//     hand-over delay, so that late() counts no case twice. An overall clock's pauses are its
//     steps' (the customer's time); the engine's own pauses between steps are not listed.
//   - The evaluator's calendar days run from the Beijing civil day the case opened to the day its
//     overall clock completed.
// Units are ranked by on-time rate (descending), then late count (ascending), then mean working days
// used (ascending); a unit with fewer than `small_n` completed clocks gets the mark 样本少 instead of
// a rank; a unit seen before in the year (or named by the policy) with nothing this month is listed
// as 本月无业务.
//
// Thread safety: the report is a plain value; make_report and write_report keep no state.
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dueday/calendar.hpp"
#include "dueday/event.hpp"
#include "dueday/policy.hpp"
#include "dueday/units.hpp"

namespace dueday {

// What the circular is about and the text around its figures. Defaults fit Kunming's 2020 rules.
struct report_options {
  std::chrono::year_month month{std::chrono::year{2026}, std::chrono::October};
  std::string policy = "kunming-water-490";  // the policy whose cases are reported
  double early_margin = 1.0;                 // working days to spare for "early" (提前办结)
  std::int64_t small_n = 3;                  // fewer completed clocks than this: no rank (样本少)
  double target_rate = 1.0;                  // the target line in the by-unit figure
  std::string issuer = "昆明市优化营商环境获得用水专项工作组办公室";  // 发文机关
  std::string document_number;                                        // 文号; empty prints a placeholder
  // Part 六 (整改要求): the office edits it. {month} and {deadline} are replaced (the deadline is the
  // 10th working day of the next month).
  std::string requirements =
      "请被通报单位于{deadline}前书面报送超期原因及整改措施；各单位要对照承诺时限，加强全流程跟踪，"
      "确保按时办结。";
  instant generated_at{};  // printed as 生成时间; the library reads no clock, so the host gives it
};

// The counts and times of a group of clocks (a variant, a step, a unit) over one period.
struct report_figures {
  std::int64_t received = 0;        // clocks started in the period
  std::int64_t completed = 0;       // clocks completed in the period
  std::int64_t on_time = 0;         // of completed
  std::int64_t early = 0;           // of on_time: at least early_margin working days to spare
  std::int64_t late_completed = 0;  // of completed
  std::int64_t late_open = 0;       // open at the period's end and past due
  std::int64_t open = 0;            // open at the period's end (late or not)
  std::int64_t warnings = 0;        // alerts raised in the period, by what they raise
  std::int64_t overdue = 0;
  std::int64_t escalations = 0;
  std::int64_t handovers = 0;   // hand-over delays attributed here (cases late overall, no step late)
  std::int64_t pauses = 0;      // pauses begun in the period
  working_time paused{};        // working time paused within the period (excluded from the clocks)
  std::vector<double> used_wd;  // working days used by each clock completed in the period, sorted

  [[nodiscard]] std::optional<double> on_time_rate() const;  // on_time / completed
  [[nodiscard]] std::optional<double> early_rate() const;    // early / completed
  [[nodiscard]] std::optional<double> mean_wd() const;
  [[nodiscard]] std::optional<double> p90_wd() const;  // nearest rank: the ceil(0.9 n)-th smallest
  [[nodiscard]] std::optional<double> max_wd() const;
  [[nodiscard]] std::int64_t late() const { return late_completed + late_open + handovers; }
};

// A group's figures this month, the month before and the year to date (1 January to the month's end).
struct report_compared {
  report_figures month;
  report_figures previous;
  report_figures year_to_date;
  // Change of the on-time rate from the previous month, in percentage points (百分点); none when
  // either month has no rate.
  [[nodiscard]] std::optional<double> rate_change_pp() const;
};

// Cases, counted by their overall clock, per variant or in all ("" = all variants).
struct report_cases {
  std::string variant;                                            // "" for the total
  std::string title;                                              // 无外线工程, or 合计
  std::int64_t opened = 0, opened_previous = 0, opened_year = 0;  // case_opened in the period
  report_compared overall;                                        // the overall clocks
  std::int64_t out_of_scope = 0;                                  // this month
  std::int64_t cancelled = 0;                                     // this month
  // The evaluator's view (as the World Bank counts): calendar days from the case's opening to the
  // overall clock's completion (water flowing), cases completed this month.
  std::optional<double> calendar_days_median, calendar_days_mean;
  int customer_interactions = 0;  // application, survey, connection: steps the customer takes part in
};

struct report_step_row {
  std::string variant;  // variant name
  std::string step;     // step name, "overall" for the overall clock
  std::string title;    // the step's display name (报装勘查, ...)
  std::string limit;    // "3wd" as in the policy
  report_compared figures;
};

struct report_unit_row {
  std::string unit;
  std::vector<std::string> steps;  // step titles it answers for this month
  report_compared figures;
  std::optional<int> rank;  // none: small n, or no cases
  bool small_n = false;     // 样本少
  bool no_cases = false;    // 本月无业务
  double max_late_wd = 0;   // the most working days past due of its late clocks this month
};

// One alert raised on a clock.
struct report_alert {
  instant at{};
  event_kind kind = event_kind::warning;  // warning, overdue or escalation
  std::string level;                      // the policy's level name
};

struct report_pause {
  std::string case_id;
  std::string step;
  std::string unit;
  instant from{};
  std::optional<instant> to;  // none: still paused at the month's end
  working_time paused{};      // within the month
  std::string reason;
};

// One clock of a case, for the late-case list and its timeline.
struct report_clock {
  std::string step;  // "overall" for the overall clock
  std::string unit;
  std::string limit;  // "3wd"
  instant started{};
  instant due{};
  std::optional<instant> completed;  // none: open at the month's end (or cancelled)
  bool late = false;
  double late_wd = 0;  // working days past due at completion, or at the month's end when open
  std::vector<std::pair<instant, std::optional<instant>>> pauses;
  std::vector<report_alert> alerts;
};

// A case with a late clock this month (late completed, or late open at the month's end).
struct report_late_case {
  std::string case_id;
  std::string variant;
  std::string district;
  instant opened{};
  std::vector<report_clock> clocks;        // every clock of the case, in policy order, overall last
  bool handover = false;                   // late overall with no late step (环节衔接超时)
  std::string highest_alert;               // the highest level raised, or ""
  std::optional<event_kind> highest_kind;  // what that level raises (warning, overdue, escalation)
};

// A named unit (part 五), in rank order then name: one generated sentence each.
struct report_named_unit {
  std::string unit;
  std::string steps;  // step titles, joined with 、
  std::int64_t late_completed = 0;
  std::int64_t late_open = 0;
  std::int64_t handovers = 0;
  double max_late_wd = 0;
  std::string sentence;  // "10月，{unit}在“{steps}”环节超期办结a件、超期未办结b件（最长超期c个工作日），予以通报。"
};

// The month's days, for the daily workload figure.
struct report_day {
  civil_day day;
  day_kind kind = day_kind::workday;
  std::int64_t opened = 0;
  std::int64_t completed = 0;  // cases completed (overall clocks)
};

struct monthly_report {
  std::chrono::year_month month{std::chrono::year{2026}, std::chrono::October};
  instant from{}, to{};  // the month: [from, to), Beijing time
  instant data_until{};  // the latest event instant read at or before `to`
  std::string policy_id, policy_version, policy_title;
  std::vector<std::string> notices;  // citations of the calendar's notices covering the year
  std::string calendar_fingerprint;

  std::vector<report_cases> cases;     // the total first, then each variant in policy order
  std::vector<report_step_row> steps;  // per variant, in policy order, overall last
  std::vector<report_unit_row> units;  // ranked first, then small n, then no cases
  std::vector<report_late_case> late;  // by the case's most working days late, then case id
  std::vector<report_named_unit> named;
  std::string no_late_sentence;  // set when no unit is named ("本月各单位均无超期办结件。")
  // Part 六's {deadline}: the 10th working day of the next month on the report's calendar; none
  // when the calendar does not cover it (the circular then says "下月第10个工作日").
  std::optional<civil_day> reply_by;
  std::vector<report_pause> pauses;
  std::vector<report_day> days;
  report_options options;
};

// The report for options.month from the events of every month up to it (and those after it, which
// are ignored). Events must be in the engine's order; `rejected` events are skipped. Throws
// dueday::error when the policy is not in `policies`, coverage_error when the calendar does not
// cover the month.
[[nodiscard]] monthly_report make_report(std::span<const event> events, const calendar& cal, const policy_set& policies,
                                         const report_options& options);

enum class report_format : std::uint8_t { html, text, csv, json };

// Writes the circular. HTML: one self-contained A4 document in Chinese with English in small type
// (no external fetch). Text: a terminal table. CSV and JSON: the same figures for other systems.
void write_report(std::ostream& out, const monthly_report& r, report_format format);

}  // namespace dueday
