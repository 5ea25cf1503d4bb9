// A case of snapshot format version 3 or 4 written exactly as the writer writes it (its keys in order,
// no space, strings without escapes, instants at +08:00 in years 1900..2999), read straight into a
// case_record: the fast way of snapshot_reader, which reads anything else through the tree
// (snapshot_json.hpp) that also names what is wrong.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dueday/engine_state.hpp"

namespace dueday::detail {

// One per reader: it keeps the last instant read, as instants repeat from case to case.
class canonical_case_reader {
 public:
  // Reads the case at the start of `text` into `r`, whose clocks and transitions must be empty.
  // Returns the bytes it took, or 0 when the text is anything else (or cut short): then `r`
  // holds nothing to trust. Accepts only text that the tree reader reads as the same record.
  // `version`: 3 or 4 (which writes a clock with nothing set short).
  [[nodiscard]] std::size_t read(std::string_view text, case_record& r, std::int64_t version);

  // The text of the last instant read (with its quotes) and its value.
  struct last_instant {
    std::array<char, 27> text{};
    instant value{};
    bool known = false;
  };

 private:
  last_instant last_;
};

}  // namespace dueday::detail
