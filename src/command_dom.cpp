// read_command_dom: a command line read with nlohmann's DOM. The reference for the simdjson reader
// (command_reader.cpp), and its fallback for the lines simdjson refuses, whose messages it gives.
#include "detail/command_json.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_set>
#include <vector>

#include "detail/command_fields.hpp"

namespace dueday::detail {

using nlohmann::json;

namespace {

json_kind kind_of(const json& j) noexcept {
  switch (j.type()) {
    case json::value_t::boolean:
      return json_kind::boolean;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return json_kind::number;
    case json::value_t::string:
      return json_kind::string;
    case json::value_t::array:
      return json_kind::array;
    case json::value_t::object:
      return json_kind::object;
    default:
      return json_kind::null;
  }
}

// nlohmann's messages start "[json.exception.parse_error.101] parse error at line 1, column 5: ".
std::string_view short_what(std::string_view w) {
  if (auto p = w.find("] "); p != std::string_view::npos) w.remove_prefix(p + 2);
  return w;
}

std::string malformed(const json::exception& e) {
  return fmt::format("malformed JSON ({})", escape(short_what(e.what()), 200));  // it quotes the line
}

void read_works_dom(const json& j, command_fields& f) {
  f.has_works = true;
  if (!j.is_object()) {
    f.works_error = works_not_object;
    return;
  }
  for (const auto& [key, value] : j.items()) {  // in key order: the first fault is the smallest key's
    if (key == "meter_dn") {
      if (!value.is_number_integer() || value.get<std::int64_t>() <= 0 || value.get<std::int64_t>() > 10000) {
        f.works_error = bad_meter_dn;
        return;
      }
      f.works.meter_dn = value.get<std::int32_t>();
    } else if (key == "pipe_m") {
      if (!value.is_number() || value.get<double>() < 0) {
        f.works_error = bad_pipe_m;
        return;
      }
      f.works.pipe_m = value.get<double>();
    } else if (key == "crossings") {
      if (!value.is_array()) {
        f.works_error = bad_crossings;
        return;
      }
      for (const auto& x : value) {
        if (!x.is_string()) {
          f.works_error = bad_crossings;
          return;
        }
        f.works.crossings.push_back(x.get<std::string>());
      }
    } else {
      f.works_error = unknown_works_field(key);
      return;
    }
  }
  if (!j.contains("meter_dn") || !j.contains("pipe_m")) f.works_error = works_incomplete;
}

// An open's units: each member's step and value as read (in key order); build_command checks them.
void read_units_dom(const json& j, command_fields& f) {
  f.has_units = true;
  f.units_kind = kind_of(j);
  if (!j.is_object()) return;
  for (auto it = j.begin(); it != j.end(); ++it) {
    unit_entry& u = f.units.emplace_back();
    u.step = it.key();
    u.unit.present = true;
    u.unit.kind = kind_of(*it);
    if (it->is_string()) u.unit.text = it->get_ref<const std::string&>();
  }
}

}  // namespace

bool read_command_dom(std::string_view line, command& c, std::string& why, std::string* id) {
  if (id) id->clear();
  // The first repeated key of the command object or of its works or units object, found as keys
  // are read.
  struct level {
    bool checked;
    std::unordered_set<std::string> keys;
  };
  std::vector<level> levels;
  std::string top_key;
  command_fields f;
  const auto callback = [&](int /*depth*/, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
        levels.push_back(
            {levels.empty() || (levels.size() == 1 && levels[0].checked && (top_key == "works" || top_key == "units")),
             {}});
        break;
      case json::parse_event_t::array_start:
        levels.push_back({false, {}});
        break;
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        levels.pop_back();
        break;
      case json::parse_event_t::key: {
        const auto& key = parsed.get_ref<const std::string&>();
        if (levels.size() == 1) top_key = key;
        if (levels.back().checked && !levels.back().keys.insert(key).second && f.duplicate.empty())
          f.duplicate = levels.size() == 1 ? key : top_key + "." + key;
        break;
      }
      case json::parse_event_t::value:
        break;
    }
    return true;
  };
  json j;
  try {
    j = json::parse(line, callback);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number past a double
    why = malformed(e);
    return false;
  }
  // nlohmann stops at a NUL byte as at the end of the text: what follows it was never read.
  if (const auto nul = line.find('\0'); nul != std::string_view::npos) {
    why = fmt::format("malformed JSON (NUL byte at column {})", nul + 1);
    return false;
  }
  if (!j.is_object()) {
    why = "a command must be a JSON object";
    return false;
  }
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (text_field* t = f.text(it.key())) {
      t->present = true;
      t->kind = kind_of(*it);
      if (it->is_string()) t->text = it->get_ref<const std::string&>();
    } else if (it.key() == "works") {
      read_works_dom(*it, f);
    } else if (it.key() == "units") {
      read_units_dom(*it, f);
    }
  }
  return build_command(f, c, why, id);
}

std::string json_syntax_problem(std::string_view line) {
  try {
    [[maybe_unused]] const json j = json::parse(line);
  } catch (const json::exception& e) {
    return malformed(e);
  }
  return {};
}

}  // namespace dueday::detail
