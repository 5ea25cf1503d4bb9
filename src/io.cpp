#include "dueday/io.hpp"

#include <fmt/format.h>

#include <toml++/toml.h>
#include <algorithm>
#include <charconv>
#include <fstream>
#include <map>
#include <sstream>

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
  notice_reader(std::string_view text, std::string source) : source_(std::move(source)) {
    try {
      root_ = toml::parse(text, source_);
    } catch (const toml::parse_error& e) {
      throw parse_error(source_, static_cast<int>(e.source().begin.line), escape(e.description(), 200));
    }
  }

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
    if (n.year < 1949 || n.year > 2200) fail(*root_.get("year"), fmt::format("year {} is out of range", n.year));
    if (n.title.empty()) fail(*root_.get("title"), "title is empty");
    const civil_day year_end{year{n.year} / December / 31};
    if (n.published > year_end) {
      fail(*root_.get("published"),
           fmt::format("published {} is after the year it arranges ({})", n.published, n.year));
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
};

}  // namespace

std::string detail::read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw parse_error(file.string(), 0, "cannot open file");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw parse_error(file.string(), 0, "read error");
  return std::move(text).str();
}

notice parse_notice(std::string_view text, std::string source) { return notice_reader(text, std::move(source)).read(); }

notice load_notice(const std::filesystem::path& file) { return parse_notice(detail::read_file(file), file.string()); }

calendar load_calendar(const std::filesystem::path& dir, calendar_options options) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) throw parse_error(dir.string(), 0, "not a directory");
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().extension() == ".toml") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) throw parse_error(dir.string(), 0, "no holiday notice (*.toml) in the directory");
  std::vector<notice> notices;
  notices.reserve(files.size());
  for (const auto& f : files) notices.push_back(load_notice(f));
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
