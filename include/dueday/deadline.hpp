// dueday/deadline.hpp — legal periods counted in working days, and why a deadline is what it is.
//
// Two counting rules:
//   civil  Civil Code art. 201 and 203 (and Administrative Licensing Law art. 82, which counts
//          licensing limits in working days): the start day is not counted; the period ends at
//          24:00 of the N-th working day after it, or at close of business when asked for.
//          2 WD from Wednesday 2026-09-30 10:00 -> 24:00 of 2026-10-09 (10-01..10-07 国庆节).
//   hours  N x the day's office hours of working time from the exact instant.
//          2 WD from 2026-09-30 10:00 -> 14 h: 6 h on 09-30, 7 h on 10-08, 1 h on 10-09 -> 10:00.
//
//   auto cal = dueday::builtin_calendar();
//   auto d = dueday::deadline(cal, t, working_days{2});            // strict coverage
//   auto e = dueday::explain_deadline(cal, t, working_days{2});     // every day and its reason
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dueday/calendar.hpp"
#include "dueday/units.hpp"

namespace dueday {

enum class counting_rule : std::uint8_t {
  civil,  // start day not counted; ends at 24:00 (or close of business) of the N-th working day
  hours,  // N x office hours of working time from the exact instant
};

// "civil", "hours"; and back (nullopt for anything else).
[[nodiscard]] std::string_view to_string(counting_rule r) noexcept;
[[nodiscard]] std::optional<counting_rule> parse_counting_rule(std::string_view s) noexcept;

struct deadline_options {
  counting_rule rule = counting_rule::civil;
  bool close_of_business = false;  // civil rule: end at the office-hours close, not 24:00
  coverage cover = coverage::strict;
};

struct deadline_result {
  instant due;               // the deadline instant; a 24:00 end is 00:00 of the next day
  civil_day last_day;        // the working day on which the period ends
  bool provisional = false;  // some counted day lies past the holiday notices
};

// The deadline of a period of n >= 1 working days starting at `from`. Throws dueday::error for
// n < 1, coverage_error as calendar::advance / add_working_time.
[[nodiscard]] deadline_result deadline(const calendar& cal, instant from, working_days n,
                                       deadline_options options = {});

// One day between the start and the deadline, and what it did to the count.
struct explained_day {
  day_info info;
  std::int32_t ordinal = 0;  // 1..N for a counted working day, 0 for a day not counted
  working_time counted{};    // working time it contributed (whole day, or office hours)
  std::string reason;        // e.g. "holiday 国庆节 (国办发明电〔2025〕7号)"
};

struct explanation {
  instant from;
  working_days n{0};
  deadline_options options;
  deadline_result result;
  std::vector<explained_day> days;  // the start day through the last day, in order
};

// The deadline with every day from the start day through the last day: counted days with their
// ordinal, skipped days with their reason (weekend, holiday name and notice). Throws as deadline.
[[nodiscard]] explanation explain_deadline(const calendar& cal, instant from, working_days n,
                                           deadline_options options = {});

}  // namespace dueday
