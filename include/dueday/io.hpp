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
// Sunday. Every problem is a parse_error "file:line: message".
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
// Reads and parses one notice file. Throws parse_error (also for an unreadable file).
[[nodiscard]] notice load_notice(const std::filesystem::path& file);
// Reads every *.toml directly in `dir` (sorted by name) and builds a calendar. Throws parse_error
// for a bad file or an empty directory, dueday::error as calendar's constructor.
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
