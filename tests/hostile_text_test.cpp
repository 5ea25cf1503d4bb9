#include <dueday/error.hpp>  // first, alone: proves the header stands on its own

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <string_view>

using dueday::escape;
using dueday::quote;

namespace {

using namespace std::string_literals;

// What every message must be: one line, fit for a terminal and a log. No byte below 0x20, no DEL,
// no C1 control (as UTF-8, C2 80..C2 9F), no U+2028 / U+2029 (E2 80 A8/A9), well-formed UTF-8
// judged by a second, simpler decoder than the library's, and at most `max_bytes` long.
bool one_bounded_line(std::string_view m, std::size_t max_bytes) {
  if (m.size() > max_bytes) return false;
  for (std::size_t i = 0; i < m.size();) {
    const auto c = static_cast<unsigned char>(m[i]);
    if (c < 0x20 || c == 0x7F) return false;
    std::size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (n == 0 || i + n > m.size()) return false;
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(m[i + k]) & 0xC0) != 0x80) return false;
    if (n == 2 && c == 0xC2 && static_cast<unsigned char>(m[i + 1]) < 0xA0) return false;
    if (n == 3 && m.substr(i, 2) == "\xE2\x80" &&
        (m[i + 2] == '\xA8' || m[i + 2] == '\xA9' || m[i + 2] == '\x8E' || m[i + 2] == '\x8F'))
      return false;
    i += n;
  }
  return true;
}

}  // namespace

TEST_CASE("quote: plain text is only put between quotes") {
  CHECK(quote("W-001") == "'W-001'");
  CHECK(quote("") == "''");
  CHECK(quote("国庆节") == "'国庆节'");
  CHECK(quote("it's a \\ back") == "'it's a \\ back'");  // quotes and backslashes as they are
  CHECK(escape("holidays/cn/2026.toml") == "holidays/cn/2026.toml");
}

TEST_CASE("quote: control characters, stray bytes and bidi controls are escaped") {
  CHECK(quote("a\nb") == "'a\\nb'");
  CHECK(quote("a\r\nb\tc") == "'a\\r\\nb\\tc'");
  CHECK(quote("\x1b[2J\x1b]0;pwned\x07") == "'\\u001b[2J\\u001b]0;pwned\\u0007'");
  CHECK(quote("a\0b"s) == "'a\\u0000b'");
  CHECK(quote("\x7f") == "'\\u007f'");
  CHECK(quote("\xC2\x9Bm") == "'\\u009bm'");                           // C1 CSI as UTF-8
  CHECK(quote("x\xE2\x80\xA8y\xE2\x80\xA9") == "'x\\u2028y\\u2029'");  // line, paragraph separators
  CHECK(quote("\xE2\x80\xAEzyx") == "'\\u202ezyx'");                   // right-to-left override
  CHECK(quote("\xE2\x81\xA6x\xE2\x81\xA9") == "'\\u2066x\\u2069'");
  CHECK(quote("\xB9\xFA") == "'\\xb9\\xfa'");                    // GBK, not UTF-8
  CHECK(quote("\xC0\xAF") == "'\\xc0\\xaf'");                    // overlong '/'
  CHECK(quote("\xED\xA0\x80") == "'\\xed\\xa0\\x80'");           // a surrogate
  CHECK(quote("\xF4\x90\x80\x80") == "'\\xf4\\x90\\x80\\x80'");  // past U+10FFFF
  CHECK(quote("\xE5\x9B") == "'\\xe5\\x9b'");                    // cut short
  CHECK(quote("\xF0\x9F\x98\x80") == "'\xF0\x9F\x98\x80'");      // U+1F600 stays
  CHECK(escape("a\nb.toml") == "a\\nb.toml");
}

TEST_CASE("quote: escaping escaped text changes nothing") {
  for (const std::string& s : {"a\nb"s, "\x1b[0m"s, "\xff\xfe"s, "x\0y"s, std::string(200, 'x')}) {
    const std::string once = escape(s, 1000);
    CHECK(escape(once, 1000) == once);
  }
}

TEST_CASE("quote: long text is cut with an ellipsis and its length in bytes") {
  const std::string big(3145728, 'x');
  const std::string q = quote(big);
  CHECK(q == "'" + std::string(80, 'x') + "\u2026' (3145728 bytes)");
  CHECK(escape(big, 10) == "xxxxxxxxxx\u2026 (3145728 bytes)");
  CHECK(quote(std::string(80, 'x')) == "'" + std::string(80, 'x') + "'");  // exactly max: whole
  CHECK(quote("abc", 0) == "'\u2026' (3 bytes)");
  // An escape is never split: "\n" would need 2 characters where 1 is left.
  CHECK(quote("abcd\n", 5) == "'abcd\u2026' (5 bytes)");
  // Characters, not bytes: 80 Chinese characters fit in 80.
  std::string han;
  for (int i = 0; i < 81; ++i) han += "节";
  CHECK(quote(han) == "'" + han.substr(0, 240) + "\u2026' (243 bytes)");
}

TEST_CASE("quote: whatever the input, one line of bounded length") {
  std::string every_byte;
  for (int c = 0; c < 256; ++c) every_byte += static_cast<char>(c);
  const std::string hostile[] = {"a\nb"s,
                                 "a\r\nb"s,
                                 "\x1b[31mred\x1b[0m"s,
                                 "nul\0nul"s,
                                 every_byte,
                                 every_byte + every_byte,
                                 std::string(3145728, '\n'),
                                 std::string(3145728, '\xff'),
                                 std::string(3145728, 'x')};
  for (const auto& s : hostile) {
    CAPTURE(s.size());
    CHECK(one_bounded_line(quote(s), 4 * 80 + 34));
    CHECK(one_bounded_line(escape(s, 20), 4 * 20 + 34));
  }
}

TEST_CASE("parse_error: the source is escaped in what(), kept as given in source()") {
  const dueday::parse_error e("dir\n/2026\x1b.toml", 3, "bad");
  CHECK(std::string(e.what()) == "dir\\n/2026\\u001b.toml:3: bad");
  CHECK(e.source() == "dir\n/2026\x1b.toml");
  CHECK(std::string(dueday::parse_error("holidays/cn/2026.toml", 0, "cannot open file").what()) ==
        "holidays/cn/2026.toml: cannot open file");
}
