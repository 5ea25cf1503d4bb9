// The rules over a command line's fields, shared by both readers (see detail/command_fields.hpp):
// which fields each command needs, their types, the command type and the timestamp.
#include "detail/command_fields.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <vector>

#include "dueday/error.hpp"
#include "dueday/io.hpp"
#include "dueday/jsonl.hpp"

namespace dueday::detail {

using namespace std::chrono;

namespace {

// The name nlohmann's type_name() gives a value of kind `k`.
std::string_view name_of(json_kind k) noexcept {
  constexpr std::string_view names[] = {"null", "boolean", "number", "string", "array", "object"};
  return names[static_cast<std::size_t>(k)];
}

// "2026-09-28T10:00:00+08:00" or "2026-09-28T10:00:00Z", the form hosts write and this library
// prints: false for any other text, which parse_instant reads (or refuses, with its message).
// The day comes from `known` when its text is the day read last (commands come in time order).
bool parse_plain_instant(std::string_view s, instant& out, known_day& known) noexcept {
  if (s.size() != 25 && s.size() != 20) return false;
  // Digits are summed without a branch each; one test at the end says whether all were digits.
  unsigned bad = 0;
  const auto digits = [&](std::size_t at, std::size_t n) {
    unsigned v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      const unsigned d = static_cast<unsigned char>(s[i]) - unsigned{'0'};  // wraps below '0'
      bad |= static_cast<unsigned>(d > 9);
      v = v * 10 + d;
    }
    return v;
  };
  if (!known.valid || std::memcmp(known.text.data(), s.data(), known.text.size()) != 0) {
    const unsigned y = digits(0, 4), mo = digits(5, 2), d = digits(8, 2);  // as try_parse_civil_day
    if (bad != 0 || s[4] != '-' || s[7] != '-') return false;
    const year_month_day day{year{static_cast<int>(y)}, month{mo}, std::chrono::day{d}};
    if (!day.ok()) return false;
    std::memcpy(known.text.data(), s.data(), known.text.size());
    known.day = sys_days{day};
    known.valid = true;
  }
  const unsigned h = digits(11, 2), m = digits(14, 2), sec = digits(17, 2);
  if (bad != 0 || s[10] != 'T' || s[13] != ':' || s[16] != ':' || h > 23 || m > 59 || sec > 59) return false;
  seconds offset{0};
  if (s.size() == 20) {
    if (s[19] != 'Z') return false;
  } else {
    const unsigned oh = digits(20, 2), om = digits(23, 2);
    if (bad != 0 || (s[19] != '+' && s[19] != '-') || s[22] != ':') return false;
    if (oh > 14 || om > 59 || (oh == 14 && om > 0)) return false;  // as parse_instant: ±14:00 at most
    offset = hours{oh} + minutes{om};
    if (s[19] == '-') offset = -offset;
  }
  out = instant{known.day} + hours{h} + minutes{m} + seconds{sec} - offset;
  return true;
}

// A district or unit name: non-empty and at most max_unit_name bytes (UTF-8: the readers checked).
bool unit_name(std::string_view field, std::string_view text, std::string& why) {
  if (text.empty()) {
    why = fmt::format("{} is empty", field);
    return false;
  }
  if (text.size() > max_unit_name) {
    why = fmt::format("{} is {} bytes long (at most {})", field, text.size(), max_unit_name);
    return false;
  }
  return true;
}

// An open's `units`, checked in step-name order (so both readers name the same fault) and put in
// that order into c.units.
bool read_units(const command_fields& f, command& c, std::string& why) {
  if (!f.has_units) return true;
  if (f.units_kind != json_kind::object) {
    why = fmt::format("units must be an object {{step: unit name}}, not {}", name_of(f.units_kind));
    return false;
  }
  std::vector<const unit_entry*> sorted;
  sorted.reserve(f.units.size());
  for (const unit_entry& u : f.units) sorted.push_back(&u);
  std::sort(sorted.begin(), sorted.end(), [](const unit_entry* a, const unit_entry* b) { return a->step < b->step; });
  for (const unit_entry* u : sorted) {
    const std::string field = quote(fmt::format("units.{}", u->step));
    if (u->unit.kind != json_kind::string) {
      why = fmt::format("{} must be a string, not {}", field, name_of(u->unit.kind));
      return false;
    }
    if (!unit_name(field, u->unit.text, why)) return false;
    c.units.emplace_back(u->step, u->unit.text);
  }
  return true;
}

// A command's id: a string of 1 to max_command_id bytes (UTF-8: the readers checked) without control
// characters (U+0000-U+001F, U+007F-U+009F), so that it prints on one line as it is.
bool command_id(const text_field& t, std::string& why) {
  if (t.kind != json_kind::string) {
    why = fmt::format("id must be a string, not {}", name_of(t.kind));
    return false;
  }
  const std::string_view s = t.text;
  if (s.empty()) {
    why = "id is empty";
    return false;
  }
  if (s.size() > max_command_id) {
    why = fmt::format("id is {} bytes long (at most {})", s.size(), max_command_id);
    return false;
  }
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto b = static_cast<unsigned char>(s[i]);
    const bool c1 = b == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) <= 0x9F;
    if (b < 0x20 || b == 0x7F || c1) {
      why = fmt::format("id {} holds a control character", quote(s));
      return false;
    }
  }
  return true;
}

}  // namespace

std::string unknown_works_field(std::string_view key) {
  return fmt::format("unknown field {} (expected meter_dn, pipe_m, crossings)", quote(fmt::format("works.{}", key)));
}

bool build_command(const command_fields& f, command& c, std::string& why, std::string* id) {
  const auto string_field = [&](const text_field& t, std::string_view name, bool required) {
    if (!t.present) {
      if (required) why = fmt::format("missing field '{}'", name);
      return !required;
    }
    if (t.kind != json_kind::string) {
      why = fmt::format("{} must be a string, not {}", name, name_of(t.kind));
      return false;
    }
    return true;
  };
  // An optional field, cleared below, is only assigned when it has text (an assign is a call).
  const auto set = [](std::string& to, std::string_view from) {
    if (!from.empty()) to.assign(from);
  };
  if (id) id->clear();
  if (f.id.present && f.duplicate != "id") {
    if (!command_id(f.id, why)) return false;
    if (id) id->assign(f.id.text);
  }
  if (!f.duplicate.empty()) {
    why = fmt::format("duplicate key {}", quote(f.duplicate));
    return false;
  }
  if (!string_field(f.type, "type", true)) return false;
  const auto kind = parse_command_kind(f.type.text);
  if (!kind) {
    why = fmt::format("unknown type {} (expected open, start, pause, resume, complete, cancel, tick)",
                      quote(f.type.text));
    return false;
  }
  if (!string_field(f.at, "at", true)) return false;
  instant at{};
  if (!parse_plain_instant(f.at.text, at, f.day)) {
    try {
      at = parse_instant(f.at.text);
    } catch (const error& e) {
      why = e.what();
      return false;
    }
  }
  c.kind = *kind;
  c.at = at;
  c.case_id.clear();
  c.step.clear();
  c.policy.clear();
  c.variant.clear();
  c.reason.clear();
  c.works.reset();
  c.district.clear();
  c.units.clear();
  c.unit.clear();
  if (c.kind == command_kind::tick) return true;
  if (!string_field(f.case_id, "case", true)) return false;
  if (f.case_id.text.empty()) {
    why = "case is empty";
    return false;
  }
  c.case_id.assign(f.case_id.text);
  switch (c.kind) {
    case command_kind::open:
      if (!string_field(f.policy, "policy", true) || !string_field(f.variant, "variant", false)) return false;
      c.policy.assign(f.policy.text);
      set(c.variant, f.variant.text);
      if (f.has_works) {
        if (!f.works_error.empty()) {
          why = f.works_error;
          return false;
        }
        c.works = f.works;
      }
      if (!string_field(f.district, "district", false)) return false;
      if (f.district.present && !unit_name("district", f.district.text, why)) return false;
      set(c.district, f.district.text);
      if (!read_units(f, c, why)) return false;
      break;
    case command_kind::cancel:
      if (!string_field(f.reason, "reason", false)) return false;
      set(c.reason, f.reason.text);
      break;
    default:
      if (!string_field(f.step, "step", true) || !string_field(f.reason, "reason", false)) return false;
      c.step.assign(f.step.text);
      set(c.reason, f.reason.text);
      if (c.kind == command_kind::start) {
        if (!string_field(f.unit, "unit", false)) return false;
        if (f.unit.present && !unit_name("unit", f.unit.text, why)) return false;
        set(c.unit, f.unit.text);
      }
      break;
  }
  return true;
}

}  // namespace dueday::detail
