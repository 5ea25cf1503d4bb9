// event_writer (detail/event_writer.hpp): an event as the JSON text nlohmann's ordered_json gave
// it, byte for byte, written in place: each kind's start as one block, strings escaped eight bytes
// at a time, instants by digit pairs.
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

// "{"type":"<kind>","case":" for every event kind: the start of every event.
const std::array<std::string, 15>& event_starts() {
  static const std::array<std::string, 15> starts = [] {
    std::array<std::string, 15> t;
    for (std::size_t k = 0; k < t.size(); ++k)
      t[k] = fmt::format(R"({{"type":"{}","case":)", to_string(static_cast<event_kind>(k)));
    return t;
  }();
  return starts;
}
static_assert(static_cast<std::size_t>(event_kind::rejected) == 14, "event_starts() names every kind");

// "00" to "99".
constexpr std::array<char, 200> digit_pairs = [] {
  std::array<char, 200> t{};
  for (std::size_t v = 0; v < 100; ++v) {
    t[2 * v] = static_cast<char>('0' + v / 10);
    t[2 * v + 1] = static_cast<char>('0' + v % 10);
  }
  return t;
}();

char* two(char* p, long v) noexcept {
  std::memcpy(p, &digit_pairs[2 * static_cast<std::size_t>(v)], 2);
  return p + 2;
}

}  // namespace

event_writer::event_writer(utc_offset offset)
    : offset_(offset), plain_offset_(offset % 60 == seconds{0} && offset >= -hours{24} && offset <= hours{24}) {
  if (!plain_offset_) return;
  const auto off = offset_.count() / 60;
  const auto abs_off = off < 0 ? -off : off;
  char* p = offset_text_.data();
  *p++ = off < 0 ? '-' : '+';
  p = two(p, abs_off / 60);
  *p++ = ':';
  p = two(p, abs_off % 60);
  *p = '"';
}

char* event_writer::copy(char* p, std::string_view s) noexcept {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

char* event_writer::integer(char* p, std::int64_t v) { return fmt::format_to(p, FMT_COMPILE("{}"), v); }

bool event_writer::utf8(std::string_view s) {
  for (const known_text& k : utf8_)
    if (k.size == s.size() && std::memcmp(k.text.data(), s.data(), s.size()) == 0) return true;
  if (!simdjson::validate_utf8(s.data(), s.size())) return false;
  if (!s.empty() && s.size() <= sizeof known_text::text) {
    known_text& k = utf8_[next_utf8_];
    next_utf8_ = (next_utf8_ + 1) % utf8_.size();
    k.size = static_cast<std::uint8_t>(s.size());
    std::memcpy(k.text.data(), s.data(), s.size());
  }
  return true;
}

// `s` as a JSON string: ", \ and the control characters escaped (\b \f \n \r \t, else \u00xx),
// everything else as it is. Text that is not valid UTF-8 goes through nlohmann, whose
// replacement of each ill-formed sequence by U+FFFD is the reference.
char* event_writer::string(char* p, std::string_view s) {
  char* const start = p;
  *p++ = '"';
  bool utf8_checked = false;
  // Eight bytes at a time while none needs an escape: no control character, quote or backslash
  // (the text is checked to be UTF-8 once, at its first byte >= 0x80). The last block overlaps the
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
      if ((zero_byte(w & (ones * 0xE0)) | zero_byte(w ^ (ones * '"')) | zero_byte(w ^ (ones * '\\'))) != 0)
        break;  // below 0x20 (its top three bits clear), a quote or a backslash
      if ((w & highs) != 0 && !utf8_checked) {
        if (!utf8(s)) break;  // the byte loop below hands it to nlohmann
        utf8_checked = true;
      }
      std::memcpy(p - (i - at), &w, 8);
      p += at + 8 - i;
      i = at + 8;
    }
  }
  for (const char ch : s.substr(i)) {
    const auto c = static_cast<unsigned char>(ch);
    switch (byte_class[c]) {
      case 0:
        *p++ = ch;
        continue;
      case 2:
        if (!utf8_checked) {
          if (!utf8(s)) return copy(start, json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace));
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

// format_instant(t, offset_), quoted; written here for years 0000-9999 in a whole-minute offset.
char* event_writer::instant_text(char* p, instant t) const {
  constexpr sys_seconds first{sys_days{year{0} / January / 1}};
  constexpr sys_seconds past{sys_days{year{10000} / January / 1}};
  *p++ = '"';
  if (!plain_offset_ || t < first - offset_ || t >= past - offset_) {  // "<n> s from 1970-01-01T00:00:00Z"
    p = copy(p, format_instant(t, offset_));
    *p++ = '"';
    return p;
  }
  const auto local = t + offset_;
  const auto day = floor<days>(local);
  const year_month_day ymd{day};
  const auto in_day = (local - day).count();
  const int y = static_cast<int>(ymd.year());
  p = two(p, y / 100);
  p = two(p, y % 100);
  *p++ = '-';
  p = two(p, static_cast<unsigned>(ymd.month()));
  *p++ = '-';
  p = two(p, static_cast<unsigned>(ymd.day()));
  *p++ = 'T';
  p = two(p, in_day / 3600);
  *p++ = ':';
  p = two(p, in_day / 60 % 60);
  *p++ = ':';
  p = two(p, in_day % 60);
  std::memcpy(p, offset_text_.data(), 7);  // "+08:00" and the quote
  return p + 7;
}

// The keys in the order ordered_json kept them; then a clock's unit after its step, and an opening's
// policy and district last.
char* event_writer::write(char* p, const event& e) {
  const auto kind = static_cast<std::size_t>(e.kind);
  if (kind < event_starts().size()) {
    p = copy(p, event_starts()[kind]);
  } else {  // no event_kind: as nlohmann wrote whatever to_string gave
    p = copy(p, R"({"type":)");
    p = string(p, to_string(e.kind));
    p = copy(p, R"(,"case":)");
  }
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
