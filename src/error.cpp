#include "dueday/error.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <utility>

#include "detail/located.hpp"
#include "detail/utf8.hpp"

namespace dueday {

namespace {

// The code point of the well-formed UTF-8 sequence at s[i] and its length, or length 0 when the
// byte there starts none (a stray continuation byte, an overlong form, a surrogate, past U+10FFFF,
// or a sequence cut short).
struct decoded {
  char32_t cp = 0;
  std::size_t length = 0;
};

decoded decode_utf8(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return {lead, 1};
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // the range of the second byte
  char32_t cp = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    n = 2, cp = lead & 0x1Fu;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    n = 3, cp = lead & 0x0Fu;
    if (lead == 0xE0) lo = 0xA0;  // no overlong form
    if (lead == 0xED) hi = 0x9F;  // no surrogate
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    n = 4, cp = lead & 0x07u;
    if (lead == 0xF0) lo = 0x90;  // no overlong form
    if (lead == 0xF4) hi = 0x8F;  // nothing past U+10FFFF
  } else {
    return {};
  }
  if (s.size() - i < n || byte(i + 1) < lo || byte(i + 1) > hi) return {};
  for (std::size_t k = 1; k < n; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return {};
    cp = (cp << 6) | (byte(i + k) & 0x3Fu);
  }
  return {cp, n};
}

// Characters that move the cursor, end a line, talk to the terminal or reorder what follows.
bool needs_escape(char32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 || cp == 0x200E || cp == 0x200F ||
         (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

// The escaped text inside the quotes, and whether it was cut.
bool escape_into(std::string& out, std::string_view s, std::size_t max) {
  std::size_t chars = 0;
  char buf[8];
  for (std::size_t i = 0; i < s.size();) {
    const decoded d = decode_utf8(s, i);
    std::string_view piece;  // what this code point (or stray byte) becomes
    std::size_t width = 1;   // its length in characters
    if (d.length == 0) {
      const auto r = fmt::format_to_n(buf, sizeof buf, "\\x{:02x}", static_cast<unsigned char>(s[i]));
      piece = std::string_view(buf, r.size);
      width = r.size;
    } else if (d.cp == '\n') {
      piece = "\\n", width = 2;
    } else if (d.cp == '\r') {
      piece = "\\r", width = 2;
    } else if (d.cp == '\t') {
      piece = "\\t", width = 2;
    } else if (needs_escape(d.cp)) {
      const auto r = fmt::format_to_n(buf, sizeof buf, "\\u{:04x}", static_cast<std::uint32_t>(d.cp));
      piece = std::string_view(buf, r.size);
      width = r.size;
    } else {
      piece = s.substr(i, d.length);
    }
    if (chars + width > max) return true;
    out += piece;
    chars += width;
    i += d.length == 0 ? 1 : d.length;
  }
  return false;
}

std::string bounded(std::string_view s, std::size_t max, std::string_view quote) {
  std::string out(quote);
  const bool cut = escape_into(out, s, max);
  if (cut) out += "\u2026";
  out += quote;
  if (cut) out += fmt::format(" ({} bytes)", s.size());
  return out;
}

}  // namespace

std::string quote(std::string_view text, std::size_t max) { return bounded(text, max, "'"); }

std::string escape(std::string_view text, std::size_t max) { return bounded(text, max, ""); }

std::string detail::located(const std::string& source, int line, std::string_view message) {
  const std::string where = escape(source, max_source);
  return line > 0 ? fmt::format("{}:{}: {}", where, line, message) : fmt::format("{}: {}", where, message);
}

bool detail::is_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const decoded d = decode_utf8(s, i);
    if (d.length == 0) return false;
    i += d.length;
  }
  return true;
}

parse_error::parse_error(std::string source, int line, std::string_view message)
    : error(detail::located(source, line, message)), source_(std::move(source)), line_(line), message_(message) {}

coverage_error::coverage_error(std::string_view message, civil_day first_covered, civil_day last_covered)
    : error(std::string(message)), first_(first_covered), last_(last_covered) {}

}  // namespace dueday
