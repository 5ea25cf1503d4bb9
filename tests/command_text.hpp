// A parsed command, or the reason it was refused, as one comparable line: what the JSON Lines
// tests and the jsonl fuzz target compare the simdjson reader and its nlohmann fallback by.
#pragma once

#include <fmt/format.h>
#include <dueday/engine.hpp>
#include <dueday/format.hpp>

#include <string>

namespace dueday::test {

inline std::string describe(bool ok, const command& c, const std::string& why) {
  if (!ok) return "refused: " + why;
  std::string w = "-";
  if (c.works) {
    w = fmt::format("{}/{}", c.works->meter_dn, c.works->pipe_m);
    for (const auto& x : c.works->crossings) w += "/" + x;
  }
  std::string units;
  for (const auto& [step, unit] : c.units) units += fmt::format("{}={};", step, unit);
  return fmt::format("{} {} [{}] [{}] [{}] [{}] [{}] {} [{}] [{}] [{}]", to_string(c.kind), format_instant(c.at),
                     c.case_id, c.step, c.policy, c.variant, c.reason, w, c.district, units, c.unit);
}

}  // namespace dueday::test
