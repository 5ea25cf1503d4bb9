#include <doctest/doctest.h>
#include <fmt/format.h>
#include <dueday/engine.hpp>  // first: proves the header stands alone

#include <dueday/io.hpp>
#include <dueday/jsonl.hpp>

#include <algorithm>
#include <map>
#include <sstream>

#include "engine_support.hpp"

using namespace dueday;
using dueday::test::at;
using dueday::test::cal;

using namespace dueday::test::engine_rig;

TEST_CASE("engine: a survey confirmed on the eve of National Day falls due at 24:00 of 10-09") {
  rig r;
  r.ok(r.e.open("W-001", at("2026-09-28T10:00"), policy, "no-external"));
  r.ok(r.e.start("W-001", "survey", at("2026-09-30T10:00")));
  auto ev = r.take();
  // Start day not counted; 10-01..10-07 National Day; 10-08 and 10-09 counted.
  CHECK(iso(*one(ev, event_kind::step_started, "survey").due) == "2026-10-10T00:00:00+08:00");
  // Overall 4 WD: 10-08, 10-09, the make-up Saturday 10-10, and Monday 10-12.
  CHECK(iso(*one(ev, event_kind::step_started, "overall").due) == "2026-10-13T00:00:00+08:00");
  CHECK(r.e.next_due() == at("2026-10-09T00:00"));

  r.ok(r.e.advance_to(at("2026-10-12T09:00")));
  ev = r.take();
  const auto yellow = one(ev, event_kind::warning, "survey");
  CHECK(yellow.level == "yellow");
  CHECK(iso(yellow.at) == "2026-10-09T00:00:00+08:00");  // one working day of time left
  CHECK(*yellow.remaining == wd);
  const auto red = one(ev, event_kind::overdue, "survey");
  CHECK(iso(red.at) == "2026-10-10T00:00:00+08:00");
  CHECK(red.level == "red");
  CHECK(*red.remaining == working_time{0});
  // The make-up Saturday is a working day: escalation one working day after the due instant.
  const auto esc = one(ev, event_kind::escalation, "survey");
  CHECK(iso(esc.at) == "2026-10-11T00:00:00+08:00");
  CHECK(*esc.remaining == -wd);
  CHECK(iso(one(ev, event_kind::warning, "overall").at) == "2026-10-11T00:00:00+08:00");
}

TEST_CASE("engine: a step completed at its due instant is on time and raises no overdue") {
  rig r;
  r.ok(r.e.open("W-1", at("2026-09-28T10:00"), policy, "no-external"));
  r.ok(r.e.start("W-1", "survey", at("2026-09-30T10:00")));
  r.ok(r.e.complete("W-1", "survey", at("2026-10-10T00:00")));
  const auto ev = r.take();
  CHECK(only(ev, event_kind::overdue).empty());
  CHECK(*one(ev, event_kind::step_completed, "survey").on_time);
  CHECK(only(ev, event_kind::warning, "survey").size() == 1);
}

TEST_CASE("engine: a pause for the customer excludes exactly the working time until the resume") {
  rig r;
  r.ok(r.e.open("W-1", at("2026-09-28T10:00"), policy, "no-external"));
  r.ok(r.e.start("W-1", "survey", at("2026-09-30T10:00")));
  r.ok(r.e.pause("W-1", "survey", at("2026-10-08T15:00"), "customer not on site"));
  auto ev = r.take();
  const auto paused = one(ev, event_kind::step_paused, "survey");
  CHECK(paused.detail == "customer not on site");
  CHECK(*paused.elapsed == std::chrono::hours{15});
  CHECK(one(ev, event_kind::step_paused, "overall").elapsed == std::chrono::hours{15});
  CHECK(r.e.next_due() == std::nullopt);  // nothing runs, nothing can fall due

  // While paused, no alert fires however long the pause.
  r.ok(r.e.advance_to(at("2026-10-09T09:00")));
  CHECK(r.take().empty());

  r.ok(r.e.resume("W-1", "survey", at("2026-10-09T09:00")));
  ev = r.take();
  const instant pause = at("2026-10-08T15:00"), resume = at("2026-10-09T09:00");
  const working_time excluded = cal().working_time_between(pause, resume, time_basis::whole_day);
  CHECK(excluded == std::chrono::hours{18});
  const instant due = *one(ev, event_kind::step_resumed, "survey").due;
  CHECK(due == cal().add_working_time(at("2026-10-10T00:00"), excluded, time_basis::whole_day));
  CHECK(iso(due) == "2026-10-10T18:00:00+08:00");  // the make-up Saturday
  CHECK(iso(*one(ev, event_kind::step_resumed, "overall").due) == "2026-10-13T18:00:00+08:00");

  r.ok(r.e.complete("W-1", "survey", at("2026-10-10T17:00")));
  CHECK(*one(r.take(), event_kind::step_completed, "survey").on_time);
}

TEST_CASE("engine: a pause on the start day under the civil rule excludes nothing more") {
  rig r;
  r.ok(r.e.open("W-1", at("2026-10-12T09:00"), policy, "no-external"));
  r.ok(r.e.start("W-1", "survey", at("2026-10-12T10:00")));
  r.ok(r.e.pause("W-1", "survey", at("2026-10-12T11:00")));
  r.ok(r.e.resume("W-1", "survey", at("2026-10-12T16:00")));
  // Counting begins at 24:00 of the start day either way: due 24:00 of 10-14.
  CHECK(iso(*one(r.take(), event_kind::step_resumed, "survey").due) == "2026-10-15T00:00:00+08:00");
}

TEST_CASE("engine: one department late while the others are on time") {
  rig r;
  external_until_approvals(r, "W-7");
  auto ev = r.take();
  for (const char* s : {"approval-planning", "approval-city-management", "approval-traffic-police"})
    CHECK(iso(*one(ev, event_kind::step_started, s).due) == "2026-10-16T00:00:00+08:00");  // 3 WD: 13, 14, 15
  r.ok(r.e.complete("W-7", "approval-planning", at("2026-10-13T11:00")));
  r.ok(r.e.complete("W-7", "approval-city-management", at("2026-10-15T18:00")));
  r.ok(r.e.complete("W-7", "approval-traffic-police", at("2026-10-19T10:00")));
  ev = r.take();
  CHECK(*one(ev, event_kind::step_completed, "approval-planning").on_time);
  CHECK(*one(ev, event_kind::step_completed, "approval-city-management").on_time);
  CHECK_FALSE(*one(ev, event_kind::step_completed, "approval-traffic-police").on_time);
  const auto overdue = only(ev, event_kind::overdue);
  REQUIRE(overdue.size() == 1);
  CHECK(overdue[0].step == "approval-traffic-police");
  CHECK(iso(overdue[0].at) == "2026-10-16T00:00:00+08:00");
  // Yellow for the two still open at 10-15T00:00 (planning had completed), in policy order.
  const auto yellow = only(ev, event_kind::warning);
  REQUIRE(yellow.size() == 2);
  CHECK(yellow[0].step == "approval-city-management");
  CHECK(yellow[1].step == "approval-traffic-police");
  // The departments' lateness is not the utility's: the overall clock stayed paused.
  CHECK(only(ev, event_kind::warning, "overall").empty());
}

TEST_CASE("engine: connection waits for the last permit and starts when it arrives") {
  rig r;
  external_until_approvals(r, "W-8");
  r.ok(r.e.complete("W-8", "approval-planning", at("2026-10-13T11:00")));
  r.ok(r.e.complete("W-8", "approval-city-management", at("2026-10-13T12:00")));
  r.ok(r.e.start("W-8", "connect", at("2026-10-13T15:00")));  // entry date agreed first
  auto ev = r.take();
  const auto waiting = one(ev, event_kind::step_waiting, "connect");
  CHECK(waiting.detail == "approval-traffic-police");
  CHECK(only(ev, event_kind::step_started, "connect").empty());
  auto view = r.e.inspect("W-8", at("2026-10-13T15:00"));
  REQUIRE(view);
  CHECK(view->clocks[4].waiting);
  CHECK(view->clocks[4].state == step_timer::status::idle);

  r.ok(r.e.complete("W-8", "approval-traffic-police", at("2026-10-14T16:30")));
  ev = r.take();
  const auto started = one(ev, event_kind::step_started, "connect");
  CHECK(iso(started.at) == "2026-10-14T16:30:00+08:00");
  CHECK(iso(*started.due) == "2026-10-22T00:00:00+08:00");  // 5 WD: 15, 16, 19, 20, 21
  const auto resumed = one(ev, event_kind::step_resumed, "overall");
  CHECK(iso(resumed.at) == "2026-10-14T16:30:00+08:00");

  SUBCASE("the permits in first, the entry date later: connect runs from its own start") {
    rig q;
    external_until_approvals(q, "W-9");
    for (const char* s : {"approval-planning", "approval-city-management", "approval-traffic-police"})
      q.ok(q.e.complete("W-9", s, at("2026-10-13T11:00")));
    CHECK(only(q.take(), event_kind::step_started, "connect").empty());
    q.ok(q.e.start("W-9", "connect", at("2026-10-16T09:00")));
    CHECK(iso(*one(q.take(), event_kind::step_started, "connect").due) == "2026-10-24T00:00:00+08:00");
  }
}

TEST_CASE("engine: the case's verdict is the overall clock's, not each step's") {
  rig r;
  r.ok(r.e.open("W-2", at("2026-10-12T08:00"), policy, "no-external"));
  r.ok(r.e.start("W-2", "survey", at("2026-10-12T09:00")));
  r.ok(r.e.complete("W-2", "survey", at("2026-10-13T09:00")));  // 9 h of 2 WD
  r.ok(r.e.start("W-2", "connect", at("2026-10-13T10:00")));
  r.ok(r.e.complete("W-2", "connect", at("2026-10-16T09:00")));  // 2 WD + 9 h: late
  const auto ev = r.take();
  CHECK(*one(ev, event_kind::step_completed, "survey").on_time);
  CHECK_FALSE(*one(ev, event_kind::step_completed, "connect").on_time);
  const auto done = one(ev, event_kind::case_completed);
  CHECK(*done.elapsed == wd * 2 + std::chrono::hours{18});  // 9 h + 2 WD 9 h, within 4 WD
  CHECK(*done.on_time);
  CHECK(r.e.open_cases() == 0);
  CHECK(r.e.next_due() == std::nullopt);
}

TEST_CASE("engine: works choose the variant; crossings and larger works are out of scope") {
  rig r;
  r.ok(r.e.open("A", at("2026-10-12T09:00"), policy, works{25, 0, {}}));
  r.ok(r.e.open("B", at("2026-10-12T09:00"), policy, works{40, 120, {}}));
  r.ok(r.e.open("C", at("2026-10-12T09:00"), policy, works{40, 200, {}}));
  r.ok(r.e.open("D", at("2026-10-12T09:00"), policy, works{50, 120, {}}));
  r.ok(r.e.open("E", at("2026-10-12T09:00"), policy, works{40, 201, {}}));
  r.ok(r.e.open("F", at("2026-10-12T09:00"), policy, works{40, 80, {"river"}}));
  r.ok(r.e.open("G", at("2026-10-12T09:00"), policy, works{25, 0, {"expressway"}}));
  const auto ev = r.take();
  std::map<std::string, std::string> got;
  for (const auto& e : ev) got[e.case_id] = std::string(to_string(e.kind)) + " " + e.detail;
  CHECK(got["A"] == "case_opened no-external");
  CHECK(got["B"] == "case_opened external");
  CHECK(got["C"] == "case_opened external");
  CHECK(got["D"] == "out_of_scope meter DN50 with 120 m of pipe matches no scope rule");
  CHECK(got["E"] == "out_of_scope meter DN40 with 201 m of pipe matches no scope rule");
  CHECK(got["F"] == "out_of_scope works cross river");
  CHECK(got["G"] == "out_of_scope works cross expressway");
  CHECK(r.e.open_cases() == 3);
  const auto o = r.e.start("F", "survey", at("2026-10-12T10:00"));
  CHECK(o.rejected());
  CHECK(o.reason == "case 'F' is out_of_scope since 2026-10-12T09:00:00+08:00");
}

TEST_CASE("engine: a repeated identical command changes nothing") {
  rig r;
  r.ok(r.e.open("W-1", at("2026-10-12T09:00"), policy, "no-external"));
  r.ok(r.e.start("W-1", "survey", at("2026-10-12T10:00")));
  r.ok(r.e.pause("W-1", "survey", at("2026-10-13T10:00")));
  r.ok(r.e.resume("W-1", "survey", at("2026-10-13T15:00")));
  const auto before = r.take();
  const engine_state snapshot = r.e.state();
  using s = outcome::status;
  CHECK(r.e.open("W-1", at("2026-10-12T09:00"), policy, "no-external").result == s::duplicate);
  CHECK(r.e.start("W-1", "survey", at("2026-10-12T10:00")).result == s::duplicate);
  CHECK(r.e.resume("W-1", "survey", at("2026-10-13T15:00")).result == s::duplicate);
  CHECK(r.take().empty());
  CHECK(r.e.state() == snapshot);
  r.ok(r.e.pause("W-1", "survey", at("2026-10-13T16:00")));
  CHECK(r.e.pause("W-1", "survey", at("2026-10-13T16:00")).result == s::duplicate);
  r.ok(r.e.resume("W-1", "survey", at("2026-10-13T17:00")));
  r.ok(r.e.complete("W-1", "survey", at("2026-10-14T10:00")));
  CHECK(r.e.complete("W-1", "survey", at("2026-10-14T10:00")).result == s::duplicate);
  r.ok(r.e.cancel("W-1", at("2026-10-14T11:00"), "customer withdrew"));
  CHECK(r.e.cancel("W-1", at("2026-10-14T11:00")).result == s::duplicate);
  const auto ev = r.take();
  CHECK(only(ev, event_kind::step_completed).size() == 1);
  CHECK(only(ev, event_kind::case_cancelled).size() == 1);
  // The same open with another variant is not a repeat.
  CHECK(r.e.open("W-1", at("2026-10-12T09:00"), policy, "external").rejected());
}

TEST_CASE("engine: out-of-order and senseless commands are rejected and change nothing") {
  rig r;
  r.ok(r.e.open("W-1", at("2026-10-12T09:00"), policy, "no-external"));
  r.ok(r.e.start("W-1", "survey", at("2026-10-12T10:00")));
  r.take();
  const engine_state snapshot = r.e.state();
  auto reason = [&](const outcome& o) {
    CHECK(o.rejected());
    return o.reason;
  };
  CHECK(reason(r.e.start("W-1", "connect", at("2026-10-12T09:30"))) ==
        "at 2026-10-12T09:30:00+08:00 is before the latest instant seen, 2026-10-12T10:00:00+08:00");
  CHECK(reason(r.e.advance_to(at("2026-10-12T09:59"))).starts_with("at 2026-10-12T09:59:00+08:00 is before"));
  CHECK(reason(r.e.complete("W-1", "connect", at("2026-10-12T10:00"))) ==
        "step 'connect' has not started (not started)");
  CHECK(reason(r.e.resume("W-1", "survey", at("2026-10-12T10:00"))) ==
        "step 'survey' is not paused (running since 2026-10-12T10:00:00+08:00)");
  CHECK(reason(r.e.pause("W-9", "survey", at("2026-10-12T10:00"))) == "unknown case 'W-9'");
  CHECK(reason(r.e.pause("W-1", "surveys", at("2026-10-12T10:00"))) ==
        "unknown step 'surveys' (expected survey, connect)");
  CHECK(reason(r.e.open("W-1", at("2026-10-12T10:00"), policy, "no-external")) ==
        "case 'W-1' already exists (opened 2026-10-12T09:00:00+08:00)");
  CHECK(reason(r.e.open("W-2", at("2026-10-12T10:00"), "no-such-policy", "x")) == "unknown policy 'no-such-policy'");
  CHECK(reason(r.e.open("W-2", at("2026-10-12T10:00"), policy, "internal")) ==
        "unknown variant 'internal' of policy 'kunming-water-490' (expected no-external, external)");
  CHECK(reason(r.e.open("W-2", at("2031-01-01T10:00"), policy, "external"))
            .starts_with("2031-01-01T10:00:00+08:00 is past the calendar's projection"));
  CHECK(r.take().empty());
  CHECK(r.e.state() == snapshot);
  // A refused command in time order still moves time to its instant, as replay documents.
  CHECK(reason(r.e.start("W-1", "survey", at("2026-10-12T10:05"))) ==
        "step 'survey' was already started (running since 2026-10-12T10:00:00+08:00)");
  CHECK(r.e.now() == at("2026-10-12T10:05"));
}

TEST_CASE("engine: a late advance_to raises every missed alert once, in (at, opening order, clock, level) order") {
  rig r;
  // Cases opened out of id order, all with the same due instants: opening order breaks the ties.
  for (const char* id : {"W-3", "W-1", "W-2"}) r.ok(r.e.open(id, at("2026-10-12T09:00"), policy, "no-external"));
  for (const char* id : {"W-3", "W-1", "W-2"}) r.ok(r.e.start(id, "survey", at("2026-10-12T10:00")));
  r.take();
  r.ok(r.e.advance_to(at("2026-11-30T00:00")));
  const auto ev = r.take();
  REQUIRE(ev.size() == 18);  // 3 cases x 2 clocks x 3 levels
  std::vector<std::string> got;
  for (const auto& e : ev) got.push_back(fmt::format("{} {} {} {}", iso(e.at), e.case_id, e.step, e.level));
  CHECK(got[0] == "2026-10-14T00:00:00+08:00 W-3 survey yellow");
  CHECK(got[1] == "2026-10-14T00:00:00+08:00 W-1 survey yellow");
  CHECK(got[2] == "2026-10-14T00:00:00+08:00 W-2 survey yellow");
  CHECK(got[3] == "2026-10-15T00:00:00+08:00 W-3 survey red");
  CHECK(got[6] == "2026-10-16T00:00:00+08:00 W-3 survey escalation");
  CHECK(got[7] == "2026-10-16T00:00:00+08:00 W-3 overall yellow");
  CHECK(got[8] == "2026-10-16T00:00:00+08:00 W-1 survey escalation");
  for (std::size_t i = 1; i < ev.size(); ++i) CHECK(ev[i - 1].at <= ev[i].at);
  r.ok(r.e.advance_to(at("2026-12-30T00:00")));
  CHECK(r.take().empty());  // each level once per clock
}

TEST_CASE("engine: cancel stops every clock; nothing falls due afterwards") {
  rig r;
  external_until_approvals(r, "W-5");
  r.ok(r.e.cancel("W-5", at("2026-10-12T10:00"), "customer withdrew"));
  CHECK(one(r.take(), event_kind::case_cancelled).detail == "customer withdrew");
  CHECK(r.e.next_due() == std::nullopt);
  r.ok(r.e.advance_to(at("2026-12-01T00:00")));
  CHECK(r.take().empty());
  CHECK(r.e.complete("W-5", "approval-planning", at("2026-12-01T00:00")).rejected());
}

TEST_CASE("engine: snapshot, restore and continue gives byte-identical events") {
  // The commands of a few cases, replayed in one run and in two runs split at each command.
  std::vector<command> script;
  auto add = [&](command_kind k, const char* id, const char* step, const char* t) {
    command c;
    c.kind = k;
    c.case_id = id;
    c.step = step;
    c.at = at(t);
    if (k == command_kind::open) {
      c.policy = policy;
      c.variant = std::string(id).starts_with("E") ? "external" : "no-external";
    }
    script.push_back(c);
  };
  using k = command_kind;
  add(k::open, "N-1", "", "2026-09-28T09:00");
  add(k::open, "E-1", "", "2026-09-28T09:30");
  add(k::start, "N-1", "survey", "2026-09-29T10:00");
  add(k::start, "E-1", "survey", "2026-09-30T10:00");
  add(k::pause, "N-1", "survey", "2026-09-30T11:00");
  add(k::complete, "E-1", "survey", "2026-10-09T15:00");
  add(k::start, "E-1", "approval-planning", "2026-10-10T09:00");
  add(k::start, "E-1", "approval-traffic-police", "2026-10-10T09:00");
  add(k::resume, "N-1", "survey", "2026-10-12T09:00");
  add(k::start, "E-1", "connect", "2026-10-12T09:30");
  add(k::start, "E-1", "approval-city-management", "2026-10-12T10:00");
  add(k::complete, "E-1", "approval-planning", "2026-10-13T10:00");
  add(k::tick, "", "", "2026-10-20T00:00");
  add(k::complete, "E-1", "approval-city-management", "2026-10-20T10:00");
  add(k::complete, "E-1", "approval-traffic-police", "2026-10-21T10:00");
  add(k::complete, "N-1", "survey", "2026-10-22T10:00");
  add(k::tick, "", "", "2026-11-30T00:00");

  auto jsonl = [](const std::vector<event>& v) {
    std::string s;
    for (const auto& e : v) s += to_json(e) + "\n";
    return s;
  };
  rig whole;
  for (const auto& c : script) whole.ok(whole.e.apply(c));
  const std::string expected = jsonl(whole.out.events);
  CHECK(expected.find("\"overdue\"") != std::string::npos);

  for (std::size_t split = 0; split <= script.size(); ++split) {
    CAPTURE(split);
    rig first;
    for (std::size_t i = 0; i < split; ++i) first.ok(first.e.apply(script[i]));
    const engine_state saved = first.e.state();
    vector_sink rest;
    engine second = engine::from_state(saved, cal(), builtin_policies(), rest);
    CHECK(second.state() == saved);
    CHECK(second.next_due() == first.e.next_due());
    for (std::size_t i = split; i < script.size(); ++i) CHECK(second.apply(script[i]).accepted());
    CHECK(jsonl(first.out.events) + jsonl(rest.events) == expected);
  }
}

TEST_CASE("engine: from_state refuses another calendar") {
  rig r;
  r.ok(r.e.open("W-1", at("2026-10-12T09:00"), policy, "no-external"));
  const auto saved = r.e.state();
  vector_sink sink;
  const calendar other = cal().with_office_hours(office_hours({{std::chrono::hours{8}, std::chrono::hours{16}}}));
  CHECK_THROWS_WITH_AS((void)engine::from_state(saved, other, builtin_policies(), sink),
                       doctest::Contains("not a valid snapshot: calendar: the state was taken with another calendar"),
                       dueday::error);
}

TEST_CASE("engine: a new notice moves running deadlines and says so") {
  rig r;
  r.ok(r.e.open("W-1", at("2026-10-12T09:00"), policy, "no-external"));
  r.ok(r.e.open("W-2", at("2026-10-12T09:00"), policy, "no-external"));
  r.ok(r.e.start("W-1", "survey", at("2026-10-12T10:00")));  // due 24:00 of 10-14
  r.ok(r.e.start("W-2", "survey", at("2026-10-12T10:00")));
  r.ok(r.e.pause("W-2", "survey", at("2026-10-12T11:00")));  // paused: no due instant to move
  r.take();
  // A local notice makes Tuesday 10-13 a day off.
  r.ok(r.e.replace_calendar(with_day_off("2026-10-13"), at("2026-10-12T12:00")));
  const auto ev = r.take();
  REQUIRE(ev.size() == 2);
  CHECK(ev[0].kind == event_kind::deadline_changed);
  CHECK(ev[0].step == "survey");
  CHECK(iso(*ev[0].previous_due) == "2026-10-15T00:00:00+08:00");
  CHECK(iso(*ev[0].due) == "2026-10-16T00:00:00+08:00");
  CHECK(ev[1].step == "overall");
  CHECK(iso(*ev[1].due) == "2026-10-20T00:00:00+08:00");
  // Alerts follow the new deadline.
  r.ok(r.e.advance_to(at("2026-10-16T00:00")));
  const auto later = r.take();
  CHECK(iso(one(later, event_kind::warning, "survey").at) == "2026-10-15T00:00:00+08:00");
  CHECK(iso(one(later, event_kind::overdue, "survey").at) == "2026-10-16T00:00:00+08:00");
  CHECK(r.e.replace_calendar(cal(), at("2026-10-01T00:00")).code == reject_code::out_of_order);
}

TEST_CASE("engine: deadlines past the notices are provisional until next year's notice") {
  // A 2027 notice as the State Council might publish it; only its dates matter here.
  auto with_2027 = [](const char* off_dates, const char* work_dates) {
    std::vector<notice> all = builtin_notices();
    all.push_back(parse_notice(fmt::format(R"(year = 2027
notice = "test 2027"
title = "a 2027 notice for tests"
published = 2026-12-28

[[holiday]]
name = "元旦"
off = [{}]
{}
)",
                                           off_dates, work_dates),
                               "2027.toml"));
    return calendar(std::move(all));
  };
  rig r;
  r.ok(r.e.open("W-1", at("2026-12-28T09:00"), policy, "no-external"));
  r.ok(r.e.start("W-1", "survey", at("2026-12-30T10:00")));
  auto ev = r.take();
  const auto started = one(ev, event_kind::step_started, "survey");
  // 12-31, then Monday 2027-01-04 (01-01 projected as 元旦, 01-02/03 a weekend).
  CHECK(iso(*started.due) == "2027-01-05T00:00:00+08:00");
  CHECK(started.provisional);
  CHECK(to_json(started).find("\"provisional\":true") != std::string::npos);

  SUBCASE("the notice keeps the projection: confirmed") {
    r.ok(r.e.replace_calendar(with_2027("2027-01-01", ""), at("2026-12-30T12:00")));
    ev = r.take();
    const auto confirmed = one(ev, event_kind::deadline_confirmed, "survey");
    CHECK(iso(*confirmed.due) == "2027-01-05T00:00:00+08:00");
    CHECK_FALSE(confirmed.provisional);
    CHECK(only(ev, event_kind::deadline_changed).empty());
  }
  SUBCASE("the notice adds a day off: moved") {
    r.ok(r.e.replace_calendar(with_2027("2027-01-01, 2027-01-04", ""), at("2026-12-30T12:00")));
    ev = r.take();
    const auto moved = one(ev, event_kind::deadline_changed, "survey");
    CHECK(iso(*moved.previous_due) == "2027-01-05T00:00:00+08:00");
    CHECK(iso(*moved.due) == "2027-01-06T00:00:00+08:00");
    CHECK_FALSE(moved.provisional);
  }
}

TEST_CASE("engine: next_due is the earliest pending alert, and inspect explains a case") {
  rig r;
  CHECK(r.e.next_due() == std::nullopt);
  r.ok(r.e.open("W-1", at("2026-10-12T09:00"), policy, "external"));
  r.ok(r.e.start("W-1", "survey", at("2026-10-12T10:00")));  // 4 WD: yellow at 24:00 of 10-15
  CHECK(r.e.next_due() == at("2026-10-16T00:00"));
  const auto v = r.e.inspect("W-1", at("2026-10-13T12:00"));
  REQUIRE(v);
  CHECK(v->policy == "kunming-water-490@2020.3");
  CHECK(v->variant == "external");
  REQUIRE(v->clocks.size() == 6);
  CHECK(v->clocks[0].name == "survey");
  CHECK(v->clocks[0].elapsed == std::chrono::hours{12});
  CHECK(v->clocks[0].remaining == wd * 4 - std::chrono::hours{12});
  CHECK(v->clocks[1].party == "natural-resources-planning");
  CHECK(v->clocks[5].name == "overall");
  CHECK(v->clocks[5].limit == "9wd");
  CHECK_FALSE(r.e.inspect("nope", at("2026-10-13T12:00")));
}

TEST_CASE("engine: a command whose deadline falls past the calendar's projection is undone whole") {
  rig r;
  const calendar& c = cal();
  const civil_day last = c.projection_end();  // 2029-12-31: three projected years after the notices
  const instant open = c.at(last - std::chrono::days{3}, std::chrono::hours{9});
  r.ok(r.e.open("W-1", open, policy, "no-external"));
  r.take();
  const engine_state before = r.e.state();
  // 2 WD after the last projected day but one cannot be computed: the start is refused whole.
  const auto o = r.e.start("W-1", "survey", c.at(last - std::chrono::days{1}, std::chrono::hours{10}));
  CHECK(o.code == reject_code::past_calendar);
  CHECK(o.reason == "step 'survey' would fall due beyond the calendar's projection (last projected day 2029-12-31)");
  CHECK(r.take().empty());
  const auto v = r.e.inspect("W-1", r.e.now());
  REQUIRE(v);
  CHECK(v->clocks[0].state == step_timer::status::idle);
  CHECK_FALSE(v->clocks[0].commanded);
  CHECK(r.e.next_due() == std::nullopt);
  engine_state after = r.e.state();
  CHECK(after.now == c.at(last - std::chrono::days{1}, std::chrono::hours{10}));  // time moved, as for any refusal
  after.now = before.now;
  CHECK(after == before);  // the case itself exactly as it was
}

TEST_CASE("engine: a policy of its own: hours rule, an elapsed-share alert and a step that starts on the join") {
  const sla_policy p = parse_policy(R"(id = "licence"
version = "1"
[[alert]]
level = "half"
raises = "warning"
elapsed_share = 0.5
[[alert]]
level = "late"
raises = "overdue"
after_due = "0h"

[[variant]]
name = "standard"
overall = { limit = "3wd", rule = "hours", counts = ["accept", "decide"] }
[[variant.step]]
name = "accept"
limit = "7h"
rule = "hours"
[[variant.step]]
name = "decide"
limit = "2wd"
rule = "hours"
after = ["accept"]
start = "join"
pausable = false
)",
                                    "licence.toml");
  vector_sink out;
  engine e(cal(), policy_set({p}), out);
  REQUIRE(e.open("L-1", at("2026-10-09T15:00"), "licence", "standard").accepted());
  REQUIRE(e.start("L-1", "accept", at("2026-10-09T15:00")).accepted());
  // 7 office hours from Friday 15:00: 2 h, then 5 h on the make-up Saturday 10-10 -> 15:00.
  CHECK(iso(*one(out.events, event_kind::step_started, "accept").due) == "2026-10-10T15:00:00+08:00");
  REQUIRE(e.advance_to(at("2026-10-10T11:00")).accepted());
  const auto half = one(out.events, event_kind::warning, "accept");
  CHECK(half.level == "half");
  CHECK(iso(half.at) == "2026-10-10T10:30:00+08:00");  // 3.5 h: 2 h Friday, 1.5 h Saturday
  REQUIRE(e.complete("L-1", "accept", at("2026-10-10T11:00")).accepted());
  // `decide` starts on the join, with no command, and takes no pause.
  const auto decide = one(out.events, event_kind::step_started, "decide");
  CHECK(iso(decide.at) == "2026-10-10T11:00:00+08:00");
  CHECK(iso(*decide.due) == "2026-10-13T11:00:00+08:00");  // 14 office hours
  CHECK(e.start("L-1", "decide", at("2026-10-10T11:30")).reason ==
        "step 'decide' starts when accept complete; it takes no start");
  CHECK(e.pause("L-1", "decide", at("2026-10-10T11:30")).reason == "step 'decide' cannot be paused");
  REQUIRE(e.advance_to(at("2026-10-14T00:00")).accepted());
  CHECK(iso(one(out.events, event_kind::overdue, "decide").at) == "2026-10-13T11:00:00+08:00");
}

TEST_CASE("engine: a level already raised is not raised again when a new notice moves the deadline") {
  rig r;
  r.ok(r.e.open("W-1", at("2026-10-12T09:00"), policy, "no-external"));
  r.ok(r.e.start("W-1", "survey", at("2026-10-12T10:00")));  // yellow 10-14T00:00, due 10-15T00:00
  r.ok(r.e.advance_to(at("2026-10-14T08:00")));
  CHECK(only(r.take(), event_kind::warning, "survey").size() == 1);
  r.ok(r.e.replace_calendar(with_day_off("2026-10-14"), at("2026-10-14T08:00")));
  CHECK(iso(*one(r.take(), event_kind::deadline_changed, "survey").due) == "2026-10-16T00:00:00+08:00");
  r.ok(r.e.advance_to(at("2026-10-17T00:00")));
  const auto ev = r.take();
  CHECK(only(ev, event_kind::warning, "survey").empty());
  CHECK(iso(one(ev, event_kind::overdue, "survey").at) == "2026-10-16T00:00:00+08:00");
}
