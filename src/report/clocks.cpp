// The clocks of the report's cases, rebuilt from the events (report/clocks.hpp).
#include "report/clocks.hpp"

#include <algorithm>
#include <map>
#include <utility>

#include "dueday/span.hpp"

namespace dueday::detail {

namespace {

// Who answers for a party when no event names a unit: the policy's title, else the party id.
std::string party_unit(const sla_policy& policy, const std::string& party) {
  const party_policy* p = policy.find_party(party);
  return p != nullptr && !p->title.empty() ? p->title : party;
}

clock_record new_clock(std::size_t case_index, const std::string& step, const std::string& title,
                       const span_spec& limit, counting_rule rule, std::string unit, const calendar& cal) {
  clock_record c;
  c.case_index = case_index;
  c.step = step;
  c.title = title;
  c.limit = to_string(limit);
  c.unit = std::move(unit);
  if (rule == counting_rule::hours) {
    c.basis = time_basis::office_hours;
    c.per_day = cal.hours().per_day();
  }
  return c;
}

// The case's clocks, unstarted: its steps in policy order, then the overall clock.
void add_clocks(clock_set& s, std::size_t case_index, const sla_policy& policy, const calendar& cal) {
  case_record& k = s.cases[case_index];
  const variant_policy& v = *k.variant;
  for (const step_policy& step : v.steps) {
    k.clocks.push_back(s.clocks.size());
    s.clocks.push_back(new_clock(case_index, step.name, step.title.empty() ? step.name : step.title, step.limit,
                                 step.rule, party_unit(policy, step.party), cal));
    s.clocks.back().order = k.clocks.size() - 1;
  }
  std::string party = v.overall.party;
  for (const std::string& counted : v.overall.counts) {
    if (!party.empty()) break;
    for (const step_policy& step : v.steps)
      if (step.name == counted) party = step.party;
  }
  k.clocks.push_back(s.clocks.size());
  s.clocks.push_back(
      new_clock(case_index, "overall", overall_title, v.overall.limit, v.overall.rule, party_unit(policy, party), cal));
  s.clocks.back().overall = true;
  s.clocks.back().order = k.clocks.size() - 1;
}

void close_pause(clock_record& c, instant at) {
  if (!c.pauses.empty() && !c.pauses.back().to) c.pauses.back().to = at;
}

void apply(clock_record& c, const event& e) {
  if (!e.unit.empty()) c.unit = e.unit;
  const bool was_paused = !c.history.empty() && c.history.back().paused;
  const auto state = [&](bool paused) { c.history.push_back({e.at, e.due, e.remaining, paused}); };
  switch (e.kind) {
    case event_kind::step_started:
      if (!c.started) c.started = e.at;
      state(false);
      break;
    case event_kind::step_paused:
      state(true);
      if (!c.overall) c.pauses.push_back({e.at, std::nullopt, e.detail});
      break;
    case event_kind::step_resumed:
      state(false);
      close_pause(c, e.at);
      break;
    case event_kind::warning:
    case event_kind::overdue:
    case event_kind::escalation:
      c.alerts.push_back({e.at, e.kind, e.level});
      break;
    case event_kind::deadline_changed:
    case event_kind::deadline_confirmed:
      state(was_paused);
      break;
    case event_kind::step_completed:
    case event_kind::case_completed:
      if (c.completed) break;
      c.completed = e.at;
      c.on_time = e.on_time.value_or(false);
      c.elapsed_done = e.elapsed.value_or(working_time{});
      c.remaining_done = e.remaining.value_or(working_time{});
      state(false);
      close_pause(c, e.at);
      break;
    default:
      break;
  }
}

}  // namespace

clock_set read_clocks(std::span<const event> events, const sla_policy& policy, const calendar& cal, instant until) {
  clock_set s;
  std::map<std::string, std::size_t, std::less<>> index;  // case id -> s.cases
  for (const event& e : events) {
    if (e.kind == event_kind::rejected || e.at >= until) continue;
    s.data_until = std::max(s.data_until, e.at);
    if (!e.unit.empty()) s.units_named = true;
    if (e.kind == event_kind::out_of_scope) {
      s.out_of_scope.push_back(e.at);
      continue;
    }
    if (e.kind == event_kind::case_opened) {
      const variant_policy* v = policy.find_variant(e.detail);
      if ((!e.policy.empty() && e.policy != policy.id) || v == nullptr || index.count(e.case_id) != 0) continue;
      index.emplace(e.case_id, s.cases.size());
      s.cases.push_back({e.case_id, v, e.district, e.at, std::nullopt, std::nullopt, {}});
      add_clocks(s, s.cases.size() - 1, policy, cal);
      continue;
    }
    const auto it = index.find(e.case_id);
    if (it == index.end()) continue;
    case_record& k = s.cases[it->second];
    if (e.kind == event_kind::case_cancelled) {
      if (!k.cancelled) k.cancelled = e.at;
      for (const std::size_t i : k.clocks) close_pause(s.clocks[i], e.at);
      continue;
    }
    if (e.kind == event_kind::case_completed && !k.completed) k.completed = e.at;
    if (e.step.empty()) continue;
    for (const std::size_t i : k.clocks) {
      if (s.clocks[i].step == e.step) {
        apply(s.clocks[i], e);
        break;
      }
    }
  }
  // The overall clock shows the customer's pauses of its steps (its own pauses mirror them, or
  // fall between steps).
  for (const case_record& k : s.cases) {
    clock_record& overall = s.clocks[k.clocks.back()];
    for (std::size_t j = 0; j + 1 < k.clocks.size(); ++j) {
      const auto& p = s.clocks[k.clocks[j]].pauses;
      overall.pauses.insert(overall.pauses.end(), p.begin(), p.end());
    }
    std::stable_sort(overall.pauses.begin(), overall.pauses.end(),
                     [](const clock_pause& a, const clock_pause& b) { return a.from < b.from; });
  }
  return s;
}

clock_status status_at(const clock_record& c, const case_record& k, instant t, const calendar& cal) {
  clock_status st;
  if (!c.started || *c.started >= t) return st;
  st.started = true;
  const double day = static_cast<double>(c.per_day.count());
  if (c.completed && *c.completed < t) {
    st.late = !c.on_time;
    if (st.late) st.late_wd = static_cast<double>(-c.remaining_done.count()) / day;
    return st;
  }
  if (k.cancelled && *k.cancelled < t) return st;
  st.open = true;
  const clock_state* last = nullptr;
  for (const clock_state& h : c.history)
    if (h.at < t) last = &h;
  if (last == nullptr) return st;
  std::optional<instant> due;
  for (const clock_state& h : c.history)
    if (h.at < t && h.due) due = h.due;
  if (last->paused) {
    const working_time left = last->remaining.value_or(working_time{});
    st.late = left < working_time{};
    if (st.late) st.late_wd = static_cast<double>(-left.count()) / day;
  } else if (due && *due < t) {
    st.late = true;
    st.late_wd = static_cast<double>(cal.working_time_between(*due, t, c.basis).count()) / day;
  }
  return st;
}

working_time paused_in(const clock_pause& pause, time_basis basis, period p, const calendar& cal) {
  const instant from = std::max(pause.from, p.from);
  const instant to = std::min(pause.to.value_or(p.to), p.to);
  return to > from ? cal.working_time_between(from, to, basis) : working_time{};
}

working_time paused_in(const clock_record& c, period p, const calendar& cal) {
  working_time sum{};
  for (const clock_pause& pause : c.pauses) sum += paused_in(pause, c.basis, p, cal);
  return sum;
}

void count_clock(report_figures& f, const clock_record& c, const case_record& k, period p, const calendar& cal,
                 double early_margin) {
  if (c.started && p.holds(*c.started)) ++f.received;
  if (c.completed && p.holds(*c.completed)) {
    ++f.completed;
    const double day = static_cast<double>(c.per_day.count());
    if (c.on_time) {
      ++f.on_time;
      if (static_cast<double>(c.remaining_done.count()) >= early_margin * day) ++f.early;
    } else {
      ++f.late_completed;
    }
    const double used = static_cast<double>(c.elapsed_done.count()) / day;
    f.used_wd.insert(std::upper_bound(f.used_wd.begin(), f.used_wd.end(), used), used);
  }
  const clock_status st = status_at(c, k, p.to, cal);
  if (st.open) {
    ++f.open;
    if (st.late) ++f.late_open;
  }
  for (const report_alert& a : c.alerts) {
    if (!p.holds(a.at)) continue;
    if (a.kind == event_kind::warning) ++f.warnings;
    if (a.kind == event_kind::overdue) ++f.overdue;
    if (a.kind == event_kind::escalation) ++f.escalations;
  }
  for (const clock_pause& pause : c.pauses)
    if (p.holds(pause.from)) ++f.pauses;
  f.paused += paused_in(c, p, cal);
}

bool handover_in(const clock_set& s, const case_record& k, period p, const calendar& cal) {
  const clock_record& overall = s.clocks[k.clocks.back()];
  const bool late_completed = overall.completed && p.holds(*overall.completed) && !overall.on_time;
  const clock_status st = status_at(overall, k, p.to, cal);
  if (!late_completed && !(st.open && st.late)) return false;
  for (std::size_t j = 0; j + 1 < k.clocks.size(); ++j)
    if (status_at(s.clocks[k.clocks[j]], k, p.to, cal).late) return false;
  return true;
}

}  // namespace dueday::detail
