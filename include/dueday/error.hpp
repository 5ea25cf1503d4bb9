// dueday/error.hpp — what dueday throws.
//
//   error            every dueday exception derives from it (itself a std::runtime_error)
//   parse_error      bad text in a file or stream; what() is "file:line: message"
//   coverage_error   a strict query reached a day the loaded holiday notices do not cover,
//                    e.g. "2027-01-04 is past the last covered day 2026-12-31"
//
// Every message is one line: text that came from outside (an argument, a key or value in a file, a
// case id in a command) appears in it through quote() or escape() below.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

#include "dueday/units.hpp"

namespace dueday {

class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Untrusted text made fit for a one-line message, between single quotes. Escaped, in one style
// throughout: \n, \r and \t as such; every other control character (U+0000-U+001F, U+007F-U+009F:
// NUL is \u0000, ESC \u001b), the line and paragraph separators U+2028 and U+2029 and the
// bidirectional controls U+200E, U+200F, U+202A-U+202E, U+2066-U+2069 as \uXXXX; every byte that is
// not part of well-formed UTF-8 as \xHH. Quotes and backslashes are left as they are (so escaping
// escaped text changes nothing). Text whose escaped form is longer than `max` characters (code
// points; an escape counts for its length) is cut there, marked with an ellipsis, and followed by
// its whole length in bytes:
//   quote("W-1")                          'W-1'
//   quote("a\nb\x1b[2J")                  'a\nb\u001b[2J'
//   quote(std::string(3145728, 'x'))      'xx…x…' (3145728 bytes), keeping the first 80 x's
// The result is at most 4 * max + 34 bytes, whatever the input. Throws only std::bad_alloc.
// (Not named `quoted`: for a std::string argument, argument-dependent lookup would find
// std::quoted, which escapes nothing, and prefer it.)
[[nodiscard]] std::string quote(std::string_view text, std::size_t max = 80);
// The same without the quotes, for a name a message gives bare, such as a file path before ": "
// ("a\nb.toml" -> a\nb.toml; cut: "xxx… (3145728 bytes)").
[[nodiscard]] std::string escape(std::string_view text, std::size_t max = 80);

// Bad data in a named input. what() is "<source>:<line>: <message>", or "<source>: <message>"
// when line is 0 (a problem with the input as a whole, such as a missing file). In what() the
// source is escaped (escape(), up to 1024 characters); source() returns it as given.
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
