#include <dueday/working_time.hpp>  // first, alone: proves the header stands on its own

#include <doctest/doctest.h>

#include "support.hpp"

#include "dueday/calendar.hpp"
#include "dueday/io.hpp"

using namespace std::chrono;
using dueday::time_basis;

namespace {
using dueday::test::at;
using dueday::test::cal;
}  // namespace

TEST_CASE("office hours: default 09:00-12:00 and 13:00-17:00") {
  const dueday::office_hours h;
  CHECK(h.per_day() == hours{7});
  CHECK(h.worked_before(hours{10}) == hours{1});
  CHECK(h.worked_before(hours{12} + minutes{30}) == hours{3});
  CHECK(h.worked_before(hours{24}) == hours{7});
  CHECK(h.reached_at(hours{3}) == hours{12});  // earliest: before lunch, not after
  CHECK(h.reached_at(hours{3} + seconds{1}) == hours{13} + seconds{1});
  CHECK(h.reached_at(hours{7}) == hours{17});
  CHECK(h.close() == hours{17});
  CHECK(h.opening() == hours{9});
}

TEST_CASE("office hours: invalid intervals are refused") {
  using I = dueday::office_hours::interval;
  CHECK_THROWS_WITH_AS(dueday::office_hours({I{hours{13}, hours{17}}, I{hours{9}, hours{14}}}),
                       "office hours: interval 09:00-14:00 is empty, overlaps the one before or passes 24:00",
                       dueday::error);
  CHECK_THROWS_AS(dueday::office_hours({I{hours{9}, hours{9}}}), dueday::error);
  CHECK_THROWS_AS(dueday::office_hours({I{hours{20}, hours{25}}}), dueday::error);
  CHECK_THROWS_AS(dueday::office_hours(std::vector<I>{}), dueday::error);
}

TEST_CASE("working time: between two instants, office hours and whole days") {
  CHECK(cal().working_time_between(at("2026-09-30T10:00"), at("2026-10-08T10:00"), time_basis::office_hours) ==
        hours{7});
  CHECK(cal().working_time_between(at("2026-09-30T10:00"), at("2026-10-08T10:00"), time_basis::whole_day) == hours{24});
  CHECK(cal().working_time_between(at("2026-10-08T10:00"), at("2026-09-30T10:00"), time_basis::whole_day) ==
        -hours{24});
  CHECK(cal().working_time_between(at("2026-10-03T10:00"), at("2026-10-04T10:00"), time_basis::whole_day) == hours{0});
  // Up to 24:00 of the last covered day is within the data.
  CHECK(cal().working_time_between(at("2026-12-31T00:00"), at("2027-01-01T00:00"), time_basis::whole_day) == hours{24});
  CHECK_THROWS_AS(
      (void)cal().working_time_between(at("2026-12-31T00:00"), at("2027-01-01T00:00:01"), time_basis::whole_day),
      dueday::coverage_error);
}

TEST_CASE("working time: adding lands on the earliest instant, a close rather than the next opening") {
  CHECK(cal().add_working_time(at("2026-09-30T16:00"), hours{1}, time_basis::office_hours) == at("2026-09-30T17:00"));
  CHECK(cal().add_working_time(at("2026-09-30T16:00"), hours{2}, time_basis::office_hours) == at("2026-10-08T10:00"));
  CHECK(cal().add_working_time(at("2026-09-30T10:00"), hours{24}, time_basis::whole_day) == at("2026-10-08T10:00"));
  CHECK(cal().add_working_time(at("2026-09-30T00:00"), hours{24}, time_basis::whole_day) == at("2026-10-01T00:00"));
  CHECK(cal().add_working_time(at("2026-10-03T10:00"), hours{0}, time_basis::whole_day) == at("2026-10-03T10:00"));
  CHECK_THROWS_AS((void)cal().add_working_time(at("2026-10-03T10:00"), -hours{1}, time_basis::whole_day),
                  dueday::error);
  CHECK_THROWS_AS((void)cal().add_working_time(at("2026-12-31T10:00"), hours{24}, time_basis::whole_day),
                  dueday::coverage_error);
  CHECK(cal().add_working_time(at("2026-12-31T10:00"), hours{24}, time_basis::whole_day,
                               dueday::coverage::provisional) == at("2027-01-04T10:00"));
}

TEST_CASE("working time: add then between gives the amount back, over a grid of instants") {
  int mismatches = 0;
  for (auto t = at("2025-12-20T00:00"); t < at("2026-02-28T00:00"); t += minutes{97}) {
    for (const auto basis : {time_basis::office_hours, time_basis::whole_day}) {
      for (const seconds w :
           {seconds{1}, seconds{hours{1}}, seconds{hours{7}}, seconds{hours{30}}, seconds{hours{100}}}) {
        const auto end = cal().add_working_time(t, w, basis);
        if (cal().working_time_between(t, end, basis) != w || end <= t ||
            cal().working_time_between(t, end - seconds{1}, basis) >= w) {
          ++mismatches;
        }
      }
    }
  }
  CHECK(mismatches == 0);
}

TEST_CASE("working time: other office hours through with_office_hours") {
  using I = dueday::office_hours::interval;
  const auto c = cal().with_office_hours(dueday::office_hours({I{hours{8}, hours{12}}, I{hours{14}, hours{18}}}));
  CHECK(c.hours().per_day() == hours{8});
  CHECK(c.add_working_time(at("2026-09-30T17:00"), hours{2}, time_basis::office_hours) == at("2026-10-08T09:00"));
  CHECK(cal().hours().per_day() == hours{7});
}
