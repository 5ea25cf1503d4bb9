// Dates and instants: parse_civil_day, try_parse_civil_day and parse_instant (dueday/io.hpp).
//
// Fixed-width ISO 8601 forms only, read field by field: every field has exactly its digits, every
// separator is where it belongs, and nothing may follow the last field.
#include "dueday/io.hpp"

#include <fmt/format.h>

#include <charconv>
#include <chrono>
#include <cstddef>
#include <system_error>

#include "dueday/error.hpp"

namespace dueday {

using namespace std::chrono;

namespace {

// The decimal field s[at, at + len): exactly `len` digits, no sign, no space.
bool field(std::string_view s, std::size_t at, std::size_t len, unsigned& v) noexcept {
  if (at > s.size() || s.size() - at < len) return false;
  const char* b = s.data() + at;
  const auto r = std::from_chars(b, b + len, v);
  return r.ec == std::errc{} && r.ptr == b + len;
}

// "Z", "z", or "+HH:MM" / "-HH:MM" up to 14:00 either way (the widest offset in use, UTC+14).
bool parse_offset(std::string_view s, utc_offset& out) noexcept {
  if (s == "Z" || s == "z") {
    out = utc_offset{0};
    return true;
  }
  unsigned h = 0, m = 0;
  if (s.size() != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':' || !field(s, 1, 2, h) || !field(s, 4, 2, m))
    return false;
  if (m > 59 || h * 60 + m > 14 * 60) return false;
  const utc_offset off = hours{h} + minutes{m};
  out = s[0] == '-' ? -off : off;
  return true;
}

// YYYY-MM-DD, then optionally [T or space]HH:MM[:SS] and, after a time, Z or ±HH:MM.
bool try_parse_instant(std::string_view s, utc_offset assumed, instant& out) noexcept {
  civil_day day;
  if (s.size() < 10 || !try_parse_civil_day(s.substr(0, 10), day)) return false;
  seconds time{0};
  utc_offset offset = assumed;
  if (s.size() > 10) {
    unsigned hh = 0, mm = 0, ss = 0;
    if ((s[10] != 'T' && s[10] != ' ') || !field(s, 11, 2, hh) || s.size() < 16 || s[13] != ':' || !field(s, 14, 2, mm))
      return false;
    std::size_t end = 16;
    if (s.size() > 16 && s[16] == ':') {
      if (!field(s, 17, 2, ss)) return false;
      end = 19;
    }
    if (hh > 23 || mm > 59 || ss > 59) return false;  // no 24:00, no leap second
    if (end < s.size() && !parse_offset(s.substr(end), offset)) return false;
    time = hours{hh} + minutes{mm} + seconds{ss};
  }
  out = instant{day.days()} + time - offset;
  return true;
}

}  // namespace

bool try_parse_civil_day(std::string_view s, civil_day& out) noexcept {
  unsigned y = 0, m = 0, d = 0;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-' || !field(s, 0, 4, y) || !field(s, 5, 2, m) || !field(s, 8, 2, d))
    return false;
  const year_month_day ymd{year{static_cast<int>(y)}, month{m}, day{d}};
  if (!ymd.ok()) return false;
  out = civil_day{ymd};
  return true;
}

civil_day parse_civil_day(std::string_view text) {
  civil_day d;
  if (!try_parse_civil_day(text, d)) throw error(fmt::format("bad date {} (expected YYYY-MM-DD)", quote(text)));
  return d;
}

instant parse_instant(std::string_view text, utc_offset assumed) {
  instant t{};
  if (!try_parse_instant(text, assumed, t)) {
    throw error(fmt::format("bad date-time {} (expected ISO 8601 such as 2026-09-28T10:00:00+08:00)", quote(text)));
  }
  return t;
}

}  // namespace dueday
