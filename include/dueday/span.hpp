// dueday/span.hpp — a limit or an alert offset as a policy states it: "2wd" (working days) or
// "14h" (hours of office time). What a span amounts to in working time depends on the counting
// rule: clock_rule::span (timer.hpp) converts it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dueday {

struct span_spec {
  enum class unit : std::uint8_t { working_days, hours };
  std::int32_t amount = 0;
  unit in = unit::working_days;
  friend bool operator==(const span_spec&, const span_spec&) = default;
};

// "2wd", "14h"; and back. parse_span returns nullopt for anything else (negative included).
[[nodiscard]] std::optional<span_spec> parse_span(std::string_view text) noexcept;
[[nodiscard]] std::string to_string(const span_spec& s);

}  // namespace dueday
