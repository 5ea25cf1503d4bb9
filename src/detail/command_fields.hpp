// What both command readers find in a line, and the rules over it: command_reader (simdjson, in
// command_reader.cpp) and read_command_dom (nlohmann, in command_dom.cpp) fill a command_fields,
// and build_command (command_fields.cpp) turns it into a command or the message that refuses it.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dueday/engine.hpp"

namespace dueday::detail {

// nlohmann's type_name() of a value: "null", "boolean", "number", ...
enum class json_kind : std::uint8_t { null, boolean, number, string, array, object };

// A field whose value is a string when well formed. `text` points into the reader's storage.
struct text_field {
  bool present = false;
  json_kind kind = json_kind::null;
  std::string_view text;
};

// One member of an open's `units` object: the step name and its value, as read.
struct unit_entry {
  std::string_view step;
  text_field unit;
};

// The day of the timestamp build_command read last in the usual form, by its text ("2026-10-12"):
// commands come in time order, so most share it.
struct known_day {
  bool valid = false;
  std::array<char, 10> text{};
  std::chrono::sys_days day{};
};

// The fields of one command line, as read (and checked to be JSON) by either reader.
struct command_fields {
  text_field type, at, case_id, policy, variant, step, reason, district, unit, id;
  bool has_units = false;
  json_kind units_kind = json_kind::null;
  std::vector<unit_entry> units;  // an object's members in the reader's order (build_command sorts them)
  bool has_works = false;
  std::string works_error;  // empty when `works` holds the works field, read without fault
  dueday::works works;
  std::string duplicate;  // the first key repeated ("type", "works.pipe_m"), if any
  mutable known_day day;  // build_command's cache, kept by clear()

  void clear() {
    for (text_field* f : {&type, &at, &case_id, &policy, &variant, &step, &reason, &district, &unit, &id}) *f = {};
    has_units = false;
    units_kind = json_kind::null;
    units.clear();
    has_works = false;
    works_error.clear();
    works.meter_dn = 0;
    works.pipe_m = 0;
    works.crossings.clear();
    duplicate.clear();
  }

  // The field named `key`, for the string-valued ones.
  text_field* text(std::string_view key) noexcept {
    switch (key.size()) {
      case 2:
        if (key == "at") return &at;
        return key == "id" ? &id : nullptr;
      case 4:
        if (key == "type") return &type;
        if (key == "case") return &case_id;
        if (key == "step") return &step;
        if (key == "unit") return &unit;
        return nullptr;
      case 6:
        if (key == "policy") return &policy;
        if (key == "reason") return &reason;
        return nullptr;
      case 7:
        return key == "variant" ? &variant : nullptr;
      case 8:
        return key == "district" ? &district : nullptr;
      default:
        return nullptr;
    }
  }
};

// The messages for a works object at fault, the same from both readers.
inline constexpr std::string_view works_not_object = "works must be an object {meter_dn, pipe_m, crossings}";
inline constexpr std::string_view bad_meter_dn = "works.meter_dn must be a positive integer (DN, mm)";
inline constexpr std::string_view bad_pipe_m = "works.pipe_m must be a number of metres >= 0";
inline constexpr std::string_view bad_crossings = "works.crossings must be an array of strings";
inline constexpr std::string_view works_incomplete = "works needs meter_dn and pipe_m";

// The message for a key of works that is none of its fields: "unknown field 'works.<key>' (...)",
// the key escaped and cut (quote()).
std::string unknown_works_field(std::string_view key);

// The rules over the fields of a well-formed line, in the order parse_command has always checked
// them (so a line with several faults names the same one), the id's first. False, with `why` set,
// for a refusal. `id` (when given) is set to the line's id ("" for none), also when the line is
// refused for another fault than its id (a refused id, or a repeated "id" key, leaves it "").
bool build_command(const command_fields& f, command& c, std::string& why, std::string* id = nullptr);

}  // namespace dueday::detail
