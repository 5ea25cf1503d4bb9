// detail/command_members.hpp — what command_lines (command_lines.cpp) takes from command_reader
// (command_reader.cpp) for the documents simdjson finds in a block of lines: the reading of one
// object's members, the code command_reader::read runs on a line's object.
#pragma once

#include <simdjson.h>

#include "detail/command_fields.hpp"
#include "detail/command_json.hpp"

namespace dueday::detail {

struct command_reader_access {
  // Reads the members of `o` into r's fields, as command_reader::read reads a line's object; false
  // when simdjson does not take them (the line is then read alone).
  static bool read_members(command_reader& r, simdjson::ondemand::object o);
  // The fields read last: valid until r reads again.
  static const command_fields& fields(const command_reader& r) noexcept;
};

}  // namespace dueday::detail
