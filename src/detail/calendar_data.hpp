// The tables behind a calendar (private to the library).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dueday/calendar.hpp"

namespace dueday::detail {

inline constexpr std::uint16_t no_entry = 0xFFFF;

struct calendar_data {
  std::vector<notice> notices;  // national (application order), then overlays
  calendar_options options;
  utc_offset offset{};

  std::int32_t first = 0;            // serial day of index 0
  std::int32_t covered_end = 0;      // one past the last covered index
  std::vector<std::uint8_t> kind;    // day_kind per index
  std::vector<std::int32_t> before;  // size + 1 prefix counts of working days
  std::vector<std::int32_t> nth;     // index of the k-th working day
  // Provenance per index: which notice and which of its entries set the day, or no_entry.
  std::vector<std::uint16_t> notice_of;
  std::vector<std::uint16_t> entry_of;
  std::vector<std::string> projected_name;  // per index past coverage: name of a projected holiday

  [[nodiscard]] day_table table() const {
    return day_table{first,
                     covered_end,
                     static_cast<std::int32_t>(kind.size()),
                     static_cast<std::int32_t>(nth.size()),
                     kind.data(),
                     before.data(),
                     nth.data()};
  }
};

}  // namespace dueday::detail
