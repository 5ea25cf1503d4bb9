#include "dueday/span.hpp"

#include <fmt/format.h>

#include <charconv>

namespace dueday {

std::optional<span_spec> parse_span(std::string_view text) noexcept {
  span_spec s;
  const char* b = text.data();
  const char* e = b + text.size();
  const auto r = std::from_chars(b, e, s.amount);
  if (r.ec != std::errc{} || r.ptr == b || s.amount < 0 || *b == '+' || *b == '-') return std::nullopt;
  const std::string_view unit(r.ptr, static_cast<std::size_t>(e - r.ptr));
  if (unit == "wd") {
    s.in = span_spec::unit::working_days;
  } else if (unit == "h") {
    s.in = span_spec::unit::hours;
  } else {
    return std::nullopt;
  }
  return s;
}

std::string to_string(const span_spec& s) {
  return fmt::format("{}{}", s.amount, s.in == span_spec::unit::working_days ? "wd" : "h");
}

}  // namespace dueday
