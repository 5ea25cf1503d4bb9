// dueday/io.hpp — reading holiday notices, and ISO-8601 dates and instants.
//
// A notice file (holidays/cn/2026.toml) is TOML a clerk can edit when next year's notice
// appears; one file per notice:
//
//   year = 2026
//   notice = "国办发明电〔2025〕7号"
//   title = "国务院办公厅关于2026年部分节假日安排的通知"
//   published = 2025-11-04
//   # amends = "..."        an amending notice may replace dates the named notice set
//   # region = "..."        a local overlay instead of a national notice
//
//   [[holiday]]
//   name = "国庆节"
//   off = [2026-10-01, 2026-10-02, 2026-10-03, 2026-10-04, 2026-10-05, 2026-10-06, 2026-10-07]
//   work = [2026-09-20, 2026-10-10]
//
// Dates may lie from December 1 of the year before through December 31 of the year (元旦 is
// often arranged across the turn of the year). A make-up working day must be a Saturday or
// Sunday; `off` and `work`, when given, list at least one date. The year is 1992 to 2200 (before
// 1992 China kept summer time, and a calendar needs one UTC offset). A notice is published from
// January 1 of the year before through December 31 of the year it arranges: the State Council's
// yearly notices appear from October to December before their year, amending ones within it.
//
// Among national notices, a second one for a year that amends none may add holidays (2015's
// notice for the 70th anniversary of the war's end) but not arrange one another notice of that
// year arranges. An overlay (`region`) changes only days the national notices cover, amends
// nothing, and agrees with other overlays on every day both set; it is given apart, never in the
// folder of national notices. Each is refused by the calendar with the entry's file:line.
//
// Before parsing, the text must keep within limits (1 MiB, 4096-byte lines, dotted keys
// and nesting 32 deep) and hold no non-ASCII character outside strings and comments ("unexpected
// '、' (U+3001) after a value"): Debian's toml++ 3.3 overflows its stack or reaches undefined
// behaviour on such text. Every problem is a parse_error "file:line: message".
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "dueday/calendar.hpp"
#include "dueday/format.hpp"  // format_civil_day, format_instant: the inverse of the parsers here
#include "dueday/units.hpp"

namespace dueday {

// Parses one notice. `source` names the text in messages. Throws parse_error.
[[nodiscard]] notice parse_notice(std::string_view text, std::string source);
// Reads and parses one notice file. Throws parse_error, also for what is no readable regular file
// ("is a directory", "is a FIFO, not a regular file", "a broken symbolic link"); a FIFO is refused
// without waiting for a writer.
[[nodiscard]] notice load_notice(const std::filesystem::path& file);
// Reads every *.toml directly in `dir` (sorted by name) and builds a calendar. Each must be a
// national notice: a broken link, a link loop, a FIFO or a folder named *.toml is refused, naming
// it, as is an unreadable `dir` (skipped, it would end the coverage early without a word), and so
// is an overlay (`region`; keep those in dir/regions/). Other names (README, regions/) are not
// read. Throws parse_error for a bad file or an empty directory, dueday::error as calendar's
// constructor.
[[nodiscard]] calendar load_calendar(const std::filesystem::path& dir, calendar_options options = {});
// The national calendar compiled into the library from holidays/cn (2007-2026). Built once, on
// first use; thread-safe.
[[nodiscard]] calendar builtin_calendar();
// The notices compiled into the library, parsed.
[[nodiscard]] std::vector<notice> builtin_notices();

// "2026-10-10" -> civil_day. Strict YYYY-MM-DD (four-digit year, two-digit month and day, a real
// calendar date); throws dueday::error naming the text (quote()).
[[nodiscard]] civil_day parse_civil_day(std::string_view text);
// The same without throwing: false when text is not a valid YYYY-MM-DD date.
[[nodiscard]] bool try_parse_civil_day(std::string_view text, civil_day& out) noexcept;
// ISO-8601 date-time in one of the fixed forms
//   2026-09-28                  a bare date: 00:00 at `assumed`
//   2026-09-28T10:00            seconds optional; a space may stand for the T
//   2026-09-28T10:00:00
// the two with a time optionally followed by Z (or z) or an offset +HH:MM / -HH:MM of at most
// 14:00: "2026-09-28T10:00:00+08:00", "2026-09-28 10:00Z". Without an offset, `assumed` applies.
// Every field has exactly its digits (no "T1:2:3", no "+8:00"); hours 00-23, minutes and seconds
// 00-59 (no 24:00, no leap second); nothing may come before or after. Throws dueday::error
// "bad date-time '<text>' (expected ...)" naming the text (quote()).
[[nodiscard]] instant parse_instant(std::string_view text, utc_offset assumed = beijing_offset);

}  // namespace dueday
