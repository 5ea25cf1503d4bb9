#include "dueday/io.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <map>
#include <optional>
#include <sstream>
#include <system_error>
#include <vector>

#include "detail/builtin.hpp"
#include "detail/toml_util.hpp"
#include "dueday/error.hpp"
#include "dueday/format.hpp"

namespace dueday {

using namespace std::chrono;

// --- dates and instants ------------------------------------------------------------------------
//
// Fixed-width ISO 8601 forms only, read field by field: every field has exactly its digits, every
// separator is where it belongs, and nothing may follow the last field.

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

// --- notices -----------------------------------------------------------------------------------

namespace {

using detail::line_of;
using detail::type_name;

class notice_reader {
 public:
  static constexpr int min_year = 1992;
  static constexpr int max_year = 2200;

  notice_reader(std::string_view text, std::string source) : source_(std::move(source)) {
    if (auto problem = detail::check_toml_text(text)) throw parse_error(source_, problem->line, problem->message);
    try {
      root_ = toml::parse(text, source_);
    } catch (const toml::parse_error& e) {
      throw parse_error(source_, static_cast<int>(e.source().begin.line), escape(e.description(), 200));
    }
  }

  // Where `region` stands after read(), 0 when absent.
  [[nodiscard]] int region_line() const { return region_line_; }

  notice read() {
    notice n;
    n.source = source_;
    for (auto&& [key, value] : root_) {
      const std::string_view k = key.str();
      if (k == "year") {
        n.year = integer(value, "year");
      } else if (k == "notice") {
        n.number = string(value, "notice");
      } else if (k == "title") {
        n.title = string(value, "title");
      } else if (k == "published") {
        n.published = date(value, "published");
      } else if (k == "amends") {
        n.amends = string(value, "amends");
        n.amends_line = line_of(value);
      } else if (k == "region") {
        n.region = string(value, "region");
        region_line_ = line_of(value);
        if (n.region.empty()) fail(value, "region is empty");
      } else if (k == "holiday") {
        holidays_ = &value;
      } else {
        fail(value, fmt::format("unknown field {} (expected year, notice, title, published, amends, region, holiday)",
                                quote(k)));
      }
    }
    for (const char* required : {"year", "notice", "title", "published"}) {
      if (!root_.contains(required)) throw parse_error(source_, 1, fmt::format("missing field '{}'", required));
    }
    // Before 1992 Asia/Shanghai kept summer time (1986-1991): the calendar, which needs one UTC
    // offset, would fail later with a message that names no file.
    if (n.year < min_year || n.year > max_year) {
      fail(*root_.get("year"), fmt::format("year {} is out of range ({} to {}; China kept summer time until 1991)",
                                           n.year, min_year, max_year));
    }
    if (n.title.empty()) fail(*root_.get("title"), "title is empty");
    const civil_day first_published{year{n.year - 1} / January / 1};
    const civil_day last_published{year{n.year} / December / 31};
    if (n.published < first_published || n.published > last_published) {
      fail(*root_.get("published"), fmt::format("published {} is not plausible for a notice for {} (expected {} to {})",
                                                n.published, n.year, first_published, last_published));
    }
    if (!holidays_) throw parse_error(source_, 1, "no [[holiday]] given");
    read_holidays(n);
    return n;
  }

 private:
  [[noreturn]] void fail(const toml::node& at, std::string_view message) const {
    throw parse_error(source_, line_of(at), message);
  }
  std::string string(const toml::node& v, std::string_view field) const {
    if (!v.is_string()) fail(v, fmt::format("{} must be a string, not {}", field, type_name(v)));
    return std::string(*v.value<std::string_view>());
  }
  int integer(const toml::node& v, std::string_view field) const {
    if (!v.is_integer()) fail(v, fmt::format("{} must be an integer, not {}", field, type_name(v)));
    const auto i = *v.value<std::int64_t>();
    if (i < -100000 || i > 100000) fail(v, fmt::format("{} {} is out of range", field, i));
    return static_cast<int>(i);
  }
  civil_day date(const toml::node& v, std::string_view field) const {
    if (!v.is_date()) fail(v, fmt::format("{} must be a date such as 2026-10-01, not {}", field, type_name(v)));
    const toml::date d = *v.value<toml::date>();
    return civil_day{year{d.year} / month{d.month} / day{d.day}};
  }

  void read_holidays(notice& n) {
    const toml::array* list = holidays_->as_array();
    if (!list || !list->is_array_of_tables()) fail(*holidays_, "holiday must be an array of tables ([[holiday]])");
    const civil_day lo{year{n.year - 1} / December / 1};
    const civil_day hi{year{n.year} / December / 31};
    std::map<civil_day, int> seen;
    for (const toml::node& item : *list) {
      const toml::table& h = *item.as_table();
      const int header = line_of(item);
      std::string name;
      const toml::node* dates[2] = {nullptr, nullptr};  // off, work
      for (auto&& [key, value] : h) {
        const std::string_view k = key.str();
        if (k == "name") {
          name = string(value, "name");
        } else if (k == "off") {
          dates[0] = &value;
        } else if (k == "work") {
          dates[1] = &value;
        } else {
          fail(value, fmt::format("unknown field {} in [[holiday]] (expected name, off, work)", quote(k)));
        }
      }
      if (name.empty()) throw parse_error(source_, header, "[[holiday]] has no name");
      if (!dates[0] && !dates[1])
        throw parse_error(source_, header, fmt::format("holiday {} lists no dates", quote(name)));
      for (int kind = 0; kind < 2; ++kind) {
        if (!dates[kind]) continue;
        const toml::array* days = dates[kind]->as_array();
        const char* field = kind == 0 ? "off" : "work";
        if (!days)
          fail(*dates[kind], fmt::format("{} must be an array of dates, not {}", field, type_name(*dates[kind])));
        if (days->empty())
          fail(*dates[kind], fmt::format("{} = [] lists no dates (list them, or leave it out)", field));
        for (const toml::node& dn : *days) {
          const civil_day d = date(dn, field);
          const int line = line_of(dn);
          if (d < lo || d > hi) {
            fail(dn, fmt::format("{} is outside the notice's year {} (dates run from {} to {})", d, n.year, lo, hi));
          }
          if (kind == 1 && !d.is_weekend()) {
            fail(dn, fmt::format("make-up working day {} is a {} (expected a Saturday or Sunday)", d,
                                 weekday_name(d.weekday())));
          }
          if (auto [it, fresh] = seen.emplace(d, line); !fresh) {
            fail(dn, fmt::format("{} is listed twice (first at line {})", d, it->second));
          }
          n.entries.push_back(notice_entry{d, kind == 0, name, line});
        }
      }
    }
    std::sort(n.entries.begin(), n.entries.end(), [](const auto& a, const auto& b) { return a.day < b.day; });
  }

  static std::string_view weekday_name(weekday w) {
    static constexpr std::string_view names[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                 "Thursday", "Friday", "Saturday"};
    return names[w.c_encoding()];
  }

  std::string source_;
  toml::table root_;
  const toml::node* holidays_ = nullptr;
  int region_line_ = 0;
};

}  // namespace

// --- TOML text, before the parser sees it ----------------------------------------------------------

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

// Closes a file descriptor.
struct fd_closer {
  int fd;
  explicit fd_closer(int f) : fd(f) {}
  fd_closer(const fd_closer&) = delete;
  fd_closer& operator=(const fd_closer&) = delete;
  ~fd_closer() { ::close(fd); }
};

std::string_view file_type_name(mode_t mode) {
  if (S_ISDIR(mode)) return "is a directory";
  if (S_ISFIFO(mode)) return "is a FIFO, not a regular file";
  if (S_ISSOCK(mode)) return "is a socket, not a regular file";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "is a device, not a regular file";
  return "is not a regular file";
}

}  // namespace

std::optional<detail::toml_text_problem> detail::check_toml_text(std::string_view text) {
  return toml_guard(text).run();
}

std::string detail::read_file(const std::filesystem::path& file) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses it.
  const int fd = ::open(file.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    const int e = errno;
    struct stat link {};
    if (e == ENOENT && ::lstat(file.c_str(), &link) == 0 && S_ISLNK(link.st_mode)) {
      throw parse_error(file.string(), 0, "a broken symbolic link (its target does not exist)");
    }
    if (e == ENOENT) throw parse_error(file.string(), 0, "cannot open file");
    if (e == ELOOP) throw parse_error(file.string(), 0, "a symbolic link loop");
    throw parse_error(file.string(), 0,
                      fmt::format("cannot open file ({})", std::error_code(e, std::generic_category()).message()));
  }
  const fd_closer closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw parse_error(file.string(), 0, "cannot read file status");
  if (!S_ISREG(st.st_mode)) throw parse_error(file.string(), 0, file_type_name(st.st_mode));
  std::string text;
  std::array<char, 1 << 16> buffer{};
  while (text.size() <= max_toml_bytes) {
    const ssize_t got = ::read(fd, buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      throw parse_error(file.string(), 0,
                        fmt::format("read error ({})", std::error_code(errno, std::generic_category()).message()));
    }
    if (got == 0) break;
    text.append(buffer.data(), static_cast<std::size_t>(got));
  }
  if (text.size() > max_toml_bytes + 1) text.resize(max_toml_bytes + 1);
  return text;
}

notice parse_notice(std::string_view text, std::string source) { return notice_reader(text, std::move(source)).read(); }

notice load_notice(const std::filesystem::path& file) { return parse_notice(detail::read_file(file), file.string()); }

calendar load_calendar(const std::filesystem::path& dir, calendar_options options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    if (ec && ec != std::errc::no_such_file_or_directory) {
      throw parse_error(dir.string(), 0, fmt::format("not a directory ({})", ec.message()));
    }
    throw parse_error(dir.string(), 0, "not a directory");
  }
  // Every *.toml is a notice: one skipped (a broken link, a FIFO, a folder) would end the coverage
  // a year early without a word, so read_file refuses it, naming it.
  std::vector<fs::path> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".toml") files.push_back(it->path());
  }
  if (ec) throw parse_error(dir.string(), 0, fmt::format("cannot read the directory ({})", ec.message()));
  std::sort(files.begin(), files.end());
  if (files.empty()) throw parse_error(dir.string(), 0, "no holiday notice (*.toml) in the directory");
  std::vector<notice> notices;
  notices.reserve(files.size());
  for (const auto& f : files) {
    notice_reader reader(detail::read_file(f), f.string());
    notices.push_back(reader.read());
    if (const notice& n = notices.back(); !n.region.empty()) {
      // The calendar would lay it over the national days of everyone using the folder.
      throw parse_error(n.source, reader.region_line(),
                        fmt::format("region = \"{}\" makes this a local overlay, which does not belong among the "
                                    "national notices (keep it in regions/ and give it with --region)",
                                    n.region));
    }
  }
  return calendar(std::move(notices), std::move(options));
}

std::vector<notice> builtin_notices() {
  std::vector<notice> notices;
  for (const auto& f : detail::builtin_holiday_files()) notices.push_back(parse_notice(f.text, std::string(f.name)));
  return notices;
}

calendar builtin_calendar() {
  static const calendar cal(builtin_notices());
  return cal;
}

}  // namespace dueday
