// Numbers as every form of the circular prints them, so that text, CSV, JSON and HTML agree.
#pragma once

#include <cmath>
#include <optional>
#include <string>

#include <fmt/format.h>

namespace dueday::detail {

// "—" where a figure has no value (a zero denominator): never 0 % or 100 %.
inline constexpr const char* no_value = "—";

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
