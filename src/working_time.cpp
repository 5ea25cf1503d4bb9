#include "dueday/working_time.hpp"

#include <fmt/format.h>

#include <utility>

#include "dueday/error.hpp"

namespace dueday {

using std::chrono::hours;
using std::chrono::seconds;

namespace {
std::string hhmm(seconds s) { return fmt::format("{:02}:{:02}", s.count() / 3600, s.count() / 60 % 60); }
}  // namespace

office_hours::office_hours() : office_hours({{hours{9}, hours{12}}, {hours{13}, hours{17}}}) {}

office_hours::office_hours(std::vector<interval> intervals) : intervals_(std::move(intervals)) {
  if (intervals_.empty()) throw error("office hours: no interval given");
  seconds last{0};
  for (const auto& i : intervals_) {
    if (i.begin < last || i.end <= i.begin || i.end > hours{24}) {
      throw error(fmt::format("office hours: interval {}-{} is empty, overlaps the one before or passes 24:00",
                              hhmm(i.begin), hhmm(i.end)));
    }
    last = i.end;
    per_day_ += i.end - i.begin;
  }
}

office_hours office_hours::whole_day() { return office_hours({{hours{0}, hours{24}}}); }

working_time office_hours::worked_before(seconds tod) const noexcept {
  working_time w{0};
  for (const auto& i : intervals_) {
    if (tod <= i.begin) break;
    w += (tod < i.end ? tod : i.end) - i.begin;
  }
  return w;
}

seconds office_hours::reached_at(working_time w) const noexcept {
  if (w <= working_time{0}) return seconds{0};
  for (const auto& i : intervals_) {
    const auto len = i.end - i.begin;
    if (w <= len) return i.begin + w;
    w -= len;
  }
  return close();
}

}  // namespace dueday
