// The engine's rules at exact boundary instants, which a host that sleeps until next_due() meets
// all the time: it ticks exactly at due instants, and a completion entered as a bare date falls
// exactly on a civil due instant. Each case here failed before these rules were kept.
#include <dueday/engine.hpp>  // first: proves the header stands alone

#include "engine_support.hpp"

using namespace dueday;
using namespace dueday::test::engine_rig;

TEST_CASE("engine rules: a tick at the due instant, then the completion at it: on time, red still raised") {
  rig r;
  r.ok(r.e.open("W-1", at("2026-09-28T10:00"), policy, "no-external"));
  r.ok(r.e.start("W-1", "survey", at("2026-09-30T10:00")));  // due 2026-10-10T00:00
  REQUIRE(r.e.next_due() == at("2026-10-09T00:00"));
  r.ok(r.e.advance_to(at("2026-10-09T00:00")));  // the host wakes at each next_due()
  REQUIRE(r.e.next_due() == at("2026-10-10T00:00"));
  r.ok(r.e.advance_to(at("2026-10-10T00:00")));
  auto ev = r.take();
  CHECK(iso(one(ev, event_kind::overdue, "survey").at) == "2026-10-10T00:00:00+08:00");  // stays in the stream
  r.ok(r.e.complete("W-1", "survey", at("2026-10-10T00:00")));
  ev = r.take();
  CHECK(*one(ev, event_kind::step_completed, "survey").on_time);
  const auto v = r.e.inspect("W-1", at("2026-10-10T00:00"));
  REQUIRE(v);
  CHECK(*v->clocks[0].on_time);
}

TEST_CASE("engine rules: the case completed at the overall due instant after a tick at it is on time") {
  rig r;
  r.ok(r.e.open("W-1", at("2026-09-28T10:00"), policy, "no-external"));
  r.ok(r.e.start("W-1", "survey", at("2026-09-30T10:00")));
  r.ok(r.e.complete("W-1", "survey", at("2026-10-08T12:00")));
  r.ok(r.e.start("W-1", "connect", at("2026-10-08T13:00")));
  r.take();
  // Overall 4 WD: the survey counted 12 h of 10-08, connect counts from 10-09 00:00 (its start day
  // is not counted, on either clock): 10-09, the make-up Saturday 10-10, 10-12 and 12 h of 10-13.
  const auto v = r.e.inspect("W-1", at("2026-10-08T13:00"));
  REQUIRE(v);
  REQUIRE(v->clocks[2].due);
  CHECK(iso(*v->clocks[2].due) == "2026-10-13T12:00:00+08:00");
  r.ok(r.e.advance_to(at("2026-10-13T12:00")));
  CHECK(only(r.take(), event_kind::overdue, "overall").size() == 1);
  r.ok(r.e.complete("W-1", "connect", at("2026-10-13T12:00")));
  const auto ev = r.take();
  CHECK_FALSE(*one(ev, event_kind::step_completed, "connect").on_time);  // its own 2 WD ended 10-11T00:00
  CHECK(*one(ev, event_kind::case_completed).on_time);
}

TEST_CASE("engine rules: completed after the due instant on a rest day is late, though no working time passed") {
  rig r;
  r.ok(r.e.open("W-1", at("2026-10-12T09:00"), policy, "no-external"));
  r.ok(r.e.start("W-1", "survey", at("2026-10-14T10:00")));  // due Saturday 10-17T00:00
  r.ok(r.e.complete("W-1", "survey", at("2026-10-17T10:00")));
  const auto ev = r.take();
  const auto done = one(ev, event_kind::step_completed, "survey");
  CHECK(*done.remaining == working_time{0});
  CHECK_FALSE(*done.on_time);
}

TEST_CASE("engine rules: a pause at the yellow instant raises yellow at that instant, even if never resumed") {
  rig r;
  r.ok(r.e.open("W-1", at("2026-09-28T10:00"), policy, "no-external"));
  r.ok(r.e.start("W-1", "survey", at("2026-09-30T10:00")));  // yellow 10-09T00:00, due 10-10T00:00
  r.ok(r.e.pause("W-1", "survey", at("2026-10-09T00:00"), "customer away"));
  auto ev = r.take();
  CHECK(only(ev, event_kind::warning).empty());  // after the command, as every alert at its instant
  CHECK(r.e.next_due() == at("2026-10-09T00:00"));
  r.ok(r.e.cancel("W-1", at("2026-10-20T09:00"), "customer withdrew"));
  ev = r.take();
  REQUIRE(ev.size() == 2);
  CHECK(ev[0].kind == event_kind::warning);
  CHECK(ev[0].step == "survey");
  CHECK(iso(ev[0].at) == "2026-10-09T00:00:00+08:00");
  CHECK(*ev[0].remaining == wd);
  CHECK(ev[1].kind == event_kind::case_cancelled);
}

TEST_CASE("engine rules: a pause at the due instant raises red at that instant; resuming does not raise it again") {
  rig r;
  r.ok(r.e.open("W-1", at("2026-09-28T10:00"), policy, "no-external"));
  r.ok(r.e.start("W-1", "survey", at("2026-09-30T10:00")));
  r.ok(r.e.pause("W-1", "survey", at("2026-10-10T00:00")));  // the tick at 10-09 never came: yellow first
  r.ok(r.e.advance_to(at("2026-10-12T09:00")));
  auto ev = r.take();
  const auto red = one(ev, event_kind::overdue, "survey");
  CHECK(iso(red.at) == "2026-10-10T00:00:00+08:00");
  CHECK(*red.remaining == working_time{0});
  CHECK(iso(one(ev, event_kind::warning, "survey").at) == "2026-10-09T00:00:00+08:00");
  CHECK(only(ev, event_kind::escalation, "survey").empty());  // no working time passes while paused
  r.ok(r.e.resume("W-1", "survey", at("2026-10-12T09:00")));
  r.ok(r.e.advance_to(at("2026-10-13T09:00")));
  ev = r.take();
  CHECK(only(ev, event_kind::overdue).empty());
  // One working day after due counts from the resume: 10-12 09:00 to 10-13 09:00.
  CHECK(iso(one(ev, event_kind::escalation, "survey").at) == "2026-10-13T09:00:00+08:00");
}

TEST_CASE("engine rules: a clock completed at a level's instant raises nothing at it") {
  rig r;
  r.ok(r.e.open("W-1", at("2026-09-28T10:00"), policy, "no-external"));
  r.ok(r.e.start("W-1", "survey", at("2026-09-30T10:00")));
  r.ok(r.e.complete("W-1", "survey", at("2026-10-09T00:00")));  // the yellow instant
  r.ok(r.e.advance_to(at("2026-10-09T12:00")));
  CHECK(only(r.take(), event_kind::warning, "survey").empty());
}

TEST_CASE("engine rules: survey completed exactly at the overall limit: the overall red at that instant") {
  rig r;
  r.ok(r.e.open("W-1", at("2026-09-28T10:00"), policy, "no-external"));
  r.ok(r.e.start("W-1", "survey", at("2026-09-30T10:00")));  // overall due 10-13T00:00
  r.ok(r.e.complete("W-1", "survey", at("2026-10-13T00:00")));
  auto ev = r.take();
  const auto paused = one(ev, event_kind::step_paused, "overall");
  CHECK(*paused.remaining == working_time{0});
  r.ok(r.e.start("W-1", "connect", at("2026-10-16T10:00")));  // days later
  ev = r.take();
  const auto red = one(ev, event_kind::overdue, "overall");
  CHECK(iso(red.at) == "2026-10-13T00:00:00+08:00");  // not the resume instant
  CHECK(ev.front().kind == event_kind::overdue);      // raised before the connect start's events
  r.ok(r.e.advance_to(at("2026-10-21T00:00")));
  // The overall clock resumes counting with connect, from 10-17 00:00 (a Saturday): Monday 10-19.
  CHECK(iso(one(r.take(), event_kind::escalation, "overall").at) == "2026-10-20T00:00:00+08:00");
}

TEST_CASE("engine rules: a repeat of an accepted command is a duplicate however the case changed since") {
  rig r;
  using s = outcome::status;
  r.ok(r.e.open("W-1", at("2026-10-12T09:00"), policy, "no-external"));
  r.ok(r.e.start("W-1", "survey", at("2026-10-12T10:00")));
  r.ok(r.e.pause("W-1", "survey", at("2026-10-12T11:00")));
  r.ok(r.e.resume("W-1", "survey", at("2026-10-12T14:00")));
  r.ok(r.e.pause("W-1", "survey", at("2026-10-13T11:00")));
  r.ok(r.e.resume("W-1", "survey", at("2026-10-13T14:00")));
  r.ok(r.e.complete("W-1", "survey", at("2026-10-14T10:00")));
  r.ok(r.e.start("W-1", "connect", at("2026-10-14T11:00")));
  r.ok(r.e.cancel("W-1", at("2026-10-15T09:00"), "customer withdrew"));
  r.take();
  const engine_state before = r.e.state();
  CHECK(r.e.complete("W-1", "survey", at("2026-10-14T10:00")).result == s::duplicate);
  CHECK(r.e.pause("W-1", "survey", at("2026-10-12T11:00")).result == s::duplicate);  // not the last pause
  CHECK(r.e.resume("W-1", "survey", at("2026-10-12T14:00")).result == s::duplicate);
  CHECK(r.e.start("W-1", "connect", at("2026-10-14T11:00")).result == s::duplicate);
  CHECK(r.e.open("W-1", at("2026-10-12T09:00"), policy, "no-external").result == s::duplicate);
  CHECK(r.e.cancel("W-1", at("2026-10-15T09:00")).result == s::duplicate);
  CHECK(r.take().empty());
  CHECK(r.e.state() == before);
  // Not repeats: another instant, another step, another variant.
  CHECK(r.e.pause("W-1", "survey", at("2026-10-12T12:00")).code == reject_code::out_of_order);
  CHECK(r.e.complete("W-1", "connect", at("2026-10-15T09:00")).code == reject_code::case_closed);
  CHECK(r.e.open("W-1", at("2026-10-12T09:00"), policy, "external").code == reject_code::out_of_order);
}

TEST_CASE("engine rules: a department's approval runs from its own start, even before the survey completes") {
  rig r;
  r.ok(r.e.open("E-1", at("2026-10-12T09:00"), policy, "external"));
  r.ok(r.e.start("E-1", "survey", at("2026-10-12T10:00")));  // 4 WD: due 10-17T00:00
  r.ok(r.e.start("E-1", "approval-planning", at("2026-10-13T10:00")));
  auto ev = r.take();
  CHECK(only(ev, event_kind::step_waiting).empty());
  // 3 WD not counting 10-13: 10-14, 10-15, 10-16.
  CHECK(iso(*one(ev, event_kind::step_started, "approval-planning").due) == "2026-10-17T00:00:00+08:00");
  CHECK(only(ev, event_kind::step_resumed, "overall").empty());  // the department's clock is not the utility's
  r.ok(r.e.start("E-1", "approval-city-management", at("2026-10-14T10:00")));
  r.ok(r.e.start("E-1", "approval-traffic-police", at("2026-10-14T10:00")));
  r.ok(r.e.complete("E-1", "approval-planning", at("2026-10-14T15:00")));
  r.ok(r.e.complete("E-1", "approval-city-management", at("2026-10-15T15:00")));
  r.ok(r.e.complete("E-1", "approval-traffic-police", at("2026-10-15T16:00")));
  r.ok(r.e.start("E-1", "connect", at("2026-10-15T17:00")));  // all permits in; the survey is not done
  ev = r.take();
  CHECK(one(ev, event_kind::step_waiting, "connect").detail == "survey");
  r.ok(r.e.complete("E-1", "survey", at("2026-10-16T11:00")));
  ev = r.take();
  const auto connect = one(ev, event_kind::step_started, "connect");
  CHECK(iso(connect.at) == "2026-10-16T11:00:00+08:00");
  CHECK(iso(*connect.due) == "2026-10-24T00:00:00+08:00");  // 5 WD: 10-19 .. 10-23
}

TEST_CASE(
    "engine rules: two levels due at one instant come in level order, though the later-listed has the lower "
    "threshold") {
  // `late` is listed first with the higher threshold (the whole 2 WD), `half` second with 1 WD.
  const sla_policy p = parse_policy(R"(id = "order"
version = "1"
[[alert]]
level = "late"
raises = "overdue"
after_due = "0h"
[[alert]]
level = "half"
raises = "warning"
elapsed_share = 0.5

[[variant]]
name = "v"
overall = { limit = "4wd", counts = ["s"] }
[[variant.step]]
name = "s"
limit = "2wd"
)",
                                    "order.toml");
  vector_sink out;
  // Tuesday 10-13 and Wednesday 10-14 off: started Monday 10-12, `s` reaches half at 10-16T00:00.
  engine e(with_day_off("2026-10-13, 2026-10-14"), policy_set({p}), out);
  REQUIRE(e.open("O-1", at("2026-10-12T09:00"), "order", "v").accepted());
  REQUIRE(e.start("O-1", "s", at("2026-10-12T09:00")).accepted());
  // Without the days off, half fell at 10-14T00:00 and the due at 10-15T00:00: at 10-15T12:00 both
  // are past, so both are raised at that instant, `late` (level 0) first as the levels are ordered.
  REQUIRE(e.replace_calendar(cal(), at("2026-10-15T12:00")).accepted());
  REQUIRE(e.advance_to(at("2026-10-15T12:00")).accepted());
  std::vector<event> alerts;
  for (const event& x : out.events)
    if (x.step == "s" && (x.kind == event_kind::overdue || x.kind == event_kind::warning)) alerts.push_back(x);
  REQUIRE(alerts.size() == 2);
  CHECK(alerts[0].level == "late");
  CHECK(alerts[1].level == "half");
  CHECK(iso(alerts[0].at) == "2026-10-15T12:00:00+08:00");
  CHECK(iso(alerts[1].at) == "2026-10-15T12:00:00+08:00");
}
