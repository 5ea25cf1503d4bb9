// Helpers shared by the TOML readers (holiday notices in io.cpp, policies in policy_reader.cpp).
#pragma once

#include <toml++/toml.h>

#include <filesystem>
#include <string>
#include <string_view>

namespace dueday::detail {

// The 1-based line a node starts on.
inline int line_of(const toml::node& n) { return static_cast<int>(n.source().begin.line); }

// "a string", "an integer", ...: for messages that say what was found instead.
inline std::string_view type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    default:
      return "nothing";
  }
}

// The whole file. Throws parse_error "<file>: cannot open file" / "read error".
std::string read_file(const std::filesystem::path& file);

}  // namespace dueday::detail
