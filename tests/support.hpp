// Helpers shared by the test files.
#pragma once

#include <dueday/calendar.hpp>
#include <dueday/io.hpp>

namespace dueday::test {

// The built-in national calendar (built once).
inline const calendar& cal() {
  static const calendar c = builtin_calendar();
  return c;
}

// An instant from ISO 8601 text; +08:00 when no offset is given.
inline instant at(const char* iso) { return parse_instant(iso); }

}  // namespace dueday::test
