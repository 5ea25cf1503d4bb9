// event_writer (detail/event_writer.hpp): an event as the JSON text nlohmann's ordered_json gave
// it, byte for byte, written in place: each kind's start as one block, short texts as two words or
// blocks, longer ones checked sixteen bytes at a time. Its numbers and instants are in
// event_numbers.cpp.
#include "detail/event_writer.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <array>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>

namespace dueday::detail {

using nlohmann::json;

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

// A literal's text: a copy of known size, a few moves rather than a call to memcpy.
template <std::size_t N>
char* lit(char* p, const char (&s)[N]) noexcept {
  std::memcpy(p, s, N - 1);
  return p + N - 1;
}

}  // namespace

char* event_writer::copy(char* p, std::string_view s) noexcept {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
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

#if defined(__SSE2__)
// The same for sixteen bytes (SSE2 is part of x86-64): 0xFF in each byte of `x` that needs an escape.
__m128i escapes(__m128i x) noexcept {
  const __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x1F)), x);  // x <= 0x1F
  return _mm_or_si128(control,
                      _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')), _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))));
}
#endif

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
  bool escape = false;  // a byte needs an escape
  bool high = false;    // a byte is >= 0x80: the text must be UTF-8
  if (n >= 16) {
#if defined(__SSE2__)
    __m128i a, b;
    load(a, d);
    load(b, d + n - 16);
    escape = _mm_movemask_epi8(_mm_or_si128(escapes(a), escapes(b))) != 0;
    high = _mm_movemask_epi8(_mm_or_si128(a, b)) != 0;
    store(p, a);
    store(p + n - 16, b);
#else
    return nullptr;
#endif
  } else if (n >= 8) {
    std::uint64_t a = 0, b = 0;
    load(a, d);
    load(b, d + n - 8);
    escape = needs_escape(a) || needs_escape(b);
    high = ((a | b) & high_bits) != 0;
    store(p, a);
    store(p + n - 8, b);
  } else if (n >= 4) {
    std::uint32_t a = 0, b = 0;
    load(a, d);
    load(b, d + n - 4);
    const std::uint64_t w = a | std::uint64_t{b} << 32;
    escape = needs_escape(w);
    high = (w & high_bits) != 0;
    store(p, a);
    store(p + n - 4, b);
  } else if (n > 0) {  // bytes 0, n / 2 and n - 1 are all of them; then spaces, which need nothing
    const auto byte = [&](std::size_t i) { return std::uint64_t{static_cast<unsigned char>(d[i])}; };
    const std::uint64_t w = byte(0) | byte(n / 2) << 8 | byte(n - 1) << 16 | 0x2020202020ULL << 24;
    escape = needs_escape(w);
    high = (w & high_bits) != 0;
    p[0] = d[0];
    p[n / 2] = d[n / 2];
    p[n - 1] = d[n - 1];
  }
  if (escape || (high && !utf8(s))) return nullptr;
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
  // Sixteen at a time first, the same way.
  if (s.size() >= 16) {
    while (i < s.size()) {
      const std::size_t at = std::min(i, s.size() - 16);
      __m128i x;
      std::memcpy(&x, s.data() + at, 16);
      if (_mm_movemask_epi8(escapes(x)) != 0) break;
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
