// dueday/units.hpp — the vocabulary types: a civil day in Beijing time, an instant, a count of
// working days, and working time.
//
// A civil day is a date on the wall calendar in Beijing (UTC+08:00); an instant is a point on the
// UTC time line. They convert only through a calendar, which knows the zone. Working days are not
// a duration: 2025-01-24 plus 4 working days is 2025-02-06 under the 2025 notice (Sunday 01-26 is a
// make-up working day, 01-28..02-04 are the Spring Festival), so `civil_day + working_days` does
// not compile; `calendar::advance` is the only way to add them.
#pragma once

#include <chrono>
#include <compare>
#include <cstdint>

namespace dueday {

// A point in time, UTC, whole seconds.
using instant = std::chrono::sys_seconds;

// Working time: the part of an interval that falls on working days (and, under office hours,
// inside them). Plain seconds; what counts as working is the calendar's business.
using working_time = std::chrono::seconds;

// A date in Beijing civil time. Wraps a serial day number: comparison and stepping are integer
// operations. Not a sys_time on purpose: fmt 9 prints sys_time in the host's zone.
class civil_day {
 public:
  constexpr civil_day() = default;  // 1970-01-01
  constexpr explicit civil_day(std::chrono::year_month_day ymd) : d_(ymd) {}
  constexpr explicit civil_day(std::chrono::sys_days d) : d_(d) {}

  // The year, month and day.
  [[nodiscard]] constexpr std::chrono::year_month_day ymd() const { return std::chrono::year_month_day{d_}; }
  // The serial day (days since 1970-01-01), as a chrono time point.
  [[nodiscard]] constexpr std::chrono::sys_days days() const { return d_; }
  // Monday..Sunday.
  [[nodiscard]] constexpr std::chrono::weekday weekday() const { return std::chrono::weekday{d_}; }
  // Saturday or Sunday.
  [[nodiscard]] constexpr bool is_weekend() const {
    const unsigned w = weekday().c_encoding();
    return w == 0 || w == 6;
  }

  friend constexpr civil_day operator+(civil_day a, std::chrono::days n) { return civil_day{a.d_ + n}; }
  friend constexpr civil_day operator-(civil_day a, std::chrono::days n) { return civil_day{a.d_ - n}; }
  // Calendar days from b to a.
  friend constexpr std::chrono::days operator-(civil_day a, civil_day b) { return a.d_ - b.d_; }
  friend constexpr bool operator==(civil_day, civil_day) = default;
  // clang-tidy 14 sees a literal 0 in the defaulted <=> (a known false positive).
  friend constexpr auto operator<=>(civil_day, civil_day) = default;  // NOLINT(modernize-use-nullptr)

 private:
  std::chrono::sys_days d_{};
};

// A number of working days. Not a chrono duration: a working day has no fixed length.
class working_days {
 public:
  constexpr explicit working_days(std::int32_t n) : n_(n) {}
  [[nodiscard]] constexpr std::int32_t count() const { return n_; }
  friend constexpr working_days operator-(working_days a) { return working_days{-a.n_}; }
  friend constexpr bool operator==(working_days, working_days) = default;
  friend constexpr auto operator<=>(working_days, working_days) = default;

 private:
  std::int32_t n_;
};

// An offset from UTC, such as +08:00 for Beijing time.
using utc_offset = std::chrono::seconds;

// Beijing time: UTC+08:00, with no daylight saving since 1991.
inline constexpr utc_offset beijing_offset{8 * 3600};

}  // namespace dueday
