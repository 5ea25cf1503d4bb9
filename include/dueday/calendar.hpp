// dueday/calendar.hpp — the working-day calendar of mainland China.
//
// A day is a working day when it is Monday to Friday and no holiday notice makes it a day off, or
// when it is a Saturday or Sunday that a notice makes a make-up working day (调休上班). The
// calendar is built from the State Council's notices (see io.hpp), optionally with local overlays
// on top, and answers in O(1) from per-day tables:
//
//   auto cal = dueday::builtin_calendar();
//   cal.day(civil_day{2026y / October / 10}).kind      // day_kind::makeup_workday (国庆节)
//   cal.advance(civil_day{2026y / September / 30}, working_days{1})  // 2026-10-08
//   cal.count(civil_day{2026y / September / 30}, civil_day{2026y / October / 12})  // working_days{4}
//
// Coverage: the notices cover whole years (2007-2026 in the bundled data). A strict query that
// needs a day outside them throws coverage_error; never is such a day silently taken as Mon-Fri.
// With coverage::provisional, days after the last notice are projected — weekends plus the
// fixed-date statutory holidays 元旦 (01-01), 劳动节 (05-01, 05-02) and 国庆节 (10-01..10-03) —
// and the caller learns a result is provisional from covers().
//
// Thread safety: a calendar is immutable. Copies share one table and are safe to use from any
// number of threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dueday/error.hpp"
#include "dueday/units.hpp"
#include "dueday/working_time.hpp"

namespace dueday {

// What a day is.
enum class day_kind : std::uint8_t {
  workday,         // Monday to Friday, no notice about it
  restday,         // Saturday or Sunday, no notice about it
  holiday,         // a day off by a notice (any weekday, including weekends inside a holiday)
  makeup_workday,  // a Saturday or Sunday made a working day by a notice (调休上班)
};

// "workday", "restday", "holiday", "makeup-workday".
[[nodiscard]] std::string_view to_string(day_kind k) noexcept;

// Whether a query may go past the holiday data.
enum class coverage : std::uint8_t {
  strict,       // a day outside the notices throws coverage_error
  provisional,  // days after the notices are projected (see the header comment)
};

// One dated line of a notice: a day off or a make-up working day.
struct notice_entry {
  civil_day day;
  bool off = true;   // false: make-up working day
  std::string name;  // the holiday it belongs to, e.g. "国庆节"
  int line = 0;      // where it stands in the notice's file (for messages)
};

// A holiday notice: the State Council's for a year, an amending notice, or a local overlay.
struct notice {
  int year = 0;         // the year it arranges
  std::string number;   // e.g. "国办发明电〔2025〕7号"; may be empty when unknown
  std::string title;    // e.g. "国务院办公厅关于2026年部分节假日安排的通知"
  civil_day published;  // date of publication
  std::string amends;   // number of the notice whose dates this one may replace, or empty
  int amends_line = 0;  // where `amends` stands in the file (for messages)
  std::string region;   // empty for national notices; the overlay's name otherwise
  std::string source;   // file it was read from ("holidays/cn/2026.toml"), or a given name
  std::vector<notice_entry> entries;

  // The number, or the title when the number is unknown.
  [[nodiscard]] const std::string& citation() const { return number.empty() ? title : number; }
};

// Everything the calendar knows of one day.
struct day_info {
  civil_day day;
  day_kind kind = day_kind::workday;
  std::string name;          // holiday name for holiday / makeup_workday, else empty
  std::string notice;        // citation of the notice that set it, or "projected: ..." / empty
  std::string source;        // "file:line" of the entry, or empty
  bool provisional = false;  // past the last notice: projected, not published

  [[nodiscard]] bool is_working_day() const noexcept {
    return kind == day_kind::workday || kind == day_kind::makeup_workday;
  }
};

// How to build a calendar.
struct calendar_options {
  std::string zone = "Asia/Shanghai";  // IANA zone, looked up through date/tz
  office_hours hours;                  // default 09:00-12:00, 13:00-17:00
  int projection_years = 3;            // years projected after the last notice
};

namespace detail {
struct calendar_data;
// A flat view into calendar_data for the inline O(1) queries.
struct day_table {
  std::int32_t first = 0;        // serial day (days since 1970-01-01) of index 0
  std::int32_t covered_end = 0;  // index one past the last covered day
  std::int32_t size = 0;         // index one past the last projected day
  std::int32_t working_count = 0;
  const std::uint8_t* kind = nullptr;    // [size] day_kind
  const std::int32_t* before = nullptr;  // [size + 1] working days with a smaller index
  const std::int32_t* nth = nullptr;     // [working_count] index of the k-th working day
};
}  // namespace detail

class calendar {
 public:
  // Builds from national notices and local overlays (notice::region non-empty). Throws
  // parse_error naming file:line for conflicting entries (a date in two notices, unless the later
  // one amends the earlier), dueday::error for missing years between notices or an unknown zone.
  calendar(std::vector<notice> notices, calendar_options options = {});

  // --- days -------------------------------------------------------------------------------
  // What d is. Throws coverage_error outside the notices (strict) or the projection (provisional).
  [[nodiscard]] day_info day(civil_day d, coverage c = coverage::strict) const;
  // Whether d is a working day. Throws as day().
  [[nodiscard]] bool is_working_day(civil_day d, coverage c = coverage::strict) const {
    return is_working(index_of(d, c));
  }
  // The working day n working days after d (d itself not counted), n >= 1; the n-th before d for
  // n <= -1; d for n == 0. O(1). Throws coverage_error when d or the result is outside.
  [[nodiscard]] civil_day advance(civil_day d, working_days n, coverage c = coverage::strict) const;
  // The first working day after d, and the last before d.
  [[nodiscard]] civil_day next_working_day(civil_day d, coverage c = coverage::strict) const {
    return advance(d, working_days{1}, c);
  }
  [[nodiscard]] civil_day previous_working_day(civil_day d, coverage c = coverage::strict) const {
    return advance(d, working_days{-1}, c);
  }
  // The number of working days w with from < w <= to; negative (-count(to, from)) when to < from.
  // O(1). Throws coverage_error when either end is outside.
  [[nodiscard]] working_days count(civil_day from, civil_day to, coverage c = coverage::strict) const {
    const std::int32_t a = index_of(from, c);
    const std::int32_t b = index_of(to, c);
    return working_days{t_.before[b + 1] - t_.before[a + 1]};
  }

  // --- coverage ---------------------------------------------------------------------------
  // Whether d lies within the published notices.
  [[nodiscard]] bool covers(civil_day d) const noexcept {
    const std::int64_t i = serial(d) - t_.first;
    return i >= 0 && i < t_.covered_end;
  }
  [[nodiscard]] civil_day first_covered() const noexcept { return day_at(0); }
  [[nodiscard]] civil_day last_covered() const noexcept { return day_at(t_.covered_end - 1); }
  // The last day a provisional query may reach.
  [[nodiscard]] civil_day projection_end() const noexcept { return day_at(t_.size - 1); }

  // --- instants ---------------------------------------------------------------------------
  // The calendar's zone name and its UTC offset (constant over the calendar's range).
  [[nodiscard]] const std::string& zone() const noexcept;
  [[nodiscard]] utc_offset offset() const noexcept;
  [[nodiscard]] const office_hours& hours() const noexcept;
  // The civil day of t in the calendar's zone, and the instant of a local wall time on day d.
  [[nodiscard]] civil_day day_of(instant t) const noexcept;
  [[nodiscard]] std::chrono::seconds time_of_day(instant t) const noexcept;
  [[nodiscard]] instant at(civil_day d, std::chrono::seconds time_of_day) const noexcept;

  // Working time in [a, b) under the basis; negative when b < a. Throws coverage_error when an
  // end lies outside.
  [[nodiscard]] working_time working_time_between(instant a, instant b, time_basis basis,
                                                  coverage c = coverage::strict) const;
  // The earliest instant at which w (>= 0) of working time has passed since a: a deadline that
  // uses up a working day's last second lands at that day's close (17:00, or 24:00 for whole
  // days), not at the next opening. Throws coverage_error when the result would lie outside.
  [[nodiscard]] instant add_working_time(instant a, working_time w, time_basis basis,
                                         coverage c = coverage::strict) const;
  // The same without throwing: nullopt when a or the result lies outside what c allows, or w < 0.
  [[nodiscard]] std::optional<instant> try_add_working_time(instant a, working_time w, time_basis basis,
                                                            coverage c = coverage::strict) const noexcept;

  // --- provenance -------------------------------------------------------------------------
  // The notices it was built from, national first, in the order they were applied.
  [[nodiscard]] const std::vector<notice>& notices() const noexcept;
  // A short hash of everything the answers depend on (zone, office hours, projection, every
  // notice's dates): two calendars with the same fingerprint answer alike. Snapshots and stores
  // record it to refuse state computed under another calendar.
  [[nodiscard]] std::string fingerprint() const;
  // A new calendar: this one with an overlay (a notice with region set) on top.
  [[nodiscard]] calendar with_overlay(notice overlay) const;
  // A new calendar with other office hours.
  [[nodiscard]] calendar with_office_hours(office_hours hours) const;

 private:
  explicit calendar(std::shared_ptr<const detail::calendar_data> data);
  static std::int64_t serial(civil_day d) noexcept { return d.days().time_since_epoch().count(); }
  [[nodiscard]] civil_day day_at(std::int64_t index) const noexcept {
    return civil_day{std::chrono::sys_days{std::chrono::days{t_.first + index}}};
  }
  [[nodiscard]] bool is_working(std::int32_t i) const noexcept {
    const auto k = static_cast<day_kind>(t_.kind[i]);
    return k == day_kind::workday || k == day_kind::makeup_workday;
  }
  // The table index of d; throws coverage_error when d is outside what c allows.
  [[nodiscard]] std::int32_t index_of(civil_day d, coverage c) const {
    const std::int64_t i = serial(d) - t_.first;
    if (i < 0 || i >= limit(c)) [[unlikely]]
      throw_outside(d, c);
    return static_cast<std::int32_t>(i);
  }
  [[nodiscard]] std::int32_t limit(coverage c) const noexcept {
    return c == coverage::strict ? t_.covered_end : t_.size;
  }
  // Working time from the table's first day to t; 24:00 of the last day in range is in range.
  [[nodiscard]] working_time position(instant t, time_basis basis, coverage c) const;
  [[noreturn]] void throw_outside(civil_day d, coverage c) const;
  [[noreturn]] void throw_advance_outside(civil_day d, working_days n, coverage c) const;

  std::shared_ptr<const detail::calendar_data> d_;
  detail::day_table t_;
};

inline civil_day calendar::advance(civil_day d, working_days n, coverage c) const {
  const std::int32_t i = index_of(d, c);
  const std::int64_t n64 = n.count();
  if (n64 == 0) return d;
  const std::int64_t k = n64 > 0 ? t_.before[i + 1] + n64 - 1 : t_.before[i] + n64;
  if (k < 0 || k >= t_.working_count || t_.nth[k] >= limit(c)) [[unlikely]]
    throw_advance_outside(d, n, c);
  return day_at(t_.nth[k]);
}

}  // namespace dueday
