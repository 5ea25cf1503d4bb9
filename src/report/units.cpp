// The report's units: their figures over the step clocks they answer for, hand-over delays, the
// ranking, and the units named in part 五 (report/clocks.hpp).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "report/clocks.hpp"
#include "report/numbers.hpp"

namespace dueday::detail {

namespace {

// A unit's row while it is built: the titles it answers for, keyed by their place in the policy.
struct unit_work {
  report_unit_row row;
  std::map<std::pair<std::size_t, std::size_t>, std::string> steps;       // this month
  std::map<std::pair<std::size_t, std::size_t>, std::string> late_steps;  // late this month
};

std::string joined(const std::map<std::pair<std::size_t, std::size_t>, std::string>& titles) {
  std::vector<std::string> seen;
  for (const auto& [place, title] : titles)
    if (std::find(seen.begin(), seen.end(), title) == seen.end()) seen.push_back(title);
  return fmt::format("{}", fmt::join(seen, "、"));
}

// The ranking key: on-time rate (descending, none last), late count, mean working days used.
auto key(const report_unit_row& u) {
  const auto& m = u.figures.month;
  return std::make_tuple(!m.on_time_rate().has_value(), -m.on_time_rate().value_or(0), m.late(),
                         m.mean_wd().value_or(0));
}

std::size_t variant_place(const sla_policy& policy, const variant_policy* v) {
  return static_cast<std::size_t>(v - policy.variants.data());
}

// Part 五's sentence for a named unit: only the kinds of lateness it had, and the most working days
// late when that rounds above zero (a clock due at 24:00 before a weekend and done on the Saturday
// is late by no working time at all).
std::string named_sentence(unsigned month_number, const report_named_unit& n) {
  std::vector<std::string> parts;
  if (n.late_completed > 0) parts.push_back(fmt::format("超期办结{}件", n.late_completed));
  if (n.late_open > 0) parts.push_back(fmt::format("超期未办结{}件", n.late_open));
  const std::string where = n.steps.empty() ? "" : fmt::format("在“{}”环节", n.steps);
  if (n.handovers > 0) parts.push_back(fmt::format("{}衔接超时{}件", where.empty() ? "环节" : "", n.handovers));
  const std::string most = wd_text(n.max_late_wd);
  const std::string longest = most == wd_text(0.0) ? "" : fmt::format("（最长超期{}个工作日）", most);
  return fmt::format("{}月，{}{}{}{}，予以通报。", month_number, n.unit, where, fmt::join(parts, "、"), longest);
}

}  // namespace

void add_unit_rows(monthly_report& r, const clock_set& s, const sla_policy& policy, const periods& p,
                   const calendar& cal) {
  std::map<std::string, unit_work> units;
  const auto unit = [&](const std::string& name) -> unit_work& {
    unit_work& w = units[name];
    w.row.unit = name;
    return w;
  };
  const auto late_in_month = [&](const clock_record& c, const clock_status& end) {
    return (c.completed && p.month.holds(*c.completed) && !c.on_time) || (end.open && end.late);
  };
  for (const case_record& k : s.cases) {
    const std::size_t v = variant_place(policy, k.variant);
    for (std::size_t j = 0; j + 1 < k.clocks.size(); ++j) {
      const clock_record& c = s.clocks[k.clocks[j]];
      const clock_status at_year = status_at(c, k, p.year.from, cal);
      const clock_status end = status_at(c, k, p.month.to, cal);
      const bool in_year =
          at_year.open || (c.started && p.year.holds(*c.started)) || (c.completed && p.year.holds(*c.completed));
      if (!in_year) continue;
      unit_work& w = unit(c.unit);
      report_compared& f = w.row.figures;
      count_clock(f.month, c, k, p.month, cal, r.options.early_margin);
      count_clock(f.previous, c, k, p.previous, cal, r.options.early_margin);
      count_clock(f.year_to_date, c, k, p.year, cal, r.options.early_margin);
      const bool active =
          end.open || (c.started && p.month.holds(*c.started)) || (c.completed && p.month.holds(*c.completed));
      if (active) w.steps[{v, c.order}] = c.title;
      if (late_in_month(c, end)) {
        w.late_steps[{v, c.order}] = c.title;
        w.row.max_late_wd = std::max(w.row.max_late_wd, end.late_wd);
      }
    }
    // A case late overall with no step late: the overall clock's unit answers for the hand-over.
    const clock_record& overall = s.clocks[k.clocks.back()];
    const bool month = handover_in(s, k, p.month, cal);
    const bool previous = handover_in(s, k, p.previous, cal);
    const bool year = handover_in(s, k, p.year, cal);
    if (!month && !previous && !year) continue;
    unit_work& w = unit(overall.unit);
    w.row.figures.month.handovers += month ? 1 : 0;
    w.row.figures.previous.handovers += previous ? 1 : 0;
    w.row.figures.year_to_date.handovers += year ? 1 : 0;
    if (month) {
      w.steps[{v, overall.order}] = overall.title;
      w.late_steps[{v, overall.order}] = overall.title;
      w.row.max_late_wd = std::max(w.row.max_late_wd, status_at(overall, k, p.month.to, cal).late_wd);
    }
  }
  // Without named units, the policy's parties stand for them, so that each shows up every month.
  if (!s.units_named) {
    for (const party_policy& party : policy.parties) unit(party.title.empty() ? party.id : party.title);
    for (const variant_policy& v : policy.variants)
      for (const step_policy& step : v.steps) {
        const party_policy* party = policy.find_party(step.party);
        if (party == nullptr || party->title.empty()) unit(step.party);
      }
  }

  std::vector<unit_work*> ranked, small, idle;
  for (auto& [name, w] : units) {
    report_unit_row& u = w.row;
    u.steps.clear();
    for (const auto& [place, title] : w.steps)
      if (std::find(u.steps.begin(), u.steps.end(), title) == u.steps.end()) u.steps.push_back(title);
    const report_figures& m = u.figures.month;
    u.no_cases = m.received + m.completed + m.open + m.handovers == 0;
    u.small_n = !u.no_cases && m.completed < r.options.small_n;
    (u.no_cases ? idle : u.small_n ? small : ranked).push_back(&w);
  }
  const auto by_key = [](const unit_work* a, const unit_work* b) {
    return std::make_tuple(key(a->row), a->row.unit) < std::make_tuple(key(b->row), b->row.unit);
  };
  std::stable_sort(ranked.begin(), ranked.end(), by_key);
  std::stable_sort(small.begin(), small.end(), by_key);
  for (std::size_t i = 0; i < ranked.size(); ++i) {
    // Equal keys share a rank (1, 1, 3).
    const bool tie = i > 0 && key(ranked[i]->row) == key(ranked[i - 1]->row);
    ranked[i]->row.rank = tie ? ranked[i - 1]->row.rank : static_cast<int>(i + 1);
  }
  const unsigned month_number = static_cast<unsigned>(r.month.month());
  for (const auto* list : {&ranked, &small, &idle}) {
    for (unit_work* w : *list) {
      const report_figures& m = w->row.figures.month;
      if (m.late() > 0) {
        report_named_unit n;
        n.unit = w->row.unit;
        n.steps = joined(w->late_steps);
        n.late_completed = m.late_completed;
        n.late_open = m.late_open;
        n.handovers = m.handovers;
        n.max_late_wd = w->row.max_late_wd;
        n.sentence = named_sentence(month_number, n);
        r.named.push_back(std::move(n));
      }
      r.units.push_back(std::move(w->row));
    }
  }
  if (r.named.empty()) r.no_late_sentence = fmt::format("{}月，各单位均无超期办结件和超期未办结件。", month_number);
}

}  // namespace dueday::detail
