// event_writer (detail/event_writer.hpp): an event as the JSON text nlohmann's ordered_json gave
// it, byte for byte, written in place: each kind's start as one block, strings checked sixteen
// bytes at a time, instants by digit pairs (and from a cache of the last ones).
#include "detail/event_writer.hpp"

#include <fmt/compile.h>
#include <fmt/format.h>
#include <simdjson.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

// `{"type":"<kind>","case":` for every event kind, each in a block of fixed size, copied whole.
struct kind_start {
  std::array<char, 40> text{};  // 36 bytes at most (deadline_confirmed)
  std::uint8_t size = 0;
};
const std::array<kind_start, 15>& kind_starts() {
  static const std::array<kind_start, 15> starts = [] {
    std::array<kind_start, 15> t;
    for (std::size_t k = 0; k < t.size(); ++k) {
      const std::string text = fmt::format(R"({{"type":"{}","case":)", to_string(static_cast<event_kind>(k)));
      const std::size_t n = std::min(text.size(), t[k].text.size());
      std::memcpy(t[k].text.data(), text.data(), n);
      t[k].size = static_cast<std::uint8_t>(n);
    }
    return t;
  }();
  return starts;
}
static_assert(static_cast<std::size_t>(event_kind::rejected) == 14, "kind_starts() names every kind");

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

// A literal's text: a copy of known size, a few moves rather than a call to memcpy.
template <std::size_t N>
char* lit(char* p, const char (&s)[N]) noexcept {
  std::memcpy(p, s, N - 1);
  return p + N - 1;
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

namespace {

// Whether a[0, n) and b[0, n) hold the same bytes, for n <= 47, by words that may overlap: without
// a call to memcmp, which costs more than the compare for texts this short.
bool same_bytes(const char* a, const char* b, std::size_t n) noexcept {
  const auto word = [](const char* q) {
    std::uint64_t w = 0;
    std::memcpy(&w, q, 8);
    return w;
  };
  if (n >= 8) {
    for (std::size_t i = 0; i + 8 < n; i += 8)
      if (word(a + i) != word(b + i)) return false;
    return word(a + n - 8) == word(b + n - 8);
  }
  for (std::size_t i = 0; i < n; ++i)
    if (a[i] != b[i]) return false;
  return true;
}

// Whether the eight bytes of `w` include one that needs an escape in a JSON string: below 0x20
// (its top three bits clear), a quote or a backslash.
bool needs_escape(std::uint64_t w) noexcept {
  constexpr std::uint64_t ones = 0x0101010101010101ULL;
  constexpr std::uint64_t highs = 0x8080808080808080ULL;
  const auto zero_byte = [](std::uint64_t x) { return (x - ones) & ~x & highs; };
  return (zero_byte(w & (ones * 0xE0)) | zero_byte(w ^ (ones * '"')) | zero_byte(w ^ (ones * '\\'))) != 0;
}

constexpr std::uint64_t high_bits = 0x8080808080808080ULL;

}  // namespace

bool event_writer::utf8(std::string_view s) {
  // A slot by a hash of the size and the last eight bytes (the first byte when fewer).
  std::uint64_t tail = s.empty() ? 0 : static_cast<unsigned char>(s[0]);
  if (s.size() >= 8) std::memcpy(&tail, s.data() + s.size() - 8, 8);
  known_text& k = utf8_[((tail ^ s.size()) * 0x9E3779B97F4A7C15ULL) >> 60];
  if (k.size == s.size() && !s.empty() && same_bytes(k.text.data(), s.data(), s.size())) return true;
  if (!simdjson::validate_utf8(s.data(), s.size())) return false;
  if (!s.empty() && s.size() <= sizeof known_text::text) {
    k.size = static_cast<std::uint8_t>(s.size());
    std::memcpy(k.text.data(), s.data(), s.size());
  }
  return true;
}

// A text of at most 32 bytes that needs no escape (names, levels, units, case numbers: nearly all)
// as a JSON string at `p`: its bytes read as two words or blocks, which overlap when the text is
// shorter than both, checked together and written as they were read. nullptr when the text needs
// more (an escape, or a check of its UTF-8 that fails); what it wrote then does not count.
[[gnu::always_inline]] inline char* event_writer::short_string(char* p, std::string_view s) {
  const char* const d = s.data();
  const std::size_t n = s.size();
  const auto load = [](auto& w, const char* q) { std::memcpy(&w, q, sizeof w); };
  const auto store = [](char* q, const auto& w) { std::memcpy(q, &w, sizeof w); };
  *p++ = '"';
  bool high = false;
  if (n >= 16) {
#if defined(__SSE2__)
    __m128i a, b;
    load(a, d);
    load(b, d + n - 16);
    const __m128i top = _mm_set1_epi8(0x1F);
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    const auto flagged = [&](__m128i x) {
      const __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(x, top), x);  // x <= 0x1F
      return _mm_or_si128(control, _mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, backslash)));
    };
    if (_mm_movemask_epi8(_mm_or_si128(flagged(a), flagged(b))) != 0) return nullptr;
    high = _mm_movemask_epi8(_mm_or_si128(a, b)) != 0;
    if (high && !utf8(s)) return nullptr;
    store(p, a);
    store(p + n - 16, b);
#else
    return nullptr;
#endif
  } else if (n >= 8) {
    std::uint64_t a = 0, b = 0;
    load(a, d);
    load(b, d + n - 8);
    if (needs_escape(a) || needs_escape(b)) return nullptr;
    high = ((a | b) & high_bits) != 0;
    if (high && !utf8(s)) return nullptr;
    store(p, a);
    store(p + n - 8, b);
  } else if (n >= 4) {
    std::uint32_t a = 0, b = 0;
    load(a, d);
    load(b, d + n - 4);
    const std::uint64_t w = a | std::uint64_t{b} << 32;
    if (needs_escape(w)) return nullptr;
    high = (w & high_bits) != 0;
    if (high && !utf8(s)) return nullptr;
    store(p, a);
    store(p + n - 4, b);
  } else if (n > 0) {  // bytes 0, n / 2 and n - 1 are all of them; then spaces, which need nothing
    const auto byte = [&](std::size_t i) { return std::uint64_t{static_cast<unsigned char>(d[i])}; };
    const std::uint64_t w = byte(0) | byte(n / 2) << 8 | byte(n - 1) << 16 | 0x2020202020ULL << 24;
    if (needs_escape(w)) return nullptr;
    high = (w & high_bits) != 0;
    if (high && !utf8(s)) return nullptr;
    p[0] = d[0];
    p[n / 2] = d[n / 2];
    p[n - 1] = d[n - 1];
  }
  p += n;
  *p++ = '"';
  return p;
}

// `s` as a JSON string: ", \ and the control characters escaped (\b \f \n \r \t, else \u00xx),
// everything else as it is. Text that is not valid UTF-8 goes through nlohmann, whose
// replacement of each ill-formed sequence by U+FFFD is the reference.
[[gnu::always_inline]] inline char* event_writer::text(char* p, std::string_view s) {
  if (s.size() <= 32)
    if (char* const end = short_string(p, s)) return end;
  return long_string(p, s);
}

char* event_writer::string(char* p, std::string_view s) { return text(p, s); }

// text(p, s) when short_string did not take `s`.
char* event_writer::long_string(char* p, std::string_view s) {
  char* const start = p;
  *p++ = '"';
  bool utf8_checked = false;
  // Eight bytes at a time while none needs an escape: no control character, quote or backslash
  // (the text is checked to be UTF-8 once, at its first byte >= 0x80). The last block overlaps the
  // one before it, so that a text of 8 bytes or more needs no byte-by-byte tail.
  std::size_t i = 0;  // s[0, i) is written, unchanged, to [start + 1, p)
#if defined(__SSE2__)
  // Sixteen at a time first, the same way (SSE2 is part of x86-64).
  const __m128i top = _mm_set1_epi8(0x1F);
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const auto plain = [&](__m128i x) {
    const __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(x, top), x);  // x <= 0x1F
    return _mm_movemask_epi8(
               _mm_or_si128(control, _mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, backslash)))) == 0;
  };
  if (s.size() >= 16) {
    while (i < s.size()) {
      const std::size_t at = std::min(i, s.size() - 16);
      __m128i x;
      std::memcpy(&x, s.data() + at, 16);
      if (!plain(x)) break;
      if (_mm_movemask_epi8(x) != 0 && !utf8_checked) {  // a byte >= 0x80
        if (!utf8(s)) break;
        utf8_checked = true;
      }
      std::memcpy(p - (i - at), &x, 16);
      p += at + 16 - i;
      i = at + 16;
    }
  }
#endif
  if (s.size() >= 8 && i < s.size()) {
    while (i < s.size()) {
      const std::size_t at = std::min(i, s.size() - 8);
      std::uint64_t w = 0;
      std::memcpy(&w, s.data() + at, 8);
      if (needs_escape(w)) break;
      if ((w & high_bits) != 0 && !utf8_checked) {
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

// The keys in the order ordered_json kept them; then a clock's unit after its step, and an opening's
// policy and district last.
char* event_writer::write(char* p, const event& e) {
  const auto kind = static_cast<std::size_t>(e.kind);
  if (const auto& starts = kind_starts(); kind < starts.size()) {
    const kind_start& s = starts[kind];
    std::memcpy(p, s.text.data(), s.text.size());  // whole: a fixed size copies in a few moves
    p += s.size;
  } else {  // no event_kind: as nlohmann wrote whatever to_string gave
    p = lit(p, R"({"type":)");
    p = text(p, to_string(e.kind));
    p = lit(p, R"(,"case":)");
  }
  p = text(p, e.case_id);
  if (!e.step.empty()) {  // a clock's event: its unit always follows, "" when nobody is named
    p = lit(p, R"(,"step":)");
    p = text(p, e.step);
    p = lit(p, R"(,"unit":)");
    p = text(p, e.unit);
  }
  if (!e.level.empty()) {
    p = lit(p, R"(,"level":)");
    p = text(p, e.level);
  }
  p = lit(p, R"(,"at":)");
  p = instant_text(p, e.at);
  if (e.due) {
    p = lit(p, R"(,"due":)");
    p = instant_text(p, *e.due);
  }
  if (e.previous_due) {
    p = lit(p, R"(,"previous_due":)");
    p = instant_text(p, *e.previous_due);
  }
  if (e.on_time) p = *e.on_time ? lit(p, R"(,"on_time":true)") : lit(p, R"(,"on_time":false)");
  if (e.elapsed) p = integer(lit(p, R"(,"elapsed_s":)"), e.elapsed->count());
  if (e.remaining) p = integer(lit(p, R"(,"remaining_s":)"), e.remaining->count());
  if (e.due) p = e.provisional ? lit(p, R"(,"provisional":true)") : lit(p, R"(,"provisional":false)");
  if (e.kind == event_kind::rejected) {
    p = integer(lit(p, R"(,"line":)"), e.line);
    p = text(lit(p, R"(,"code":)"), e.code);
    p = text(lit(p, R"(,"reason":)"), e.detail);
  } else if (!e.detail.empty()) {
    p = e.kind == event_kind::case_opened ? lit(p, R"(,"variant":)") : lit(p, R"(,"detail":)");
    p = text(p, e.detail);
  }
  if (!e.policy.empty()) p = text(lit(p, R"(,"policy":)"), e.policy);  // case_opened
  if (!e.district.empty()) p = text(lit(p, R"(,"district":)"), e.district);
  *p++ = '}';
  return p;
}

}  // namespace dueday::detail
