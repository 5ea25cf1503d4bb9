// libFuzzer target: a holiday notice (TOML, as holidays/cn/*.toml) through parse_notice, and the
// calendars built from it.
//
// Input: the text of one notice (seeds/notice/ holds the bundled ones). Properties:
// - parse_notice throws nothing but parse_error;
// - a national notice alone, and with the bundled notices, builds a calendar or is refused with a
//   dueday::error; an overlay (`region`) goes on top of the built-in calendar the same way;
// - each built calendar agrees with itself day by day (check_days below) and with the notice's
//   own entries.
#include <dueday/calendar.hpp>
#include <dueday/deadline.hpp>
#include <dueday/io.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fuzz_support.hpp"

namespace {

using namespace dueday;
using namespace std::chrono;

constexpr coverage projected = coverage::provisional;

std::string at_day(civil_day d) { return fmt::format("on {}", format_civil_day(d)); }

// Whether advance() threw coverage_error (nullopt) or answered.
std::optional<civil_day> try_advance(const calendar& cal, civil_day d, std::int32_t n) {
  try {
    return cal.advance(d, working_days{n}, projected);
  } catch (const coverage_error&) {
    return std::nullopt;
  }
}

// Every day of [from, to] within the calendar's range (projection included): the day's kind,
// is_working_day, count, advance by one either way and by a month's count, the working time of the
// day, strict coverage, and a deadline from the day.
void check_days(const calendar& cal, civil_day from, civil_day to) {
  const civil_day first = cal.first_covered();
  const civil_day last = cal.projection_end();
  fuzz::check(first <= cal.last_covered() && cal.last_covered() <= last, "the calendar's range is out of order");
  from = std::max(from, first);
  to = std::min(to, last);
  for (civil_day d = from; d <= to; d = d + days{1}) {
    const std::string where = at_day(d);
    const day_info info = cal.day(d, projected);
    const bool working = cal.is_working_day(d, projected);
    fuzz::check(info.day == d, "day() answered for another day", where);
    fuzz::check(working == info.is_working_day(), "is_working_day() disagrees with day()", where);
    fuzz::check(info.provisional == !cal.covers(d), "day().provisional disagrees with covers()", where);
    const bool weekend = d.is_weekend();
    fuzz::check(info.kind != day_kind::restday || weekend, "a weekday is a rest day", where);
    fuzz::check(info.kind != day_kind::makeup_workday || weekend, "a weekday is a make-up working day", where);
    fuzz::check(info.kind != day_kind::workday || !weekend, "a weekend day is an ordinary working day", where);
    if (cal.covers(d)) {
      fuzz::check(cal.day(d).kind == info.kind, "strict and provisional day() disagree", where);
    } else {
      bool threw = false;
      try {
        (void)cal.day(d);
      } catch (const coverage_error&) {
        threw = true;
      }
      fuzz::check(threw, "a strict query past the notices did not throw coverage_error", where);
    }
    if (d > first) {
      fuzz::check(cal.count(d - days{1}, d, projected).count() == (working ? 1 : 0),
                  "count() over one day disagrees with is_working_day()", where);
    }
    fuzz::check(cal.count(d, d, projected).count() == 0, "count(d, d) is not 0", where);

    if (const auto next = try_advance(cal, d, 1)) {
      fuzz::check(*next > d && cal.is_working_day(*next, projected), "advance(d, 1) is no later working day", where);
      fuzz::check(cal.count(d, *next, projected).count() == 1, "count(d, advance(d, 1)) is not 1", where);
      fuzz::check(cal.count(d, *next - days{1}, projected).count() == 0, "advance(d, 1) skipped a working day", where);
    } else {
      fuzz::check(cal.count(d, last, projected).count() == 0, "advance(d, 1) threw before the last working day", where);
    }
    if (const auto prev = try_advance(cal, d, -1)) {
      fuzz::check(*prev < d && cal.is_working_day(*prev, projected), "advance(d, -1) is no earlier working day", where);
      fuzz::check(cal.count(*prev, d, projected).count() == (working ? 1 : 0),
                  "count(advance(d, -1), d) disagrees with is_working_day(d)", where);
      fuzz::check(cal.count(*prev, d - days{1}, projected).count() == 0, "advance(d, -1) skipped a working day", where);
    } else {
      fuzz::check(d == first ||
                      (!cal.is_working_day(first, projected) && cal.count(first, d - days{1}, projected).count() == 0),
                  "advance(d, -1) threw after the first working day", where);
    }
    const civil_day month_on = std::min(d + days{31}, last);
    const std::int32_t n = cal.count(d, month_on, projected).count();
    if (n > 0) {
      const auto r = try_advance(cal, d, n);
      fuzz::check(r && *r <= month_on && cal.is_working_day(*r, projected) && cal.count(d, *r, projected).count() == n,
                  "advance(d, count(d, e)) is not the last working day up to e", where);
      const auto back = try_advance(cal, *r, -n);
      // The last working day up to d, if there is one.
      if (back) {
        fuzz::check(*back <= d && cal.is_working_day(*back, projected) && cal.count(*back, d, projected).count() == 0,
                    "advance(advance(d, n), -n) is not the last working day up to d", where);
      } else {
        fuzz::check(!cal.is_working_day(first, projected) && cal.count(first, d, projected).count() == 0,
                    "advance(advance(d, n), -n) threw after the first working day", where);
      }
    }

    const instant midnight = cal.at(d, seconds{0});
    fuzz::check(cal.day_of(midnight) == d && cal.time_of_day(midnight) == seconds{0}, "at() and day_of() disagree",
                where);
    if (d < last) {
      const instant next_midnight = cal.at(d + days{1}, seconds{0});
      fuzz::check(cal.working_time_between(midnight, next_midnight, time_basis::whole_day, projected) ==
                      (working ? seconds{days{1}} : seconds{0}),
                  "a whole day's working time disagrees with is_working_day()", where);
      fuzz::check(cal.working_time_between(midnight, next_midnight, time_basis::office_hours, projected) ==
                      (working ? cal.hours().per_day() : seconds{0}),
                  "a day's office time disagrees with is_working_day()", where);
    }
    try {
      const deadline_result r = deadline(cal, cal.at(d, hours{10}), working_days{2}, {.cover = projected});
      const civil_day end = r.last_day;
      fuzz::check(end > d && cal.count(d, end, projected).count() == 2 && cal.is_working_day(end, projected),
                  "a 2-working-day deadline does not end on the 2nd working day after its start", where);
    } catch (const coverage_error&) {
      fuzz::check(!try_advance(cal, d, 2) || !try_advance(cal, d, 3),
                  "a deadline threw coverage_error well inside the calendar", where);
    }
  }
}

// The days the notice sets are as it says, where no later notice replaces them.
void check_entries(const calendar& cal, const notice& n) {
  for (const notice_entry& e : n.entries) {
    if (!cal.covers(e.day)) continue;
    const day_info info = cal.day(e.day);
    if (info.source != fmt::format("{}:{}", n.source, e.line)) continue;  // amended by a later notice
    const day_kind expected = e.off                ? day_kind::holiday
                              : e.day.is_weekend() ? day_kind::makeup_workday
                                                   : day_kind::workday;
    fuzz::check(info.kind == expected, "a day of the notice is not what the notice says", at_day(e.day));
  }
}

civil_day first_of_year(int y) { return civil_day{year{y} / January / 1}; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return fuzz::run([&] {
    notice n;
    try {
      n = parse_notice(fuzz::text_of(data, size), "fuzz.toml");
    } catch (const parse_error&) {
      return;
    }
    // Dates lie from December 1 of the year before through December 31 of the year.
    const civil_day from = first_of_year(n.year) - days{31};
    const civil_day to = first_of_year(n.year + 1) - days{1};
    static const std::vector<notice> bundled = builtin_notices();

    if (n.region.empty()) {
      try {
        const calendar alone({n});
        check_entries(alone, n);
        check_days(alone, alone.first_covered(), alone.projection_end());
      } catch (const coverage_error& e) {
        fuzz::fail("coverage_error from a query inside the calendar", e.what());
      } catch (const error&) {  // refused: conflicting entries and the like
      }
      std::vector<notice> all = bundled;
      all.push_back(n);
      try {
        const calendar with(std::move(all));
        check_entries(with, n);
        check_days(with, from, to);
      } catch (const coverage_error& e) {
        fuzz::fail("coverage_error from a query inside the calendar", e.what());
      } catch (const error&) {  // refused: a year already arranged, a gap in the years, ...
      }
    } else {
      try {
        const calendar with = builtin_calendar().with_overlay(n);
        check_entries(with, n);
        check_days(with, from, to);
      } catch (const coverage_error& e) {
        fuzz::fail("coverage_error from a query inside the calendar", e.what());
      } catch (const error&) {  // refused: outside the national notices, overlays that disagree, ...
      }
    }
  });
}
