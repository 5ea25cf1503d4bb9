// The status figures of a durable store (status.hpp): what `dueday status` and `dueday serve` show.
//
// A durable_engine (the latest checkpoint plus the journal after it) is judged at one instant, which
// the caller gives (the CLI's --at or its clock; the service's clock). The store holds the state
// after its last command only, so the clocks are shown as of the later of that instant and the
// engine's time; the calendar's coverage is judged at the instant itself.
//
// Urgency: each open case is ordered by one clock, its most urgent: the running clock with the
// least remaining working time (then the earlier due instant, then policy order), else the paused
// one likewise, else none. Cases come overdue first (that clock's remaining time below zero), then
// with a running clock, then with a paused one, then with none; within each by remaining working
// days ascending, due instant, case id. A clock's level is the last alert level, in policy order,
// it raised or has reached by the instant (an alert due between the store's time and --at is not
// raised until a tick, but it counts). At risk: a running or paused clock has a level.
#include "status.hpp"

#include <fmt/format.h>
#include <dueday/dueday.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string_view>

namespace dueday::monitor {

namespace {

// The engine time a checkpoint holds: its `now`, from the first bytes of its snapshot (snapshot.hpp:
// {"format":...,"version":3,"now":"YYYY-MM-DDTHH:MM:SS+08:00",...), the rest left unread.
std::optional<dueday::instant> checkpoint_time(dueday::storage& s) {
  struct enough {};
  std::string head;
  constexpr std::string_view mark = "\"now\":\"";
  constexpr std::size_t stamp = 25;  // YYYY-MM-DDTHH:MM:SS+08:00
  try {
    (void)s.read_checkpoint([&](std::string_view part) {
      head.append(part.substr(0, 512 - head.size()));  // head.size() < 512 here
      if (head.size() == 512) throw enough{};
    });
  } catch (const enough&) {
  }
  const auto p = head.find(mark);
  if (p == std::string::npos || head.size() < p + mark.size() + stamp) return std::nullopt;
  try {
    return dueday::parse_instant(std::string_view(head).substr(p + mark.size(), stamp));
  } catch (const dueday::error&) {
    return std::nullopt;
  }
}

// The working time at which each alert level of `p` is reached on a clock (as the engine compiles it).
std::vector<working_time> thresholds(const dueday::sla_policy& p, const dueday::clock_rule& r,
                                     const dueday::office_hours& h) {
  std::vector<working_time> out;
  for (const auto& a : p.alerts) {
    working_time t{0};
    switch (a.from) {
      case dueday::alert_rule::anchor::elapsed_share:
        t = working_time{std::llround(static_cast<double>(r.budget.count()) * a.share)};
        break;
      case dueday::alert_rule::anchor::remaining:
        t = r.budget - dueday::clock_rule::span(a.amount, r.rule, h);
        break;
      case dueday::alert_rule::anchor::after_due:
        t = r.budget + dueday::clock_rule::span(a.amount, r.rule, h);
        break;
    }
    out.push_back(std::max(t, working_time{0}));
  }
  return out;
}

double rounded(double x) { return std::round(x * 10000) / 10000; }

case_line line_of(dueday::case_view v, const dueday::case_record* rec, const dueday::calendar& cal,
                  const dueday::policy_set& policies) {
  using status = dueday::step_timer::status;
  case_line c;
  const auto id = v.policy.substr(0, v.policy.find('@'));
  const dueday::sla_policy* policy = policies.find(id);
  const dueday::variant_policy* variant = policy ? policy->find_variant(v.variant) : nullptr;
  for (std::size_t k = 0; k < v.clocks.size(); ++k) {
    clock_line l;
    l.view = v.clocks[k];
    const auto& cv = l.view;
    const auto span = dueday::parse_span(cv.limit);
    const auto rule = dueday::clock_rule::of(span.value_or(dueday::span_spec{}), cv.rule, cal.hours());
    const auto day =
        dueday::clock_rule::span(dueday::span_spec{1, dueday::span_spec::unit::working_days}, cv.rule, cal.hours());
    l.elapsed_wd = rounded(static_cast<double>(cv.elapsed.count()) / static_cast<double>(day.count()));
    l.remaining_wd = rounded(static_cast<double>(cv.remaining.count()) / static_cast<double>(day.count()));
    if (policy) {
      const auto levels = thresholds(*policy, rule, cal.hours());
      const bool live = cv.state == status::running || cv.state == status::paused;
      for (std::size_t i = 0; i < levels.size(); ++i) {
        const auto& name = policy->alerts[i].level;
        if (std::find(cv.fired.begin(), cv.fired.end(), name) != cv.fired.end() || (live && cv.elapsed >= levels[i]))
          l.level = name;
      }
      c.at_risk = c.at_risk || (live && l.level);
    }
    if (rec && variant && k < variant->steps.size()) {
      for (const auto& t : rec->transitions) {
        if (t.step != k) continue;
        if (t.pause) {
          l.pauses.emplace_back(t.at, std::nullopt);
        } else if (!l.pauses.empty() && !l.pauses.back().second) {
          l.pauses.back().second = t.at;
        }
      }
    }
    c.clocks.push_back(std::move(l));
  }
  // The most urgent clock: running first, then paused; least remaining, earlier due, policy order.
  for (const status s : {status::running, status::paused}) {
    for (std::size_t k = 0; k < c.clocks.size(); ++k) {
      const auto& l = c.clocks[k];
      if (l.view.state != s) continue;
      if (!c.urgent) {
        c.urgent = k;
        continue;
      }
      const auto& u = c.clocks[*c.urgent];
      if (std::pair(l.remaining_wd, l.view.due) < std::pair(u.remaining_wd, u.view.due)) c.urgent = k;
    }
    if (c.urgent) break;
  }
  c.view = std::move(v);
  return c;
}

// The sort group of a case (see the top of this file).
int group(const case_line& c) {
  if (!c.urgent) return 3;
  const auto& u = c.clocks[*c.urgent];
  if (u.view.remaining.count() < 0) return 0;
  return u.view.state == dueday::step_timer::status::running ? 1 : 2;
}

std::optional<std::string> coverage_warning(const dueday::calendar& cal, instant at) {
  const dueday::civil_day day = cal.day_of(at);
  const dueday::civil_day last = cal.last_covered();
  if (day > last) {
    return fmt::format("{} is past the holiday data (it ends {}): deadlines after it are provisional", day, last);
  }
  const auto year = day.ymd().year();
  if (day >= dueday::civil_day{year / std::chrono::November / 1} && last.ymd().year() <= year) {
    return fmt::format("the holiday notice for {} is not loaded (the data ends {}): deadlines past it are provisional",
                       static_cast<int>(year) + 1, last);
  }
  return std::nullopt;
}

}  // namespace

report gather(dueday::durable_engine& d, const dueday::calendar& cal, const dueday::policy_set& policies,
              const query& q) {
  const dueday::engine& e = d.engine();
  dueday::storage& s = d.storage();
  report r;
  r.store = s.name();
  r.at = q.at;
  r.store_time = e.now();
  r.as_of = std::max(q.at, r.store_time);
  if (cal.day_of(r.as_of) > cal.projection_end()) {
    throw dueday::error(fmt::format("{} {} is past the calendar's projection (it ends {})", q.at_name,
                                    dueday::format_instant(r.as_of, cal.offset()), cal.projection_end()));
  }
  r.position = d.position();
  if (auto last = s.last_identified()) r.last_id.emplace(last->position, std::move(last->id));
  r.last_sequence = s.last_sequence();
  for (auto& [name, acked] : s.consumers())
    r.consumers.push_back({std::move(name), acked, r.last_sequence > acked ? r.last_sequence - acked : 0});
  r.checkpoint = s.checkpoint_position();
  if (r.checkpoint) r.checkpoint_time = checkpoint_time(s);
  r.last_covered = dueday::format_civil_day(cal.last_covered());
  r.projection_end = dueday::format_civil_day(cal.projection_end());
  r.coverage_warning = coverage_warning(cal, q.at);
  r.cases_held = e.cases();
  r.cases_open = e.open_cases();
  r.at_risk_only = q.at_risk_only;
  r.one_case = !q.case_id.empty();

  // Case by case, never a copy of the whole state (the service answers this per request).
  if (r.one_case) {
    auto v = e.inspect(q.case_id, r.as_of);
    if (!v) return r;
    const auto rec = e.record(q.case_id);
    r.cases.push_back(line_of(std::move(*v), rec ? &*rec : nullptr, cal, policies));
  } else {
    e.state([](const dueday::engine_state&) {},
            [&](const dueday::case_record& rec, std::size_t) {
              if (rec.status != dueday::case_status::open) return;
              auto line = line_of(*e.inspect(rec.id, r.as_of), &rec, cal, policies);
              if (line.at_risk) ++r.at_risk;
              if (!q.at_risk_only || line.at_risk) r.cases.push_back(std::move(line));
            });
    std::sort(r.cases.begin(), r.cases.end(), [](const case_line& x, const case_line& y) {
      const int gx = group(x), gy = group(y);
      if (gx != gy) return gx < gy;
      if (x.urgent && y.urgent) {
        const auto& u = x.clocks[*x.urgent];
        const auto& w = y.clocks[*y.urgent];
        if (u.remaining_wd != w.remaining_wd) return u.remaining_wd < w.remaining_wd;
        if (u.view.due != w.view.due) return u.view.due < w.view.due;
      }
      return x.view.id < y.view.id;
    });
    if (r.cases.size() > q.limit) r.cases.resize(q.limit);
  }
  return r;
}

}  // namespace dueday::monitor
