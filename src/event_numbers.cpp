// event_writer's numbers (detail/event_writer.hpp): the offset's text, integers and instants by
// digit pairs, an instant's text from a cache of the last ones written. The rest of the writer, the
// texts and the events, is in event_writer.cpp.
#include "detail/event_writer.hpp"

#include <fmt/compile.h>
#include <fmt/format.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>

#include "dueday/format.hpp"

namespace dueday::detail {

using namespace std::chrono;

namespace {

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

// fmt's text of v; below 10^8 and not negative (seconds elapsed and remaining, line numbers), by
// digit pairs written from the end of its known length.
char* event_writer::integer(char* p, std::int64_t v) {
  if (v < 0 || v >= 100'000'000) return fmt::format_to(p, FMT_COMPILE("{}"), v);
  auto u = static_cast<std::uint32_t>(v);
  const int n = u < 10         ? 1
                : u < 100      ? 2
                : u < 1000     ? 3
                : u < 10000    ? 4
                : u < 100000   ? 5
                : u < 1000000  ? 6
                : u < 10000000 ? 7
                               : 8;
  char* q = p + n;
  for (; u >= 100; u /= 100) {
    q -= 2;
    std::memcpy(q, &digit_pairs[2 * std::size_t{u % 100}], 2);
  }
  if (u >= 10) {
    std::memcpy(q - 2, &digit_pairs[2 * std::size_t{u}], 2);
  } else {
    q[-1] = static_cast<char>('0' + u);
  }
  return p + n;
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
  // The text of an instant written lately (a command's events share their `at`, clocks their due):
  // eight, by a multiplicative hash of the instant.
  known_instant& known =
      instants_[(static_cast<std::uint64_t>(t.time_since_epoch().count()) * 0x9E3779B97F4A7C15ULL) >> 61];
  if (known.at == t) {
    std::memcpy(p, known.text.data(), known.text.size());  // whole: a fixed size copies in two moves
    return p + plain_instant_size;
  }
  char* const text = p;
  const auto local = t + offset_;
  const auto day = floor<days>(local);
  const auto in_day = (local - day).count();
  // "YYYY-MM-DDT" from the cache of days: an event's instants (at, due) fall on a few days.
  known_day& k = days_[static_cast<std::uint64_t>(day.time_since_epoch().count()) % days_.size()];
  if (k.day != day) {
    const year_month_day ymd{day};
    const int y = static_cast<int>(ymd.year());
    char* d = k.text.data();
    d = two(d, y / 100);
    d = two(d, y % 100);
    *d++ = '-';
    d = two(d, static_cast<unsigned>(ymd.month()));
    *d++ = '-';
    d = two(d, static_cast<unsigned>(ymd.day()));
    *d = 'T';
    k.day = day;
  }
  std::memcpy(p, k.text.data(), k.text.size());
  p += k.text.size();
  p = two(p, in_day / 3600);
  *p++ = ':';
  p = two(p, in_day / 60 % 60);
  *p++ = ':';
  p = two(p, in_day % 60);
  std::memcpy(p, offset_text_.data(), 7);  // "+08:00" and the quote
  std::memcpy(known.text.data(), text, plain_instant_size);
  known.at = t;
  return p + 7;
}

}  // namespace dueday::detail
