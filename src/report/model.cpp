// make_report (dueday/report.hpp): the month's periods, then the rows of each part from the clocks
// the events describe (report/clocks.hpp): cases and steps (figures.cpp), units (units.cpp), and
// here the late cases, the pauses and the days.
#include <fmt/format.h>

#include <algorithm>
#include <tuple>

#include "dueday/error.hpp"
#include "dueday/format.hpp"
#include "report/clocks.hpp"

namespace dueday {

namespace detail {

namespace {

using namespace std::chrono;

// The case's clocks as the month's end sees them, if one of them was late this month.
std::optional<report_late_case> late_case(const clock_set& s, const case_record& k, const sla_policy& policy,
                                          const periods& p, const calendar& cal) {
  const instant end = p.month.to;
  report_late_case out;
  bool late = false;
  std::ptrdiff_t highest = -1;
  for (const std::size_t i : k.clocks) {
    const clock_record& c = s.clocks[i];
    const clock_status st = status_at(c, k, end, cal);
    if (!st.started) continue;
    late = late || (c.completed && p.month.holds(*c.completed) && !c.on_time) || (st.open && st.late);
    report_clock rc;
    rc.step = c.step;
    rc.unit = c.unit;
    rc.limit = c.limit;
    rc.started = *c.started;
    for (const clock_state& h : c.history)
      if (h.at < end && h.due) rc.due = *h.due;
    if (c.completed && *c.completed < end) rc.completed = c.completed;
    rc.late = st.late;
    rc.late_wd = st.late_wd;
    for (const clock_pause& pause : c.pauses) {
      if (pause.from >= end) continue;
      rc.pauses.emplace_back(pause.from, pause.to && *pause.to < end ? pause.to : std::nullopt);
    }
    for (const report_alert& a : c.alerts) {
      if (a.at >= end) continue;
      rc.alerts.push_back(a);
      for (std::size_t l = 0; l < policy.alerts.size(); ++l)
        if (policy.alerts[l].level == a.level) highest = std::max(highest, static_cast<std::ptrdiff_t>(l));
    }
    out.clocks.push_back(std::move(rc));
  }
  if (!late) return std::nullopt;
  out.case_id = k.id;
  out.variant = k.variant->name;
  out.district = k.district;
  out.opened = k.opened;
  out.handover = handover_in(s, k, p.month, cal);
  if (highest >= 0) {
    const alert_rule& rule = policy.alerts[static_cast<std::size_t>(highest)];
    out.highest_alert = rule.level;
    out.highest_kind = rule.raises == alert_event::warning   ? event_kind::warning
                       : rule.raises == alert_event::overdue ? event_kind::overdue
                                                             : event_kind::escalation;
  }
  return out;
}

double most_late(const report_late_case& c) {
  double most = 0;
  for (const report_clock& k : c.clocks) most = std::max(most, k.late_wd);
  return most;
}

void add_late_cases(monthly_report& r, const clock_set& s, const sla_policy& policy, const periods& p,
                    const calendar& cal) {
  for (const case_record& k : s.cases)
    if (auto c = late_case(s, k, policy, p, cal)) r.late.push_back(std::move(*c));
  std::stable_sort(r.late.begin(), r.late.end(), [](const report_late_case& a, const report_late_case& b) {
    const double la = most_late(a), lb = most_late(b);
    return la != lb ? la > lb : a.case_id < b.case_id;
  });
}

// The customer's pauses of step clocks that lie in the month.
void add_pauses(monthly_report& r, const clock_set& s, const periods& p, const calendar& cal) {
  for (const clock_record& c : s.clocks) {
    if (c.overall) continue;
    for (const clock_pause& pause : c.pauses) {
      if (pause.from >= p.month.to || (pause.to && *pause.to <= p.month.from)) continue;
      report_pause out;
      out.case_id = s.cases[c.case_index].id;
      out.step = c.step;
      out.unit = c.unit;
      out.from = pause.from;
      if (pause.to && *pause.to < p.month.to) out.to = pause.to;
      out.paused = paused_in(pause, c.basis, p.month, cal);
      out.reason = pause.reason;
      r.pauses.push_back(std::move(out));
    }
  }
  std::stable_sort(r.pauses.begin(), r.pauses.end(), [](const report_pause& a, const report_pause& b) {
    return std::tie(a.from, a.case_id, a.step) < std::tie(b.from, b.case_id, b.step);
  });
}

void add_days(monthly_report& r, const clock_set& s, civil_day first, civil_day next, const calendar& cal) {
  for (civil_day d = first; d < next; d = d + days{1}) {
    report_day day{d, cal.day(d).kind, 0, 0};
    for (const case_record& k : s.cases) {
      if (cal.day_of(k.opened) == d) ++day.opened;
      if (k.completed && cal.day_of(*k.completed) == d) ++day.completed;
    }
    r.days.push_back(day);
  }
}

std::string month_text(year_month m) {
  return fmt::format("{:04}-{:02}", static_cast<int>(m.year()), static_cast<unsigned>(m.month()));
}

}  // namespace

}  // namespace detail

monthly_report make_report(std::span<const event> events, const calendar& cal, const policy_set& policies,
                           const report_options& options) {
  using namespace std::chrono;
  const sla_policy* policy = policies.find(options.policy);
  if (policy == nullptr) throw error(fmt::format("unknown policy {}", quote(options.policy)));
  if (!options.month.ok()) throw error(fmt::format("bad month {}", detail::month_text(options.month)));
  const civil_day first{options.month / 1};
  const civil_day next{(options.month + months{1}) / 1};
  if (!cal.covers(first) || !cal.covers(next - days{1})) {
    throw coverage_error(fmt::format("the calendar does not cover {} (it covers {} to {})",
                                     detail::month_text(options.month), cal.first_covered(), cal.last_covered()),
                         cal.first_covered(), cal.last_covered());
  }
  monthly_report r;
  r.options = options;
  r.month = options.month;
  r.from = cal.at(first, seconds{0});
  r.to = cal.at(next, seconds{0});
  const detail::periods p{{r.from, r.to},
                          {cal.at(civil_day{(options.month - months{1}) / 1}, seconds{0}), r.from},
                          {cal.at(civil_day{options.month.year() / January / 1}, seconds{0}), r.to}};
  r.policy_id = policy->id;
  r.policy_version = policy->version;
  r.policy_title = policy->title;
  for (const notice& n : cal.notices()) {
    if (n.year != static_cast<int>(options.month.year())) continue;
    if (std::find(r.notices.begin(), r.notices.end(), n.citation()) == r.notices.end())
      r.notices.push_back(n.citation());
  }
  r.calendar_fingerprint = cal.fingerprint();
  // Part 六's reply date: the 10th working day of the next month, when the notices cover it (a
  // December circular written before next year's notice says "下月第10个工作日" instead).
  if (cal.covers(next - days{1} + days{31})) r.reply_by = cal.advance(next - days{1}, working_days{10});

  const detail::clock_set s = detail::read_clocks(events, *policy, cal, r.to);
  r.data_until = s.data_until;
  detail::add_case_rows(r, s, *policy, p, cal);
  detail::add_unit_rows(r, s, *policy, p, cal);
  detail::add_late_cases(r, s, *policy, p, cal);
  detail::add_pauses(r, s, p, cal);
  detail::add_days(r, s, first, next, cal);
  return r;
}

}  // namespace dueday
