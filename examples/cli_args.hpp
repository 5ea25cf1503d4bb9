// Option values the CLI's commands share (run, serve, worker, publish).
#pragma once

#include <fmt/format.h>
#include <dueday/error.hpp>

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

namespace dueday_cli {

// `text` as a whole number from `low` to `high`; else dueday::error "<name>: '<text>' is not a
// number from <low> to <high>".
[[nodiscard]] inline std::uint64_t number_arg(const std::string& text, std::string_view name, std::uint64_t low,
                                              std::uint64_t high) {
  std::uint64_t n = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), n);
  if (r.ec != std::errc{} || r.ptr != text.data() + text.size() || n < low || n > high)
    throw dueday::error(fmt::format("{}: {} is not a number from {} to {}", name, dueday::quote(text), low, high));
  return n;
}

}  // namespace dueday_cli
