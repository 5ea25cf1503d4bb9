// The report's figures: report_figures' rates and times, and the rows of cases and steps
// (report/clocks.hpp).
#include <algorithm>
#include <cmath>
#include <numeric>

#include "report/clocks.hpp"

namespace dueday {

namespace {

std::optional<double> ratio(std::int64_t n, std::int64_t d) {
  if (d == 0) return std::nullopt;
  return static_cast<double>(n) / static_cast<double>(d);
}

std::optional<double> mean_of(const std::vector<double>& v) {
  if (v.empty()) return std::nullopt;
  return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

}  // namespace

std::optional<double> report_figures::on_time_rate() const { return ratio(on_time, completed); }
std::optional<double> report_figures::early_rate() const { return ratio(early, completed); }
std::optional<double> report_figures::mean_wd() const { return mean_of(used_wd); }

std::optional<double> report_figures::p90_wd() const {
  if (used_wd.empty()) return std::nullopt;
  // The ceil(0.9 n)-th smallest, in integers: ceil(9n / 10).
  const std::size_t rank = (9 * used_wd.size() + 9) / 10;
  return used_wd[rank - 1];
}

std::optional<double> report_figures::max_wd() const {
  if (used_wd.empty()) return std::nullopt;
  return used_wd.back();
}

std::optional<double> report_compared::rate_change_pp() const {
  const auto now = month.on_time_rate();
  const auto before = previous.on_time_rate();
  if (!now || !before) return std::nullopt;
  return (*now - *before) * 100;
}

namespace detail {

namespace {

void count_compared(report_compared& f, const clock_record& c, const case_record& k, const periods& p,
                    const calendar& cal, double margin) {
  count_clock(f.month, c, k, p.month, cal, margin);
  count_clock(f.previous, c, k, p.previous, cal, margin);
  count_clock(f.year_to_date, c, k, p.year, cal, margin);
}

std::optional<double> median_of(std::vector<double> v) {
  if (v.empty()) return std::nullopt;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// The cases of one variant (nullptr: all of them), counted by their overall clocks.
report_cases cases_of(const clock_set& s, const variant_policy* v, const periods& p, const calendar& cal,
                      double margin) {
  report_cases row;
  row.variant = v != nullptr ? v->name : "";
  row.title = v != nullptr ? (v->title.empty() ? v->name : v->title) : "合计";
  std::vector<double> days;
  for (const case_record& k : s.cases) {
    if (v != nullptr && k.variant != v) continue;
    row.opened += p.month.holds(k.opened) ? 1 : 0;
    row.opened_previous += p.previous.holds(k.opened) ? 1 : 0;
    row.opened_year += p.year.holds(k.opened) ? 1 : 0;
    if (k.cancelled && p.month.holds(*k.cancelled)) ++row.cancelled;
    const clock_record& overall = s.clocks[k.clocks.back()];
    count_compared(row.overall, overall, k, p, cal, margin);
    if (overall.completed && p.month.holds(*overall.completed))
      days.push_back(static_cast<double>((cal.day_of(*overall.completed) - cal.day_of(k.opened)).count()));
  }
  if (v == nullptr) {
    for (const instant t : s.out_of_scope) row.out_of_scope += p.month.holds(t) ? 1 : 0;
  } else {
    row.customer_interactions = 1 + static_cast<int>(v->overall.counts.size());  // the application, then each
  }
  row.calendar_days_median = median_of(days);
  row.calendar_days_mean = mean_of(days);
  return row;
}

}  // namespace

void add_case_rows(monthly_report& r, const clock_set& s, const sla_policy& policy, const periods& p,
                   const calendar& cal) {
  const double margin = r.options.early_margin;
  r.cases.push_back(cases_of(s, nullptr, p, cal, margin));
  for (const variant_policy& v : policy.variants) r.cases.push_back(cases_of(s, &v, p, cal, margin));
  for (const variant_policy& v : policy.variants) {
    for (std::size_t j = 0; j <= v.steps.size(); ++j) {
      report_step_row row;
      row.variant = v.name;
      if (j < v.steps.size()) {
        row.step = v.steps[j].name;
        row.title = v.steps[j].title.empty() ? v.steps[j].name : v.steps[j].title;
        row.limit = to_string(v.steps[j].limit);
      } else {
        row.step = "overall";
        row.title = overall_title;
        row.limit = to_string(v.overall.limit);
      }
      for (const case_record& k : s.cases)
        if (k.variant == &v) count_compared(row.figures, s.clocks[k.clocks[j]], k, p, cal, margin);
      r.steps.push_back(std::move(row));
    }
  }
}

}  // namespace detail
}  // namespace dueday
