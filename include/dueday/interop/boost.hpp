// dueday/interop/boost.hpp — opt-in conversions between Boost.Date_Time and dueday.
//
// For hosts that keep their dates as boost::gregorian::date. Header-only; include it only where
// Boost.Date_Time is on the include path (find_package(Boost COMPONENTS date_time)).
//
//   dueday::to_civil_day(boost::gregorian::date(2026, 10, 10))   // civil_day 2026-10-10
//   dueday::to_boost(civil_day{2026y / October / 10})             // boost date 2026-Oct-10
#pragma once

#include <boost/date_time/gregorian/gregorian_types.hpp>
#include <chrono>

#include "dueday/units.hpp"

namespace dueday {

// Throws std::out_of_range for a not-a-date or infinite boost date.
[[nodiscard]] inline civil_day to_civil_day(const boost::gregorian::date& d) {
  if (d.is_special()) throw std::out_of_range("dueday::to_civil_day: special boost date");
  const auto ymd = d.year_month_day();
  return civil_day{std::chrono::year{static_cast<int>(ymd.year)} / static_cast<unsigned>(ymd.month) /
                   static_cast<unsigned>(ymd.day)};
}

// Boost supports years 1400-9999; throws std::out_of_range outside them.
[[nodiscard]] inline boost::gregorian::date to_boost(civil_day d) {
  const auto ymd = d.ymd();
  return boost::gregorian::date(static_cast<unsigned short>(static_cast<int>(ymd.year())),
                                static_cast<unsigned short>(static_cast<unsigned>(ymd.month())),
                                static_cast<unsigned short>(static_cast<unsigned>(ymd.day())));
}

}  // namespace dueday
