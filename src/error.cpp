#include "dueday/error.hpp"

#include <fmt/format.h>

#include <utility>

#include "detail/located.hpp"

namespace dueday {

std::string detail::located(const std::string& source, int line, std::string_view message) {
  return line > 0 ? fmt::format("{}:{}: {}", source, line, message) : fmt::format("{}: {}", source, message);
}

parse_error::parse_error(std::string source, int line, std::string_view message)
    : error(detail::located(source, line, message)), source_(std::move(source)), line_(line), message_(message) {}

coverage_error::coverage_error(std::string_view message, civil_day first_covered, civil_day last_covered)
    : error(std::string(message)), first_(first_covered), last_(last_covered) {}

}  // namespace dueday
