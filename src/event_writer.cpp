// event_writer (detail/event_writer.hpp): an event as the JSON text nlohmann's ordered_json gave
// it, byte for byte, written in place: strings escaped eight bytes at a time, instants from a
// small cache.
#include "detail/event_writer.hpp"

#include <fmt/compile.h>
#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>

#include "dueday/format.hpp"

namespace dueday::detail {

using nlohmann::json;
using namespace std::chrono;

namespace {

// What a byte needs in a JSON string: 0 nothing, 1 an escape, 2 a check that the text is UTF-8.
constexpr std::array<std::uint8_t, 256> byte_class = [] {
  std::array<std::uint8_t, 256> t{};
  for (std::size_t c = 0; c < 0x20; ++c) t[c] = 1;
  t['"'] = t['\\'] = 1;
  for (std::size_t c = 0x80; c < 0x100; ++c) t[c] = 2;
  return t;
}();

}  // namespace

char* event_writer::copy(char* p, std::string_view s) noexcept {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

char* event_writer::integer(char* p, std::int64_t v) { return fmt::format_to(p, FMT_COMPILE("{}"), v); }

// `s` as a JSON string: ", \ and the control characters escaped (\b \f \n \r \t, else \u00xx),
// everything else as it is. Text that is not valid UTF-8 goes through nlohmann, whose
// replacement of each ill-formed sequence by U+FFFD is the reference.
char* event_writer::string(char* p, std::string_view s) {
  char* const start = p;
  *p++ = '"';
  // Eight bytes at a time while none needs a look: no control character, quote, backslash or
  // byte of a multi-byte sequence (the usual ASCII ids and names). The last block overlaps the
  // one before it, so that a text of 8 bytes or more needs no byte-by-byte tail.
  std::size_t i = 0;  // s[0, i) is written, unchanged, to [start + 1, p)
  if (s.size() >= 8) {
    constexpr std::uint64_t ones = 0x0101010101010101ULL;
    constexpr std::uint64_t highs = 0x8080808080808080ULL;
    const auto zero_byte = [&](std::uint64_t x) { return (x - ones) & ~x & highs; };
    while (i < s.size()) {
      const std::size_t at = std::min(i, s.size() - 8);
      std::uint64_t w = 0;
      std::memcpy(&w, s.data() + at, 8);
      if (((w | zero_byte(w & 0x6060606060606060ULL)) & highs) != 0 ||  // >= 0x80, or < 0x20
          zero_byte(w ^ (ones * '"')) != 0 || zero_byte(w ^ (ones * '\\')) != 0)
        break;
      std::memcpy(p - (i - at), &w, 8);
      p += at + 8 - i;
      i = at + 8;
    }
  }
  bool utf8_checked = false;
  for (const char ch : s.substr(i)) {
    const auto c = static_cast<unsigned char>(ch);
    switch (byte_class[c]) {
      case 0:
        *p++ = ch;
        continue;
      case 2:
        if (!utf8_checked) {
          if (!simdjson::validate_utf8(s.data(), s.size())) {
            return copy(start, json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace));
          }
          utf8_checked = true;
        }
        *p++ = ch;
        continue;
      default:
        break;
    }
    *p++ = '\\';
    switch (c) {
      case '"':
        *p++ = '"';
        break;
      case '\\':
        *p++ = '\\';
        break;
      case '\b':
        *p++ = 'b';
        break;
      case '\f':
        *p++ = 'f';
        break;
      case '\n':
        *p++ = 'n';
        break;
      case '\r':
        *p++ = 'r';
        break;
      case '\t':
        *p++ = 't';
        break;
      default: {
        constexpr std::string_view hex = "0123456789abcdef";
        *p++ = 'u';
        *p++ = '0';
        *p++ = '0';
        *p++ = hex[c >> 4];
        *p++ = hex[c & 15];
        break;
      }
    }
  }
  *p++ = '"';
  return p;
}

// format_instant(t, offset_), quoted. A command's events mostly share their instants: the last
// few are kept.
char* event_writer::instant_text(char* p, instant t) {
  const cached* hit = nullptr;
  for (const cached& c : cache_)
    if (c.size != 0 && c.t == t) hit = &c;
  if (hit == nullptr) {
    cached& c = cache_[next_];
    next_ = (next_ + 1) % cache_.size();
    c.t = t;
    c.size = static_cast<std::uint8_t>(format(c.text.data(), t) - c.text.data());
    hit = &c;
  }
  std::memcpy(p, hit->text.data(), sizeof hit->text);  // one fixed-size block: cheaper than the exact length
  return p + hit->size;
}

char* event_writer::format(char* p, instant t) const {
  const auto local = t + offset_;
  constexpr sys_seconds first{sys_days{year{0} / January / 1}};
  constexpr sys_seconds past{sys_days{year{10000} / January / 1}};
  *p++ = '"';
  if (offset_ % 60 != seconds{0} || offset_ < -hours{24} || offset_ > hours{24} || local < first || local >= past) {
    p = copy(p, format_instant(t, offset_));  // "<n> s from 1970-01-01T00:00:00Z", or an odd offset
  } else {
    const auto day = floor<days>(local);
    const year_month_day ymd{day};
    const auto in_day = (local - day).count();
    const auto off = offset_.count() / 60;
    const auto abs_off = off < 0 ? -off : off;
    const auto two = [&](long v) {
      *p++ = static_cast<char>('0' + v / 10);
      *p++ = static_cast<char>('0' + v % 10);
    };
    const int y = static_cast<int>(ymd.year());
    two(y / 100);
    two(y % 100);
    *p++ = '-';
    two(static_cast<unsigned>(ymd.month()));
    *p++ = '-';
    two(static_cast<unsigned>(ymd.day()));
    *p++ = 'T';
    two(in_day / 3600);
    *p++ = ':';
    two(in_day / 60 % 60);
    *p++ = ':';
    two(in_day % 60);
    *p++ = off < 0 ? '-' : '+';
    two(abs_off / 60);
    *p++ = ':';
    two(abs_off % 60);
  }
  *p++ = '"';
  return p;
}

// The keys in the order ordered_json kept them; then a clock's unit after its step, and an opening's
// policy and district last.
char* event_writer::write(char* p, const event& e) {
  p = copy(p, R"({"type":)");
  p = string(p, to_string(e.kind));
  p = copy(p, R"(,"case":)");
  p = string(p, e.case_id);
  if (!e.step.empty()) {  // a clock's event: its unit always follows, "" when nobody is named
    p = copy(p, R"(,"step":)");
    p = string(p, e.step);
    p = copy(p, R"(,"unit":)");
    p = string(p, e.unit);
  }
  if (!e.level.empty()) {
    p = copy(p, R"(,"level":)");
    p = string(p, e.level);
  }
  p = copy(p, R"(,"at":)");
  p = instant_text(p, e.at);
  if (e.due) {
    p = copy(p, R"(,"due":)");
    p = instant_text(p, *e.due);
  }
  if (e.previous_due) {
    p = copy(p, R"(,"previous_due":)");
    p = instant_text(p, *e.previous_due);
  }
  if (e.on_time) p = copy(p, *e.on_time ? R"(,"on_time":true)" : R"(,"on_time":false)");
  if (e.elapsed) p = integer(copy(p, R"(,"elapsed_s":)"), e.elapsed->count());
  if (e.remaining) p = integer(copy(p, R"(,"remaining_s":)"), e.remaining->count());
  if (e.due) p = copy(p, e.provisional ? R"(,"provisional":true)" : R"(,"provisional":false)");
  if (e.kind == event_kind::rejected) {
    p = integer(copy(p, R"(,"line":)"), e.line);
    p = string(copy(p, R"(,"code":)"), e.code);
    p = string(copy(p, R"(,"reason":)"), e.detail);
  } else if (!e.detail.empty()) {
    p = copy(p, e.kind == event_kind::case_opened ? R"(,"variant":)" : R"(,"detail":)");
    p = string(p, e.detail);
  }
  if (!e.policy.empty()) p = string(copy(p, R"(,"policy":)"), e.policy);  // case_opened
  if (!e.district.empty()) p = string(copy(p, R"(,"district":)"), e.district);
  *p++ = '}';
  return p;
}

}  // namespace dueday::detail
