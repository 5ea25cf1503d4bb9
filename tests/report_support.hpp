// Helpers for the report's tests: a policy with titles and parties, and events written by hand
// (each test works out what the report must say from them).
#pragma once

#include <doctest/doctest.h>
#include <dueday/event.hpp>
#include <dueday/io.hpp>
#include <dueday/policy.hpp>
#include <dueday/report.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "report/numbers.hpp"
#include "support.hpp"

namespace dueday::test::report_rig {

using dueday::test::at;
using dueday::test::cal;
// How every form prints rates, percentage points and working days.
using dueday::detail::pp_text;
using dueday::detail::rate_text;
using dueday::detail::wd_text;

inline constexpr std::int64_t D = 86400;  // a civil working day of working time, in seconds

// The bundled Kunming policy with display titles and party titles set here, so that the expected
// texts do not depend on the shipped file's titles.
inline const policy_set& policies() {
  static const policy_set set = [] {
    sla_policy p = *builtin_policies().find("kunming-water-490");
    p.parties = {{"utility", "供水企业", 0},
                 {"natural-resources-planning", "自然资源规划部门", 0},
                 {"city-management", "城市管理部门", 0},
                 {"traffic-police", "交警部门", 0}};
    for (variant_policy& v : p.variants) {
      for (step_policy& s : v.steps) {
        if (s.name == "survey") s.title = "报装勘查";
        if (s.name == "connect") s.title = "装表接水";
        if (s.name == "approval-planning") s.title = "规划审批";
        if (s.name == "approval-city-management") s.title = "城管审批";
        if (s.name == "approval-traffic-police") s.title = "交警审批";
      }
    }
    return policy_set({p});
  }();
  return set;
}

// Events in the order given (the tests give them in time order).
struct event_log {
  std::vector<event> events;

  void open(const char* id, const char* t, const char* variant, const char* district = "") {
    event e;
    e.kind = event_kind::case_opened;
    e.case_id = id;
    e.at = at(t);
    e.detail = variant;
    e.district = district;
    e.policy = "kunming-water-490";
    events.push_back(e);
  }
  event& clock(event_kind k, const char* id, const char* step, const char* t, const char* due, std::int64_t elapsed,
               std::int64_t remaining, const char* unit) {
    event e;
    e.kind = k;
    e.case_id = id;
    e.step = step;
    e.at = at(t);
    e.due = at(due);
    e.elapsed = working_time{elapsed};
    e.remaining = working_time{remaining};
    e.unit = unit;
    events.push_back(e);
    return events.back();
  }
  void start(const char* id, const char* step, const char* t, const char* due, std::int64_t remaining,
             const char* unit) {
    clock(event_kind::step_started, id, step, t, due, 0, remaining, unit);
  }
  // step_completed, or case_completed for "overall"; on time when remaining >= 0.
  void done(const char* id, const char* step, const char* t, const char* due, std::int64_t elapsed,
            std::int64_t remaining, const char* unit) {
    const bool overall = std::string(step) == "overall";
    clock(overall ? event_kind::case_completed : event_kind::step_completed, id, step, t, due, elapsed, remaining, unit)
        .on_time = remaining >= 0;
  }
  void alert(event_kind k, const char* level, const char* id, const char* step, const char* t, const char* due,
             const char* unit) {
    clock(k, id, step, t, due, 0, 0, unit).level = level;
  }
  void pause(const char* id, const char* step, const char* t, const char* due, std::int64_t elapsed,
             std::int64_t remaining, const char* unit, const char* reason) {
    clock(event_kind::step_paused, id, step, t, due, elapsed, remaining, unit).detail = reason;
  }
  void resume(const char* id, const char* step, const char* t, const char* due, std::int64_t elapsed,
              std::int64_t remaining, const char* unit) {
    clock(event_kind::step_resumed, id, step, t, due, elapsed, remaining, unit);
  }
};

inline monthly_report report(const event_log& l, int year, unsigned month) {
  report_options o;
  o.month = std::chrono::year{year} / std::chrono::month{month};
  o.generated_at = at("2026-11-02T09:00");
  return make_report(l.events, cal(), policies(), o);
}

inline const report_unit_row& unit(const monthly_report& r, const std::string& name) {
  for (const auto& u : r.units)
    if (u.unit == name) return u;
  FAIL("no unit ", name);
  return r.units.front();
}

inline const report_step_row& step(const monthly_report& r, const std::string& variant, const std::string& name) {
  for (const auto& s : r.steps)
    if (s.variant == variant && s.step == name) return s;
  FAIL("no step ", variant, " ", name);
  return r.steps.front();
}

inline const char* const u1 = "一供水公司";
inline const char* const planning = "五华区自然资源和规划局";
inline const char* const city = "五华区城市管理局";
inline const char* const police = "市公安局交警支队";

// Three external cases whose approvals start 10-12 09:00 (3 WD: 13, 14, 15: due 10-16 00:00), and a
// unit seen in September only.
inline event_log units_month() {
  event_log l;
  l.open("C0", "2026-09-14T09:00", "no-external");
  l.start("C0", "survey", "2026-09-14T10:00", "2026-09-17T00:00", 2 * D, "旧供水公司");
  l.done("C0", "survey", "2026-09-15T10:00", "2026-09-17T00:00", 36000, 2 * D - 36000, "旧供水公司");
  for (const char* id : {"E1", "E2", "E3"}) {
    l.open(id, "2026-10-09T09:00", "external", "五华区");
    // survey from 10-09 10:00: 4 WD = 10 (make-up Saturday), 12, 13, 14: due 10-15 00:00; done in 1 D.
    l.start(id, "survey", "2026-10-09T10:00", "2026-10-15T00:00", 4 * D, u1);
    l.start(id, "overall", "2026-10-09T10:00", "2026-10-22T00:00", 9 * D, u1);
    l.done(id, "survey", "2026-10-10T12:00", "2026-10-15T00:00", 43200, 4 * D - 43200, u1);
    // The overall clock waits (paused) for the connection, 8.5 WD left: never late this month.
    l.pause(id, "overall", "2026-10-10T12:00", "2026-10-22T00:00", 43200, 9 * D - 43200, u1, "survey completed");
  }
  for (const char* id : {"E1", "E2", "E3"})
    l.start(id, "approval-planning", "2026-10-12T09:00", "2026-10-16T00:00", 3 * D, planning);
  l.start("E1", "approval-city-management", "2026-10-12T09:00", "2026-10-16T00:00", 3 * D, city);
  l.start("E1", "approval-traffic-police", "2026-10-29T09:00", "2026-11-03T00:00", 3 * D, police);
  // Planning: E1 in 1 WD (2 to spare), E2 in 2.5 WD (0.5 to spare), E3 1 WD late (10-16 all day).
  l.done("E1", "approval-planning", "2026-10-14T00:00", "2026-10-16T00:00", D, 2 * D, planning);
  l.done("E2", "approval-planning", "2026-10-15T12:00", "2026-10-16T00:00", 5 * D / 2, D / 2, planning);
  l.done("E3", "approval-planning", "2026-10-17T00:00", "2026-10-16T00:00", 4 * D, -D, planning);
  l.done("E1", "approval-city-management", "2026-10-13T12:00", "2026-10-16T00:00", D / 2, 5 * D / 2, city);
  return l;
}

}  // namespace dueday::test::report_rig
