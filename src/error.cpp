#include "dueday/error.hpp"

#include <fmt/format.h>

#include <utility>

namespace dueday {

namespace {
std::string located(const std::string& source, int line, std::string_view message) {
  return line > 0 ? fmt::format("{}:{}: {}", source, line, message) : fmt::format("{}: {}", source, message);
}
}  // namespace

parse_error::parse_error(std::string source, int line, std::string_view message)
    : error(located(source, line, message)), source_(std::move(source)), line_(line) {}

coverage_error::coverage_error(std::string_view message, civil_day first_covered, civil_day last_covered)
    : error(std::string(message)), first_(first_covered), last_(last_covered) {}

}  // namespace dueday
