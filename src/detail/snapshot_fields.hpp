// The fields of a snapshot read from the tree (snapshot.cpp), for the whole text and for the
// reader that takes it piece by piece (snapshot_reader.cpp).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "detail/snapshot_json.hpp"
#include "dueday/engine_state.hpp"

namespace dueday::detail {

inline constexpr std::string_view snapshot_format_name = "dueday-engine-snapshot";
inline constexpr std::int64_t snapshot_format_version = 4;            // 4: a clock with nothing set, written short
inline constexpr std::int64_t snapshot_units_version = 3;             // 3: names, a clock's unit, a case's district
inline constexpr std::int64_t snapshot_first_version = 2;             // read too: no names, every unit and district 0
inline constexpr std::int64_t snapshot_max_elapsed = 10'000'000'000;  // seconds, about 317 years
// In step_timer::status order.
inline constexpr std::array<std::string_view, 4> snapshot_timer_states = {"idle", "running", "paused", "stopped"};
inline constexpr std::array<case_status, 4> snapshot_case_statuses = {
    case_status::open, case_status::completed, case_status::cancelled, case_status::out_of_scope};

// A clock with nothing to keep but its unit: idle, never started, nothing raised, every time zero.
// Version 4 writes it as {"state":"idle","unit":N}.
[[nodiscard]] inline bool snapshot_short_clock(const clock_record& c) noexcept {
  return c.timer == step_timer::raw{} && !c.commanded && !c.waiting && !c.completed && c.fired == 0;
}

// Arrays and objects in a snapshot: a snapshot uses 5 (top, cases, a case, its clocks, a clock).
inline constexpr std::size_t snapshot_max_depth = 8;

// Everything but the cases, from the whole snapshot's tree (whose `cases` must be an array, left
// unread); sets `version` to the format version found.
[[nodiscard]] engine_state read_snapshot_header(const snapshot_json::node& root, std::int64_t& version);
// One case at `path` ("cases[3]") of a snapshot of that format version.
[[nodiscard]] case_record read_snapshot_case(const snapshot_json::node& n, std::string path, std::int64_t version);

}  // namespace dueday::detail
