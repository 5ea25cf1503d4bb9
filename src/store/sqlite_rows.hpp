// Rows of many entries (schema 3): the journal and the outbox of a SQLite store keep a batch's
// entries in a few rows, not a row each. Private to src/store.
//
// Why: a durable command used to cost four SQLite rows (its journal entry, its id and about two
// events), each a statement step with its B-tree descent, record building and statement end; those
// were half of the instructions of a durable command in batches of 1,000. Packed, a batch of 1,000
// commands writes its 1,000 ids and a handful of rows.
//
// A row holds the entries first..last (positions, or event sequence numbers) of one batch, each
// entry's text ended by '\n'. No entry holds a '\n': command lines and events are JSON Lines, keys
// are JSON arrays on one line, and ids hold no control character (sqlite_storage::append refuses
// anything else). The journal's `ids` column is NULL when no entry of the row has an id, else one
// id per entry ("" for none), each ended by '\n'. A row ends after row_entries entries or once its
// text reaches row_bytes, so a reader that wants one entry splits at most that much.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dueday::detail {

inline constexpr std::size_t row_entries = 1024;
inline constexpr std::size_t row_bytes = std::size_t{1} << 18;

// The entries of one row being written: their texts, each ended by '\n'.
class row_text {
 public:
  void clear() noexcept {
    text_.clear();
    n_ = 0;
  }
  void add(std::string_view entry) {
    text_.append(entry);
    text_.push_back('\n');
    ++n_;
  }
  [[nodiscard]] std::size_t size() const noexcept { return n_; }
  [[nodiscard]] std::string_view text() const noexcept { return text_; }
  [[nodiscard]] bool full() const noexcept { return n_ >= row_entries || text_.size() >= row_bytes; }

 private:
  std::string text_;  // keeps its room from row to row
  std::size_t n_ = 0;
};

// The `n` entries of a row's text into `out` (replaced); false when the text does not hold exactly
// n entries each ended by '\n' (a damaged row).
inline bool split_row(std::string_view text, std::uint64_t n, std::vector<std::string_view>& out) {
  out.clear();
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    if (end == std::string_view::npos || out.size() == n) return false;
    out.push_back(text.substr(0, end));
    text.remove_prefix(end + 1);
  }
  return out.size() == n;
}

}  // namespace dueday::detail
