// Numbers as every form of the circular prints them, so that text, CSV, JSON and HTML agree.
#pragma once

#include <cmath>
#include <optional>
#include <string>
#include <string_view>

#include "dueday/event.hpp"

#include <fmt/format.h>

namespace dueday::detail {

// "—" where a figure has no value (a zero denominator): never 0 % or 100 %.
inline constexpr const char* no_value = "—";

// What an alert raised, as circulars name it: 黄牌 (warning), 红牌 (overdue), 督办 (escalation).
[[nodiscard]] inline std::string_view alert_title(event_kind k) {
  switch (k) {
    case event_kind::warning:
      return "黄牌";
    case event_kind::overdue:
      return "红牌";
    case event_kind::escalation:
      return "督办";
    default:
      return "";
  }
}

// A rate (0..1) as a percentage with two decimals: "98.50%".
[[nodiscard]] inline std::string rate_text(std::optional<double> rate) {
  return rate ? fmt::format("{:.2f}%", *rate * 100) : std::string(no_value);
}

// A change in percentage points (百分点), signed: "+1.10", "-0.50", "0.00".
[[nodiscard]] inline std::string pp_text(std::optional<double> pp) {
  if (!pp) return no_value;
  const double v = std::round(*pp * 100) / 100;
  return v > 0 ? fmt::format("+{:.2f}", v) : fmt::format("{:.2f}", v == 0 ? 0.0 : v);
}

// Working days with two decimals: "1.50".
[[nodiscard]] inline std::string wd_text(std::optional<double> wd) {
  return wd ? fmt::format("{:.2f}", *wd) : std::string(no_value);
}

}  // namespace dueday::detail
