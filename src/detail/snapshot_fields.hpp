// The fields of a snapshot read from the tree (snapshot.cpp), for the whole text and for the
// reader that takes it piece by piece (snapshot_reader.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "detail/snapshot_json.hpp"
#include "dueday/engine_state.hpp"

namespace dueday::detail {

// Arrays and objects in a snapshot: a snapshot uses 5 (top, cases, a case, its clocks, a clock).
inline constexpr std::size_t snapshot_max_depth = 8;

// Everything but the cases, from the whole snapshot's tree (whose `cases` must be an array, left
// unread); sets `version` to the format version found.
[[nodiscard]] engine_state read_snapshot_header(const snapshot_json::node& root, std::int64_t& version);
// One case at `path` ("cases[3]") of a snapshot of that format version.
[[nodiscard]] case_record read_snapshot_case(const snapshot_json::node& n, std::string path, std::int64_t version);

}  // namespace dueday::detail
