// dueday/engine_state.hpp — an engine's whole state as plain values: what a serializer saves and
// what engine::from_state rebuilds an engine from (snapshot.hpp turns it into JSON and back).
//
// Nothing here is trusted on the way back in: engine::from_state checks every field against the
// calendar and the policies (names, states, instants in order and in range, working times within
// what the instants allow) and refuses anything an engine could not have produced.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dueday/case_state.hpp"
#include "dueday/timer.hpp"
#include "dueday/units.hpp"

namespace dueday {

// One clock of a case, in policy order (steps, then overall).
struct clock_record {
  step_timer::raw timer{};           // see step_timer
  std::optional<instant> commanded;  // the step's `start` command, once it came
  bool waiting = false;              // started by command; the steps it is after have not completed
  bool completed = false;            // stopped by a `complete` command (not by a cancel)
  std::uint8_t fired = 0;            // bit l: alert level l (policy order) was raised
  std::uint32_t unit = 0;            // the unit a command named for it: engine_state::names[unit - 1]; 0 none
  friend bool operator==(const clock_record&, const clock_record&) = default;
};

// An accepted pause or resume of a step: kept so that a repeat of it, however late, is recognised.
struct transition_record {
  std::uint8_t step = 0;  // index of the step in the variant
  bool pause = true;      // pause, or resume
  instant at{};
  friend bool operator==(const transition_record&, const transition_record&) = default;
};

struct case_record {
  std::string id;
  std::string policy;   // policy id
  std::string variant;  // empty: out of scope (no clocks)
  case_status status = case_status::open;
  instant opened{};
  instant closed{};                  // completed or cancelled: when; out of scope: its opening; open: unused (0)
  std::vector<clock_record> clocks;  // one per clock of the variant
  std::vector<transition_record> transitions;  // pauses and resumes, in the order accepted
  std::uint32_t district = 0;                  // the open's district: engine_state::names[district - 1]; 0 none
  friend bool operator==(const case_record&, const case_record&) = default;
};

struct engine_state {
  instant now{};                          // the latest instant seen
  std::optional<instant> retired_before;  // cases closed before it were retired (engine::retire)
  std::string calendar;                   // calendar::fingerprint() of the calendar in use
  std::vector<std::string> policies;      // "id@version" of every policy, in the set's order
  // Every district and unit name commands gave (each once, non-empty, UTF-8, at most
  // max_unit_name bytes), in the order first seen: clocks and cases refer to them by place + 1.
  std::vector<std::string> names;
  std::vector<case_record> cases;  // in the order they were opened
  friend bool operator==(const engine_state&, const engine_state&) = default;
};

}  // namespace dueday
