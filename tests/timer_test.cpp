#include <doctest/doctest.h>
#include <dueday/timer.hpp>  // first: proves the header stands alone

#include <dueday/io.hpp>

#include "support.hpp"

using namespace dueday;
using dueday::test::at;
using dueday::test::cal;

namespace {

std::string iso(instant t) { return format_instant(t); }

clock_rule civil(int n) {
  return clock_rule::of(span_spec{n, span_spec::unit::working_days}, counting_rule::civil, cal().hours());
}

}  // namespace

TEST_CASE("timer: the civil rule does not count the start day and ends at 24:00") {
  step_timer t;
  const auto r = civil(2);
  CHECK(r.budget == std::chrono::hours{48});
  REQUIRE(t.start(cal(), r, at("2026-09-30T10:00")) == timer_result::done);
  CHECK(iso(t.due()) == "2026-10-10T00:00:00+08:00");
  CHECK(t.due() == deadline(cal(), at("2026-09-30T10:00"), working_days{2}).due);  // as deadline() says
  CHECK(t.elapsed(cal(), r, at("2026-09-30T23:00")) == working_time{0});           // the start day is free
  CHECK(t.elapsed(cal(), r, at("2026-10-08T06:00")) == std::chrono::hours{6});
  CHECK(t.start(cal(), r, at("2026-10-08T06:00")) == timer_result::wrong_state);  // only from idle
}

TEST_CASE("timer: civil deadlines agree with deadline() for every start day of 2026 and N 1..10") {
  const auto& c = cal();
  for (civil_day d{std::chrono::year{2026} / 1 / 1}; d <= civil_day{std::chrono::year{2026} / 11 / 30};
       d = d + std::chrono::days{1}) {
    for (int n = 1; n <= 10; ++n) {
      step_timer t;
      const instant from = c.at(d, std::chrono::hours{10});
      REQUIRE(t.start(c, civil(n), from) == timer_result::done);
      CHECK(t.due() == deadline(c, from, working_days{n}).due);
    }
  }
}

TEST_CASE("timer: the hours rule counts office time from the exact instant") {
  const auto r = clock_rule::of(span_spec{2, span_spec::unit::working_days}, counting_rule::hours, cal().hours());
  CHECK(r.budget == std::chrono::hours{14});
  step_timer t;
  REQUIRE(t.start(cal(), r, at("2026-09-30T10:00")) == timer_result::done);
  CHECK(iso(t.due()) == "2026-10-09T10:00:00+08:00");
  const auto h = clock_rule::of(span_spec{5, span_spec::unit::hours}, counting_rule::hours, cal().hours());
  step_timer u;
  REQUIRE(u.start(cal(), h, at("2026-10-09T15:00")) == timer_result::done);
  CHECK(iso(u.due()) == "2026-10-10T12:00:00+08:00");  // 2 h on Friday, 3 h on the make-up Saturday
}

TEST_CASE("timer: pause and resume exclude exactly the time between them") {
  const auto r = civil(3);
  step_timer t;
  REQUIRE(t.start(cal(), r, at("2026-10-12T10:00")) ==
          timer_result::done);  // counting from 10-13 00:00; due 10-16 00:00
  REQUIRE(t.pause(cal(), r, at("2026-10-13T18:00")) == timer_result::done);
  CHECK(t.pause(cal(), r, at("2026-10-13T19:00")) == timer_result::wrong_state);
  CHECK(t.elapsed_closed() == std::chrono::hours{18});
  CHECK(t.elapsed(cal(), r, at("2026-10-20T00:00")) == std::chrono::hours{18});  // frozen while paused
  REQUIRE(t.resume(cal(), r, at("2026-10-15T06:00")) == timer_result::done);
  // 54 h left: 18 on 10-15, 24 on 10-16, then past the weekend 12 on Monday 10-19.
  CHECK(iso(t.due()) == "2026-10-19T12:00:00+08:00");
  REQUIRE(t.stop(cal(), r, at("2026-10-16T06:00")) == timer_result::done);
  CHECK(t.elapsed_closed() == std::chrono::hours{18 + 24});
  CHECK(t.resume(cal(), r, at("2026-10-16T07:00")) == timer_result::wrong_state);
  CHECK(t.state() == step_timer::status::stopped);
}

TEST_CASE("timer: reaches() gives the instant a share of the limit is used") {
  const auto r = civil(2);
  step_timer t;
  REQUIRE(t.start(cal(), r, at("2026-10-12T10:00")) == timer_result::done);
  CHECK(iso(*t.reaches(cal(), r, std::chrono::hours{24})) == "2026-10-14T00:00:00+08:00");
  CHECK(t.reaches(cal(), r, working_time{0}) == at("2026-10-12T10:00"));  // already: the last transition
}

TEST_CASE("timer: a due instant beyond the projection is refused and changes nothing") {
  const auto r = civil(5);
  const civil_day last = cal().projection_end();
  step_timer t;
  const step_timer before = t;
  CHECK(t.start(cal(), r, cal().at(last - std::chrono::days{2}, std::chrono::hours{10})) ==
        timer_result::past_calendar);
  CHECK(t == before);
  REQUIRE(t.start(cal(), civil(1), cal().at(last - std::chrono::days{10}, std::chrono::hours{10})) ==
          timer_result::done);
  CHECK(t.reaches(cal(), civil(1), std::chrono::hours{24 * 30}) == std::nullopt);  // 30 WD on: beyond
}

TEST_CASE("timer: running past the due instant is remembered; stopping at it is not late") {
  const auto r = civil(2);
  step_timer t;
  REQUIRE(t.start(cal(), r, at("2026-09-30T10:00")) == timer_result::done);  // due 10-10T00:00
  REQUIRE(t.stop(cal(), r, at("2026-10-10T00:00")) == timer_result::done);
  CHECK_FALSE(t.overran());
  const auto one = civil(1);
  step_timer u;
  REQUIRE(u.start(cal(), one, at("2026-10-15T10:00")) == timer_result::done);  // due Sat 10-17T00:00
  CHECK(iso(u.due()) == "2026-10-17T00:00:00+08:00");
  // Saturday is no working day: no working time passes, yet the period ended at 24:00 Friday.
  REQUIRE(u.pause(cal(), one, at("2026-10-17T10:00")) == timer_result::done);
  CHECK(u.elapsed_closed() == one.budget);
  CHECK(u.overran());
}

TEST_CASE("timer: save and load keep the whole state") {
  const auto r = civil(2);
  step_timer t;
  REQUIRE(t.start(cal(), r, at("2026-12-30T10:00")) == timer_result::done);
  CHECK(t.provisional());  // 2027-01-04 is past the 2026 notice
  CHECK(step_timer::load(t.save()) == t);
}
