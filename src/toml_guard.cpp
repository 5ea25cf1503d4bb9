// check_toml_text (detail/toml_util.hpp): the pre-scan of a TOML text that refuses, before the
// parser runs, what Debian's toml++ 3.3 overflows its stack or reaches undefined behaviour on.
#include "detail/toml_util.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dueday {

namespace {

// One pass over a TOML text that knows just enough of the grammar to tell strings, comments, keys,
// [table] headers and values apart (see check_toml_text). Where the text is not TOML it says
// nothing and leaves the parser to report the syntax error.
class toml_guard {
 public:
  explicit toml_guard(std::string_view text) : t_(text) {}

  std::optional<detail::toml_text_problem> run() {
    if (t_.size() > detail::max_toml_bytes) {
      const auto within = t_.substr(0, detail::max_toml_bytes);
      line_ = 1 + static_cast<int>(std::count(within.begin(), within.end(), '\n'));
      return problem(fmt::format("the file is longer than 1 MiB ({} bytes)", detail::max_toml_bytes));
    }
    if (t_.substr(0, 3) == "\xEF\xBB\xBF") i_ = 3;  // a UTF-8 byte order mark, which the parser skips
    if (!line_fits(0)) return problem_;
    while (i_ < t_.size() && !problem_) step();
    return problem_;
  }

 private:
  enum class at : std::uint8_t { line_start, header, key, value, after_header };
  struct container {
    bool table;  // an inline table { }, else an array [ ]
    int depth;   // the depth of its keys (a table) or elements (an array)
  };

  char peek(std::size_t k = 0) const { return i_ + k < t_.size() ? t_[i_ + k] : '\0'; }

  void step() {
    const char c = t_[i_];
    if (c == '\n') return newline();
    if (static_cast<unsigned char>(c) >= 0x80) return non_ascii();
    if (c == '#') {  // a comment: to the end of the line
      const auto nl = t_.find('\n', i_);
      i_ = nl == std::string_view::npos ? t_.size() : nl;
      return;
    }
    if ((c == '"' || c == '\'') && (at_ == at::key || at_ == at::header)) return string(c);
    ++i_;
    if (c == ' ' || c == '\t' || c == '\r') return;
    switch (at_) {
      case at::line_start:
        if (c == '[') {
          array_header_ = peek() == '[';
          if (array_header_) ++i_;
          at_ = at::header;
          dots_ = 0;
        } else {
          at_ = at::key;
          dots_ = 0;
          --i_;  // the key's first character
        }
        return;
      case at::header:
        if (c == '.') return dot();
        if (c == ']') {
          if (array_header_) ++i_;
          table_depth_ = dots_ + 1 + (array_header_ ? 1 : 0);
          at_ = at::after_header;
          if (table_depth_ > detail::max_toml_depth) too_deep();
        }
        return;
      case at::key:
        if (c == '.') return dot();
        if (c == '=') {
          depth_ = (stack_.empty() ? table_depth_ : stack_.back().depth) + dots_ + 1;
          at_ = at::value;
          expect_value_ = true;
          if (depth_ > detail::max_toml_depth) too_deep();
        } else if (c == '}') {  // an empty inline table
          close();
        }
        return;
      case at::value:
        value(c);
        return;
      case at::after_header:
        return;
    }
  }

  // In a value, at c (not a space, newline or comment). Where a value starts, a quote opens a
  // string and a bracket an array or inline table; anything else starts a bare value (a number, a
  // date, true), which the parser reads up to the next space, comma, bracket or '#', asking of
  // each character whether it is whitespace: quotes and brackets in it ("1\"\"\"é", "4{é") are
  // bare text too.
  void value(char c) {
    if (expect_value_) {
      switch (c) {
        case '"':
        case '\'':
          --i_;
          string(c);
          expect_value_ = false;
          return;
        case '[':
          open(false, depth_ + 1);
          depth_ += 1;
          return;
        case '{':
          open(true, depth_);
          at_ = at::key;
          dots_ = 0;
          return;
        default:
          break;
      }
    }
    switch (c) {
      case ']':
      case '}':
        close();
        return;
      case ',':
        if (stack_.empty()) return;
        if (stack_.back().table) {
          at_ = at::key;
          dots_ = 0;
        } else {
          depth_ = stack_.back().depth;
          expect_value_ = true;
        }
        return;
      default:
        expect_value_ = false;
        bare();
        return;
    }
  }
  // Up to the end of a bare value, which non_ascii() refuses to contain.
  void bare() {
    const char first = t_[i_ - 1];  // the value's first character, which step() has passed
    i_ = bare_end(i_);
    // A value that starts with a digit, then a space and a digit: the parser may read on as a
    // date-time with a space for the T, taking the character after the digit whatever it is, so
    // that a '#' there opens no comment and a newline ends no line for it, and ask of each
    // character after it, up to the next end of a bare value, whether it is whitespace. (Where
    // that character is a space, comma or bracket, what follows is a value's to this scan anyway.)
    if (first >= '0' && first <= '9' && peek() == ' ' && peek(1) >= '0' && peek(1) <= '9' &&
        (peek(2) == '#' || peek(2) == '\n')) {
      const std::size_t end = bare_end(i_ + 3);
      if (end < t_.size() && static_cast<unsigned char>(t_[end]) >= 0x80) {
        if (peek(2) == '\n') ++line_;
        i_ = end;
        non_ascii();
      }
    }
  }
  // Where a bare value from `from` ends: a space, newline, comma, bracket, '#' or a non-ASCII byte.
  std::size_t bare_end(std::size_t from) const {
    for (; from < t_.size(); ++from) {
      const char c = t_[from];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',' || c == ']' || c == '}' || c == '#' ||
          static_cast<unsigned char>(c) >= 0x80) {
        break;
      }
    }
    return from;
  }

  void open(bool table, int depth) {
    stack_.push_back({table, depth});
    if (depth > detail::max_toml_depth || stack_.size() > static_cast<std::size_t>(detail::max_toml_depth)) {
      too_deep();
    }
  }
  void close() {
    if (!stack_.empty()) stack_.pop_back();
    at_ = at::value;
    expect_value_ = false;
  }
  void dot() {
    if (++dots_ >= detail::max_toml_depth) {
      problem(fmt::format("a dotted key of more than {} parts", detail::max_toml_depth));
    }
  }
  void too_deep() { problem(fmt::format("tables and arrays nested more than {} levels deep", detail::max_toml_depth)); }

  void newline() {
    ++i_;
    ++line_;
    if (!line_fits(i_)) return;
    if (stack_.empty()) at_ = at::line_start;  // arrays may go on over lines
  }
  bool line_fits(std::size_t start) {
    const auto nl = t_.find('\n', start);
    const std::size_t length = (nl == std::string_view::npos ? t_.size() : nl) - start;
    if (length <= detail::max_toml_line) return true;
    problem(fmt::format("the line is {} bytes long (at most {})", length, detail::max_toml_line));
    return false;
  }

  // A string from its opening quote; one of """ or ''' may go on over lines.
  void string(char quote) {
    const bool basic = quote == '"';
    const bool multi = peek(1) == quote && peek(2) == quote;
    i_ += multi ? 3 : 1;
    while (i_ < t_.size() && !problem_) {
      const char c = t_[i_];
      if (c == '\n') {
        if (!multi) return;  // unterminated: the parser says so
        newline();
      } else if (c == quote && (!multi || (peek(1) == quote && peek(2) == quote))) {
        i_ += multi ? 3 : 1;
        while (multi && peek() == quote) ++i_;  // up to two quotes may close the content
        return;
      } else if (c == '\\' && basic) {
        ++i_;
        if (multi) {
          after_backslash();
        } else if (peek() != '\n') {
          ++i_;  // the escaped character (a newline is the parser's to report)
        }
      } else {
        ++i_;
      }
    }
  }
  // In a """string""", the parser asks whether the character after a backslash is whitespace and,
  // for a line-ending backslash, whether each character up to the next text is: the question that
  // reaches undefined behaviour for some non-ASCII characters (see toml_util.hpp).
  void after_backslash() {
    const char c = peek();
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
      if (static_cast<unsigned char>(c) >= 0x80) {
        problem(fmt::format("unexpected {} after a backslash in a multi-line string", character()));
      } else if (c != '\0') {
        ++i_;
      }
      return;
    }
    while (i_ < t_.size() && !problem_) {
      const char w = t_[i_];
      if (w == '\n') {
        newline();
      } else if (w == ' ' || w == '\t' || w == '\r') {
        ++i_;
      } else {
        if (static_cast<unsigned char>(w) >= 0x80) {
          problem(fmt::format("unexpected {} after a line-ending backslash in a multi-line string", character()));
        }
        return;
      }
    }
  }

  void non_ascii() {
    const std::string what = character();
    switch (at_) {
      case at::value:
        if (expect_value_) {
          problem(fmt::format("unexpected {} where a value should be", what));
        } else {
          problem(fmt::format("unexpected {} after a value", what));
        }
        return;
      case at::key:
      case at::header:
        problem(fmt::format("unexpected {} in a key (a bare key is A-Z a-z 0-9 _ -; quote others)", what));
        return;
      case at::after_header:
        problem(fmt::format("unexpected {} after a table header", what));
        return;
      case at::line_start:
        problem(fmt::format("unexpected {} where a key or [table] should be", what));
        return;
    }
  }
  // "'、' (U+3001)" for the UTF-8 character at i_, or "byte 0xB9" when it is not UTF-8.
  std::string character() const {
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(peek(k)); };
    const unsigned lead = b(0);
    const std::size_t n = lead >= 0xF0 && lead <= 0xF4 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 && lead <= 0xDF ? 2 : 0;
    std::uint32_t cp = n == 4 ? lead & 0x07U : n == 3 ? lead & 0x0FU : lead & 0x1FU;
    for (std::size_t k = 1; k < n; ++k) {
      if ((b(k) & 0xC0U) != 0x80U) return fmt::format("byte 0x{:02X} (the file must be UTF-8)", lead);
      cp = (cp << 6) | (b(k) & 0x3FU);
    }
    const bool shortest = (n == 3 && cp >= 0x800) || (n == 4 && cp >= 0x10000 && cp <= 0x10FFFF) || n == 2;
    if (n == 0 || !shortest || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return fmt::format("byte 0x{:02X} (the file must be UTF-8)", lead);
    }
    // Spaces, controls and line or paragraph separators stay out of the one-line message.
    const bool blank = cp <= 0xA0 || cp == 0x1680 || cp == 0x180E || (cp >= 0x2000 && cp <= 0x200F) ||
                       (cp >= 0x2028 && cp <= 0x202F) || (cp >= 0x205F && cp <= 0x206F) || cp == 0x3000 ||
                       cp == 0xFEFF || cp >= 0xFFF0;
    if (blank) return fmt::format("U+{:04X} (a space or control character)", cp);
    return fmt::format("'{}' (U+{:04X})", t_.substr(i_, n), cp);
  }

  std::optional<detail::toml_text_problem>& problem(std::string message) {
    if (!problem_) problem_ = detail::toml_text_problem{line_, std::move(message)};
    return problem_;
  }

  std::string_view t_;
  std::size_t i_ = 0;
  int line_ = 1;
  at at_ = at::line_start;
  bool array_header_ = false;
  int dots_ = 0;               // dots so far in the key or header at hand
  int table_depth_ = 0;        // depth of the keys under the last [table] header
  int depth_ = 0;              // depth of the value at hand
  bool expect_value_ = false;  // in a value: where one starts (after '=', '[' or a comma in an array)
  std::vector<container> stack_;
  std::optional<detail::toml_text_problem> problem_;
};

}  // namespace

std::optional<detail::toml_text_problem> detail::check_toml_text(std::string_view text) {
  return toml_guard(text).run();
}

}  // namespace dueday
