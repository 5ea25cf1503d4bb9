#include <dueday/calendar.hpp>  // first, alone: proves the header stands on its own

#include <doctest/doctest.h>

#include "support.hpp"

#include "dueday/format.hpp"
#include "dueday/io.hpp"

using namespace std::chrono;
using dueday::civil_day;
using dueday::day_kind;
using dueday::working_days;

template <class A, class B>
concept addable = requires(A a, B b) {
  a + b;
};
static_assert(!addable<civil_day, working_days>, "a working day has no fixed length");
static_assert(!addable<working_days, civil_day>);
static_assert(addable<civil_day, days>);
static_assert(!std::is_convertible_v<int, working_days>, "working_days is explicit");

namespace {
using dueday::test::at;
using dueday::test::cal;
civil_day ymd(int y, unsigned m, unsigned d) { return civil_day{year{y} / month{m} / std::chrono::day{d}}; }
}  // namespace

TEST_CASE("calendar: a make-up Saturday is a working day and names its holiday") {
  const auto info = cal().day(ymd(2026, 10, 10));
  CHECK(info.kind == day_kind::makeup_workday);
  CHECK(info.name == "国庆节");
  CHECK(info.notice == "国办发明电〔2025〕7号");
  CHECK(info.source == "holidays/cn/2026.toml:58");
  CHECK(info.is_working_day());
  CHECK(cal().day(ymd(2026, 10, 11)).kind == day_kind::restday);
  CHECK(cal().day(ymd(2026, 10, 12)).kind == day_kind::workday);
}

TEST_CASE("calendar: 2020's Spring Festival extension replaced a make-up day with days off") {
  // 国办发明电〔2020〕1号 extended the holiday to 02-02; Saturday 02-01 was to be a working day.
  CHECK(cal().day(ymd(2020, 1, 31)).kind == day_kind::holiday);
  const auto feb1 = cal().day(ymd(2020, 2, 1));
  CHECK(feb1.kind == day_kind::holiday);
  CHECK(feb1.notice == "国办发明电〔2020〕1号");
  CHECK(cal().day(ymd(2020, 2, 2)).kind == day_kind::holiday);
  CHECK(cal().is_working_day(ymd(2020, 2, 3)));
  CHECK(cal().advance(ymd(2020, 1, 23), working_days{1}) == ymd(2020, 2, 3));
  CHECK(cal().count(ymd(2020, 1, 23), ymd(2020, 2, 3)) == working_days{1});
}

TEST_CASE("calendar: 2025's longer Spring Festival and Labour Day") {
  // 01-28..02-04 off (8 days), Sunday 01-26 and Saturday 02-08 make-up days.
  CHECK(cal().day(ymd(2025, 1, 26)).kind == day_kind::makeup_workday);
  CHECK(cal().advance(ymd(2025, 1, 24), working_days{4}) == ymd(2025, 2, 6));
  CHECK(cal().count(ymd(2025, 1, 27), ymd(2025, 2, 4)) == working_days{0});
  CHECK(cal().day(ymd(2025, 2, 8)).kind == day_kind::makeup_workday);
  // 05-01..05-05 off, Sunday 04-27 a make-up day.
  CHECK(cal().day(ymd(2025, 4, 27)).kind == day_kind::makeup_workday);
  CHECK(cal().advance(ymd(2025, 4, 30), working_days{1}) == ymd(2025, 5, 6));
}

TEST_CASE("calendar: 2019's amended May Day and 2015's 70th anniversary holiday") {
  CHECK(cal().day(ymd(2019, 5, 2)).notice == "国办发明电〔2019〕3号");
  CHECK(cal().day(ymd(2019, 4, 28)).kind == day_kind::makeup_workday);
  CHECK(cal().day(ymd(2015, 9, 3)).kind == day_kind::holiday);
  CHECK(cal().day(ymd(2015, 9, 6)).kind == day_kind::makeup_workday);
}

TEST_CASE("calendar: year ends and leap days") {
  CHECK(cal().advance(ymd(2023, 12, 29), working_days{1}) == ymd(2024, 1, 2));  // 2024-01-01 元旦
  CHECK(cal().advance(ymd(2024, 2, 28), working_days{1}) == ymd(2024, 2, 29));  // Thursday, leap day
  CHECK(cal().day(ymd(2020, 2, 29)).kind == day_kind::restday);                 // Saturday, leap day
  CHECK(cal().count(ymd(2023, 12, 31), ymd(2024, 12, 31)) == working_days{251});
  CHECK(cal().day(ymd(2018, 12, 29)).kind == day_kind::makeup_workday);  // set by the 2019 notice
  CHECK(cal().day(ymd(2018, 12, 29)).notice == "国办发明电〔2018〕15号");
}

TEST_CASE("calendar: next and previous working day, and advancing backwards") {
  CHECK(cal().next_working_day(ymd(2026, 9, 30)) == ymd(2026, 10, 8));
  CHECK(cal().previous_working_day(ymd(2026, 10, 8)) == ymd(2026, 9, 30));
  CHECK(cal().previous_working_day(ymd(2026, 10, 5)) == ymd(2026, 9, 30));
  CHECK(cal().advance(ymd(2026, 10, 12), working_days{-2}) == ymd(2026, 10, 9));
  CHECK(cal().advance(ymd(2026, 10, 11), working_days{0}) == ymd(2026, 10, 11));
}

TEST_CASE("calendar: a day past the notices is never silently Mon-Fri") {
  CHECK_THROWS_WITH_AS((void)cal().is_working_day(ymd(2027, 1, 4)),
                       "2027-01-04 is past the holiday data (last covered day 2026-12-31)", dueday::coverage_error);
  CHECK_THROWS_WITH_AS((void)cal().advance(ymd(2026, 12, 28), working_days{5}),
                       "5 working days after 2026-12-28 is past the holiday data (last covered day 2026-12-31)",
                       dueday::coverage_error);
  CHECK_THROWS_WITH_AS((void)cal().day(ymd(2006, 12, 31)),
                       "2006-12-31 is before the holiday data (first covered day 2007-01-01)", dueday::coverage_error);
  try {
    (void)cal().count(ymd(2026, 12, 1), ymd(2027, 2, 1));
    FAIL("no coverage_error");
  } catch (const dueday::coverage_error& e) {
    CHECK(e.last_covered() == ymd(2026, 12, 31));
    CHECK(e.first_covered() == ymd(2007, 1, 1));
  }
  CHECK(cal().advance(ymd(2026, 12, 25), working_days{4}) == ymd(2026, 12, 31));  // up to the edge is fine
}

TEST_CASE("calendar: provisional queries project fixed-date holidays and are flagged") {
  using dueday::coverage;
  const auto jan1 = cal().day(ymd(2027, 1, 1), coverage::provisional);
  CHECK(jan1.kind == day_kind::holiday);
  CHECK(jan1.name == "元旦");
  CHECK(jan1.provisional);
  CHECK(cal().day(ymd(2027, 10, 3), coverage::provisional).kind == day_kind::holiday);  // Sunday
  CHECK(cal().day(ymd(2027, 10, 4), coverage::provisional).kind == day_kind::workday);  // only 10-01..03 projected
  CHECK(cal().day(ymd(2028, 5, 2), coverage::provisional).name == "劳动节");
  const civil_day r = cal().advance(ymd(2026, 12, 28), working_days{5}, coverage::provisional);
  CHECK(r == ymd(2027, 1, 5));
  CHECK_FALSE(cal().covers(r));
  CHECK(cal().covers(ymd(2026, 12, 31)));
  CHECK(cal().projection_end() == ymd(2029, 12, 31));
  CHECK_THROWS_AS((void)cal().day(ymd(2030, 1, 2), coverage::provisional), dueday::coverage_error);
}

TEST_CASE("calendar: an overlay adds local days off and make-up days on top of the national ones") {
  const auto local = cal().with_overlay(dueday::load_notice(DUEDAY_TEST_DATA "/overlay-demo.toml"));
  CHECK(local.day(ymd(2026, 4, 14)).kind == day_kind::holiday);
  CHECK(local.day(ymd(2026, 4, 14)).name == "泼水节");
  CHECK(local.day(ymd(2026, 4, 18)).kind == day_kind::makeup_workday);
  CHECK(local.count(ymd(2026, 4, 10), ymd(2026, 4, 20)) == working_days{4});  // 04-16, 17, 18, 20
  CHECK(cal().count(ymd(2026, 4, 10), ymd(2026, 4, 20)) == working_days{6});
  // The national calendar is untouched: calendars are values.
  CHECK(cal().day(ymd(2026, 4, 14)).kind == day_kind::workday);
  CHECK_THROWS_AS((void)cal().with_overlay(dueday::notice{}), dueday::error);
}

TEST_CASE("calendar: instants map to Beijing civil days whatever the host zone") {
  const auto t = dueday::parse_instant("2026-09-30T23:30:00+08:00");
  CHECK(cal().day_of(t) == ymd(2026, 9, 30));
  CHECK(cal().time_of_day(t) == hours{23} + minutes{30});
  CHECK(cal().day_of(t + hours{1}) == ymd(2026, 10, 1));
  CHECK(cal().at(ymd(2026, 10, 1), hours{0}) == dueday::parse_instant("2026-09-30T16:00:00Z"));
  CHECK(cal().offset() == hours{8});
  CHECK(cal().zone() == "Asia/Shanghai");
}
