// dueday/format.hpp — fmt formatters for dueday's types.
//
//   fmt::format("{}", civil_day{2026y / October / 10})   // "2026-10-10"
//   fmt::format("{}", day_kind::makeup_workday)          // "makeup-workday"
//   fmt::format("{}", working_days{3})                   // "3 WD"
//
//   format_instant(t)                                     // "2026-10-10T00:00:00+08:00"
//
// civil_day prints its ymd(), never through the host's zone.
#pragma once

#include <fmt/format.h>

#include <string>

#include "dueday/calendar.hpp"
#include "dueday/deadline.hpp"
#include "dueday/units.hpp"

namespace dueday {

// "2026-10-10".
[[nodiscard]] std::string format_civil_day(civil_day d);
// "2026-10-10T00:00:00+08:00": the instant at the offset, ISO 8601 with seconds and the offset.
// An instant whose local date lies outside the years 0000..9999 prints as
// "<n> s from 1970-01-01T00:00:00Z".
[[nodiscard]] std::string format_instant(instant t, utc_offset offset = beijing_offset);

}  // namespace dueday

template <>
struct fmt::formatter<dueday::civil_day> : fmt::formatter<std::string_view> {
  template <class FormatContext>
  auto format(dueday::civil_day d, FormatContext& ctx) const -> decltype(ctx.out()) {
    const auto ymd = d.ymd();
    return fmt::format_to(ctx.out(), "{:04}-{:02}-{:02}", static_cast<int>(ymd.year()),
                          static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  }
};

template <>
struct fmt::formatter<dueday::working_days> : fmt::formatter<std::string_view> {
  template <class FormatContext>
  auto format(dueday::working_days n, FormatContext& ctx) const -> decltype(ctx.out()) {
    return fmt::format_to(ctx.out(), "{} WD", n.count());
  }
};

template <>
struct fmt::formatter<dueday::day_kind> : fmt::formatter<std::string_view> {
  template <class FormatContext>
  auto format(dueday::day_kind k, FormatContext& ctx) const -> decltype(ctx.out()) {
    return fmt::formatter<std::string_view>::format(dueday::to_string(k), ctx);
  }
};

template <>
struct fmt::formatter<dueday::counting_rule> : fmt::formatter<std::string_view> {
  template <class FormatContext>
  auto format(dueday::counting_rule r, FormatContext& ctx) const -> decltype(ctx.out()) {
    return fmt::formatter<std::string_view>::format(dueday::to_string(r), ctx);
  }
};
