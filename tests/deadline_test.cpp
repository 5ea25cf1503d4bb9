#include <dueday/deadline.hpp>  // first, alone: proves the header stands on its own

#include <doctest/doctest.h>

#include "support.hpp"

#include "dueday/io.hpp"

using namespace std::chrono;
using dueday::counting_rule;
using dueday::working_days;

namespace {
using dueday::test::at;
using dueday::test::cal;
std::string due(const char* from, int n, dueday::deadline_options o = {}) {
  return dueday::format_instant(dueday::deadline(cal(), at(from), working_days{n}, o).due);
}
}  // namespace

TEST_CASE("deadline: civil rule, start day not counted, ends at 24:00 of the N-th working day") {
  CHECK(due("2026-09-30T10:00", 2) == "2026-10-10T00:00:00+08:00");  // across National Day
  CHECK(due("2026-09-30T23:59:59", 1) == "2026-10-09T00:00:00+08:00");
  CHECK(due("2026-10-09T08:00", 1) == "2026-10-11T00:00:00+08:00");  // the make-up Saturday counts
  const auto r = dueday::deadline(cal(), at("2026-09-30T10:00"), working_days{2});
  CHECK(r.last_day == dueday::civil_day{2026y / October / 9});
  CHECK_FALSE(r.provisional);
}

TEST_CASE("deadline: a start on a holiday is not counted either; counting begins after it") {
  CHECK(due("2026-10-03T15:00", 1) == "2026-10-09T00:00:00+08:00");
  CHECK(due("2026-10-11T15:00", 1) == "2026-10-13T00:00:00+08:00");  // Sunday start
}

TEST_CASE("deadline: close of business instead of 24:00 when asked") {
  CHECK(due("2026-09-30T10:00", 2, {counting_rule::civil, true}) == "2026-10-09T17:00:00+08:00");
}

TEST_CASE("deadline: hours rule counts office time from the exact instant") {
  const dueday::deadline_options hours_rule{counting_rule::hours};
  CHECK(due("2026-09-30T10:00", 2, hours_rule) == "2026-10-09T10:00:00+08:00");
  CHECK(due("2026-09-30T09:00", 1, hours_rule) == "2026-09-30T17:00:00+08:00");  // a full day ends at close
  CHECK(due("2026-09-30T12:30", 1, hours_rule) == "2026-10-08T12:00:00+08:00");  // 4 h + 3 h: lunch not counted
  CHECK(due("2026-09-30T18:00", 1, hours_rule) == "2026-10-08T17:00:00+08:00");  // after close
  CHECK(due("2026-10-03T18:00", 1, hours_rule) == "2026-10-08T17:00:00+08:00");  // on a holiday
}

TEST_CASE("deadline: late December reaching the unpublished year") {
  CHECK_THROWS_AS((void)dueday::deadline(cal(), at("2026-12-28T10:00"), working_days{5}), dueday::coverage_error);
  const auto r = dueday::deadline(cal(), at("2026-12-28T10:00"), working_days{5},
                                  {counting_rule::civil, false, dueday::coverage::provisional});
  CHECK(r.provisional);
  CHECK(dueday::format_instant(r.due) == "2027-01-06T00:00:00+08:00");  // 2027-01-01 元旦 projected
  CHECK_FALSE(dueday::deadline(cal(), at("2026-12-28T10:00"), working_days{3},
                               {counting_rule::civil, false, dueday::coverage::provisional})
                  .provisional);
  // A period ending at 24:00 on the last covered day is still a published deadline.
  CHECK(due("2026-12-30T10:00", 1) == "2027-01-01T00:00:00+08:00");
}

TEST_CASE("deadline: fewer than one working day is refused") {
  CHECK_THROWS_WITH_AS((void)dueday::deadline(cal(), at("2026-09-30T10:00"), working_days{0}),
                       "a period of 0 working days (expected at least 1)", dueday::error);
}

TEST_CASE("explain: every day from the start to the last, with its reason") {
  const auto e = dueday::explain_deadline(cal(), at("2026-09-30T10:00"), working_days{2});
  REQUIRE(e.days.size() == 10);  // 09-30 .. 10-09
  CHECK(e.days[0].ordinal == 0);
  CHECK(e.days[0].reason == "start day, not counted (Civil Code art. 201); working day");
  CHECK(e.days[1].reason == "not counted: holiday 国庆节 (国办发明电〔2025〕7号)");
  CHECK(e.days[1].info.source == "holidays/cn/2026.toml:50");
  CHECK(e.days[8].ordinal == 1);
  CHECK(e.days[8].reason == "counted: working day 1 of 2; working day");
  CHECK(e.days[9].ordinal == 2);
  CHECK(e.result.due == dueday::deadline(cal(), at("2026-09-30T10:00"), working_days{2}).due);
  const auto s = dueday::explain_deadline(cal(), at("2026-10-09T10:00"), working_days{1});
  REQUIRE(s.days.size() == 2);
  CHECK(s.days[1].reason == "counted: working day 1 of 1; make-up working day for 国庆节 (国办发明电〔2025〕7号)");
}

TEST_CASE("explain: the hours rule shows the office time each day contributed") {
  const auto e = dueday::explain_deadline(cal(), at("2026-09-30T10:00"), working_days{2}, {counting_rule::hours});
  REQUIRE(e.days.size() == 10);
  CHECK(e.days[0].counted == hours{6});
  CHECK(e.days[8].counted == hours{7});
  CHECK(e.days[9].counted == hours{1});
  dueday::working_time sum{0};
  for (const auto& d : e.days) sum += d.counted;
  CHECK(sum == hours{14});
}

TEST_CASE("counting rule: names round-trip") {
  CHECK(dueday::parse_counting_rule("civil") == counting_rule::civil);
  CHECK(dueday::parse_counting_rule("hours") == counting_rule::hours);
  CHECK_FALSE(dueday::parse_counting_rule("weeks").has_value());
  CHECK(dueday::to_string(counting_rule::hours) == "hours");
}
