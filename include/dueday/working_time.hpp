// dueday/working_time.hpp — office hours: which part of a working day counts as working time.
//
// The default is the Chinese civil-service day, 09:00-12:00 and 13:00-17:00 (7 hours). Under the
// `hours` counting rule, 2 working days from Friday 2026-09-25 10:00 are 14 hours of office
// time; the 25th is 中秋节, so the count starts at 09:00 on Monday 09-28 and ends at 17:00 on 09-29.
// `time_basis::whole_day` instead counts a working day as its full 24 hours, which is what the Civil Code's "ends at
// 24:00" period uses.
#pragma once

#include <chrono>
#include <vector>

#include "dueday/units.hpp"

namespace dueday {

// What part of a working day counts as working time.
enum class time_basis : unsigned char {
  whole_day,     // 00:00-24:00 of every working day (civil-law periods)
  office_hours,  // the calendar's office hours only
};

// The working intervals of one day, as offsets from local midnight. Immutable; value type.
class office_hours {
 public:
  struct interval {
    std::chrono::seconds begin;  // inclusive
    std::chrono::seconds end;    // exclusive
    friend bool operator==(const interval&, const interval&) = default;
  };

  // 09:00-12:00 and 13:00-17:00.
  office_hours();
  // Intervals must be non-empty, sorted, disjoint and inside [00:00, 24:00]; throws dueday::error
  // naming the first bad interval otherwise.
  explicit office_hours(std::vector<interval> intervals);
  // 00:00-24:00.
  [[nodiscard]] static office_hours whole_day();

  // Working time in one working day (7 h by default).
  [[nodiscard]] working_time per_day() const noexcept { return per_day_; }
  // Opening (start of the first interval) and close of business (end of the last).
  [[nodiscard]] std::chrono::seconds opening() const noexcept { return intervals_.front().begin; }
  [[nodiscard]] std::chrono::seconds close() const noexcept { return intervals_.back().end; }
  // Working time in [00:00, tod) of a working day; tod in [0, 24h].
  [[nodiscard]] working_time worked_before(std::chrono::seconds tod) const noexcept;
  // The earliest time of day by which w of working time has passed since 00:00; w in [0, per_day()].
  // reached_at(per_day()) is close(); reached_at(0) is 00:00.
  [[nodiscard]] std::chrono::seconds reached_at(working_time w) const noexcept;
  [[nodiscard]] const std::vector<interval>& intervals() const noexcept { return intervals_; }

  friend bool operator==(const office_hours& a, const office_hours& b) { return a.intervals_ == b.intervals_; }

 private:
  std::vector<interval> intervals_;
  working_time per_day_{};
};

}  // namespace dueday
