// dueday/error.hpp — what dueday throws.
//
//   error            every dueday exception derives from it (itself a std::runtime_error)
//   parse_error      bad text in a file or stream; what() is "file:line: message"
//   coverage_error   a strict query reached a day the loaded holiday notices do not cover,
//                    e.g. "2027-01-04 is past the last covered day 2026-12-31"
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "dueday/units.hpp"

namespace dueday {

class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Bad data in a named input. what() is "<source>:<line>: <message>", or "<source>: <message>"
// when line is 0 (a problem with the input as a whole, such as a missing file).
class parse_error : public error {
 public:
  parse_error(std::string source, int line, std::string_view message);
  // The input's name: a file path, "stdin", or the name a caller gave to a text.
  [[nodiscard]] const std::string& source() const noexcept { return source_; }
  // 1-based line, 0 when the problem is not on one line.
  [[nodiscard]] int line() const noexcept { return line_; }
  // The message alone, without "<source>:<line>: " (for reports that give the place apart).
  [[nodiscard]] const std::string& message() const noexcept { return message_; }

 private:
  std::string source_;
  int line_;
  std::string message_;
};

// A query needed a day outside the holiday data: before the first notice's year or after the last.
class coverage_error : public error {
 public:
  coverage_error(std::string_view message, civil_day first_covered, civil_day last_covered);
  // The covered range, both ends inclusive.
  [[nodiscard]] civil_day first_covered() const noexcept { return first_; }
  [[nodiscard]] civil_day last_covered() const noexcept { return last_; }

 private:
  civil_day first_;
  civil_day last_;
};

}  // namespace dueday
