#include <dueday/interop/boost.hpp>  // first, alone: proves the header stands on its own

#include <doctest/doctest.h>

TEST_CASE("boost interop: dates convert both ways") {
  using namespace std::chrono;
  const boost::gregorian::date b(2026, 10, 10);
  CHECK(dueday::to_civil_day(b) == dueday::civil_day{2026y / October / 10});
  CHECK(dueday::to_boost(dueday::civil_day{2024y / February / 29}) == boost::gregorian::date(2024, 2, 29));
  CHECK_THROWS_AS((void)dueday::to_civil_day(boost::gregorian::date(boost::gregorian::not_a_date_time)),
                  std::out_of_range);
}
