// The TOML reader behind parse_notice and load_calendar: one holiday notice, every field checked
// (the format is described in dueday/io.hpp).
#include "dueday/io.hpp"

#include <fmt/format.h>

#include <toml++/toml.h>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "detail/notice_reader.hpp"
#include "detail/toml_util.hpp"
#include "dueday/error.hpp"
#include "dueday/format.hpp"

namespace dueday {

using namespace std::chrono;

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

notice parse_notice(std::string_view text, std::string source) { return notice_reader(text, std::move(source)).read(); }

notice detail::read_notice(std::string_view text, std::string source, int& region_line) {
  notice_reader reader(text, std::move(source));
  notice n = reader.read();
  region_line = reader.region_line();
  return n;
}

}  // namespace dueday
