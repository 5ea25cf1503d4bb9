// States that ordinary use produces and that a snapshot must carry, and misuse the engine must
// refuse: each case here was found by review.
#include <dueday/engine.hpp>  // first: proves the header stands alone

#include <dueday/snapshot.hpp>

#include <limits>
#include <stdexcept>

#include "engine_support.hpp"

using namespace dueday;
using namespace dueday::test::engine_rig;

namespace {

// The engine's state survives its snapshot text and an engine rebuilt from it says the same.
void round_trips(const engine& e) {
  vector_sink sink;
  const engine back = restore(snapshot(e), e.current_calendar(), builtin_policies(), sink);
  CHECK(back.state() == e.state());
}

}  // namespace

TEST_CASE("engine edge: a cancelled case with a step waiting for another restores") {
  rig r;
  r.ok(r.e.open("A", at("2026-10-12T09:00"), policy, "no-external"));
  r.ok(r.e.start("A", "survey", at("2026-10-12T10:00")));
  r.ok(r.e.start("A", "connect", at("2026-10-12T11:00")));  // waits for the survey
  r.ok(r.e.cancel("A", at("2026-10-13T09:00")));
  round_trips(r.e);
}

TEST_CASE("engine edge: paused clocks restore after a new notice, and learn whether their due is provisional") {
  rig r;
  r.ok(r.e.open("P", at("2026-12-28T09:00"), policy, "no-external"));
  r.ok(r.e.open("Q", at("2026-12-28T09:00"), policy, "no-external"));
  r.ok(r.e.start("Q", "survey", at("2026-12-29T10:00")));
  r.ok(r.e.start("P", "survey", at("2026-12-30T10:00")));  // due 2027-01-05, provisional
  r.ok(r.e.pause("P", "survey", at("2026-12-31T10:00")));
  r.ok(r.e.pause("Q", "survey", at("2026-12-31T11:00")));
  std::vector<notice> all = builtin_notices();
  all.push_back(parse_notice(R"(year = 2027
notice = "test 2027"
title = "a 2027 notice for tests"
published = 2026-12-28

[[holiday]]
name = "元旦"
off = [2027-01-01]
)",
                             "2027.toml"));
  r.ok(r.e.replace_calendar(calendar(std::move(all)), at("2026-12-31T12:00")));
  const auto v = r.e.inspect("P", r.e.now());
  REQUIRE(v);
  CHECK_FALSE(v->clocks[0].provisional);
  round_trips(r.e);
}

TEST_CASE("engine edge: a paused clock restores after a day off lands inside its counted time") {
  rig r;
  r.ok(r.e.open("W", at("2026-10-12T09:00"), policy, "no-external"));
  r.ok(r.e.start("W", "survey", at("2026-10-12T10:00")));
  r.ok(r.e.pause("W", "survey", at("2026-10-14T10:00")));  // 34 h counted under the old calendar
  r.ok(r.e.replace_calendar(with_day_off("2026-10-13"), at("2026-10-14T11:00")));
  round_trips(r.e);
}

TEST_CASE("engine edge: a sink that calls the engine from on_events is refused and the command undone") {
  struct calling_sink final : event_sink {
    engine* e = nullptr;
    void on_event(const event&) override { (void)e->advance_to(at("2026-10-20T00:00")); }
  };
  calling_sink sink;
  engine e(cal(), builtin_policies(), sink);
  sink.e = &e;
  const engine_state before = e.state();
  CHECK_THROWS_AS((void)e.open("A", at("2026-10-12T09:00"), policy, "no-external"), std::logic_error);
  CHECK(e.state() == before);
  vector_sink plain;
  e.set_sink(plain);
  CHECK(e.open("A", at("2026-10-12T09:00"), policy, "no-external").accepted());
}

TEST_CASE("engine edge: retiring before the calendar begins changes nothing, and snapshots stay writable") {
  rig r;
  r.ok(r.e.open("A", at("2026-10-12T09:00"), policy, works{40, 80, {"river"}}));
  CHECK(r.e.retire(instant::min()) == 0);
  CHECK_FALSE(r.e.state().retired_before);
  round_trips(r.e);
}

TEST_CASE("engine edge: the calendar answers hostile instants without overflowing") {
  CHECK_FALSE(cal().try_add_working_time(instant::max(), working_time{1}, time_basis::whole_day));
  CHECK_FALSE(cal().try_add_working_time(instant::min(), working_time{1}, time_basis::whole_day));
  rig r;
  r.ok(r.e.open("A", at("2026-10-12T09:00"), policy, "no-external"));
  CHECK(r.e.advance_to(instant::max()).code == reject_code::past_calendar);
  CHECK(r.e.start("A", "survey", instant::max()).code == reject_code::past_calendar);
}
