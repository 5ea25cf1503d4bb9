// Helpers shared by the engine's test files: an engine on the built-in calendar and policies
// that keeps its events, and ways to pick events out of them.
#pragma once

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <dueday/engine.hpp>
#include <dueday/io.hpp>

#include <string>
#include <vector>

#include "support.hpp"

namespace dueday::test::engine_rig {

using dueday::test::at;
using dueday::test::cal;

inline constexpr const char* policy = "kunming-water-490";
inline const std::string none;

// An engine on the built-in calendar and policies, keeping its events.
struct rig {
  vector_sink out;
  engine e{cal(), builtin_policies(), out};

  // The events since the last call.
  std::vector<event> take() {
    auto v = std::move(out.events);
    out.events.clear();
    return v;
  }
  void ok(const outcome& o) { REQUIRE_MESSAGE(o.accepted(), o.reason); }
};

inline std::vector<event> only(const std::vector<event>& all, event_kind k, const std::string& step = none) {
  std::vector<event> v;
  for (const auto& e : all)
    if (e.kind == k && (step.empty() || e.step == step)) v.push_back(e);
  return v;
}

// The one event of that kind (and step), by value: two calls never alias.
inline event one(const std::vector<event>& all, event_kind k, const std::string& step = none) {
  const auto v = only(all, k, step);
  REQUIRE_MESSAGE(v.size() == 1, to_string(k), " ", step, ": ", v.size(), " events");
  return v.front();
}

inline std::string iso(instant t) { return format_instant(t); }

inline constexpr working_time wd{86400};  // a civil working day of working time

// The external flow up to the three approvals started on 10-12 (a Monday) at 09:00.
inline void external_until_approvals(rig& r, const char* id) {
  r.ok(r.e.open(id, at("2026-09-28T09:00"), policy, "external"));
  r.ok(r.e.start(id, "survey", at("2026-09-28T10:00")));
  r.ok(r.e.complete(id, "survey", at("2026-09-29T16:00")));
  for (const char* s : {"approval-planning", "approval-city-management", "approval-traffic-police"})
    r.ok(r.e.start(id, s, at("2026-10-12T09:00")));
}

// The built-in calendar with a local notice (a hypothetical overlay, as a city may issue) that
// makes one day of 2026 a day off.
inline calendar with_day_off(const char* day) {
  return cal().with_overlay(parse_notice(fmt::format(R"(year = 2026
notice = "test overlay"
title = "a day off on {0}"
published = 2026-10-01
region = "test"

[[holiday]]
name = "test day"
off = [{0}]
)",
                                                     day),
                                         "overlay.toml"));
}

}  // namespace dueday::test::engine_rig
