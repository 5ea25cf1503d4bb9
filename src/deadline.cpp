#include "dueday/deadline.hpp"

#include <fmt/format.h>

#include "dueday/format.hpp"
#include "dueday/io.hpp"

namespace dueday {

using namespace std::chrono;

std::string_view to_string(counting_rule r) noexcept { return r == counting_rule::civil ? "civil" : "hours"; }

std::optional<counting_rule> parse_counting_rule(std::string_view s) noexcept {
  if (s == "civil") return counting_rule::civil;
  if (s == "hours") return counting_rule::hours;
  return std::nullopt;
}

deadline_result deadline(const calendar& cal, instant from, working_days n, deadline_options o) {
  if (n.count() < 1) throw error(fmt::format("a period of {} working days (expected at least 1)", n.count()));
  deadline_result r;
  if (o.rule == counting_rule::civil) {
    // Civil Code art. 201: the start day is not counted, whatever kind of day it is.
    r.last_day = cal.advance(cal.day_of(from), n, o.cover);
    r.due = o.close_of_business ? cal.at(r.last_day, cal.hours().close()) : cal.at(r.last_day + days{1}, seconds{0});
  } else {
    r.due = cal.add_working_time(from, cal.hours().per_day() * n.count(), time_basis::office_hours, o.cover);
    r.last_day = cal.day_of(r.due);
  }
  r.provisional = !cal.covers(r.last_day);
  return r;
}

namespace {

std::string reason_for(const day_info& d) {
  const std::string_view provisional = d.provisional ? ", provisional" : "";
  switch (d.kind) {
    case day_kind::workday:
      return d.provisional ? "working day (provisional)" : "working day";
    case day_kind::makeup_workday:
      return fmt::format("make-up working day for {} ({}{})", d.name, d.notice, provisional);
    case day_kind::holiday:
      return fmt::format("holiday {} ({}{})", d.name, d.notice, provisional);
    case day_kind::restday:
      return d.provisional ? "weekend (provisional)" : "weekend";
  }
  return {};
}

}  // namespace

explanation explain_deadline(const calendar& cal, instant from, working_days n, deadline_options o) {
  explanation e{from, n, o, deadline(cal, from, n, o), {}};
  const civil_day start = cal.day_of(from);
  std::int32_t ordinal = 0;
  for (civil_day d = start; d <= e.result.last_day; d = d + days{1}) {
    explained_day x{cal.day(d, o.cover), 0, working_time{0}, {}};
    const instant day_begin = cal.at(d, seconds{0});
    const instant day_end = cal.at(d + days{1}, seconds{0});
    if (o.rule == counting_rule::civil) {
      if (d == start) {
        x.reason = fmt::format("start day, not counted (Civil Code art. 201); {}", reason_for(x.info));
      } else if (x.info.is_working_day()) {
        x.ordinal = ++ordinal;
        x.counted = hours{24};
        x.reason = fmt::format("counted: working day {} of {}; {}", ordinal, n.count(), reason_for(x.info));
      } else {
        x.reason = fmt::format("not counted: {}", reason_for(x.info));
      }
    } else {
      const instant a = d == start ? from : day_begin;
      const instant b = d == e.result.last_day ? e.result.due : day_end;
      x.counted = cal.working_time_between(a, b, time_basis::office_hours, o.cover);
      if (x.counted > working_time{0}) {
        x.ordinal = ++ordinal;
        x.reason = fmt::format("counted: {}h{:02}m of office time; {}", x.counted.count() / 3600,
                               x.counted.count() / 60 % 60, reason_for(x.info));
      } else {
        x.reason =
            fmt::format("not counted: {}", x.info.is_working_day() ? "outside office hours" : reason_for(x.info));
      }
    }
    e.days.push_back(std::move(x));
  }
  return e;
}

}  // namespace dueday
