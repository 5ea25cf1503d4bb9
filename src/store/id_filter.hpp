// The writer's Bloom filter of the command ids in the journal (Burton H. Bloom, "Space/time
// trade-offs in hash coding with allowable errors", CACM 13(7), 1970): an id it does not hold is
// certainly not journaled, so sqlite_storage::known_ids asks SQLite only about the few ids it might
// hold. Almost every id a feeder sends is new: looking each up in the ids table's B-tree was a
// tenth of a durable command's instructions.
//
// Never a false negative: every id the store holds is added (from the ids table when it is built, and
// by add() as a batch is appended, before its commit, so an id of a batch that then fails only
// costs a needless lookup). Sized for a power of two of ids, at least twice as many as it holds
// when built, 8 bits and 4 hashes for each: a new id passes it with probability (1 - e^(-4n/8c))^4
// with n ids held in a size of c, 0.24% at half full, 2.4% full, when it is built again twice as
// large from the ids table. Memory: 2 to 4 bytes per id the store holds. The hash is SipHash-2-4
// under a fixed key: ids chosen to collide cost no more than the B-tree lookup every id had without
// the filter. Private to src/store.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "detail/siphash.hpp"

namespace dueday::detail {

class id_filter {
 public:
  // Whether the filter was built (rebuild()); until then it answers nothing.
  [[nodiscard]] bool built() const noexcept { return !bits_.empty(); }
  // Whether another `n` ids fit without passing the filter's size (else rebuild it, larger).
  [[nodiscard]] bool room_for(std::size_t n) const noexcept { return held_ + n <= capacity_; }

  // Empties the filter and sizes it for `ids` ids (at least 65,536), doubled; then add() each id.
  void rebuild(std::size_t ids) {
    capacity_ = 65'536;
    while (capacity_ < 2 * ids) capacity_ *= 2;
    bits_.assign(capacity_ / 8, 0);  // 8 bits per id of capacity, 64 to a word
    held_ = 0;
  }
  void add(std::string_view id) noexcept {
    const auto [a, b] = hashes(id);
    for (std::uint64_t k = 0; k < hash_count; ++k) {
      const std::uint64_t bit = (a + k * b) & (bits() - 1);
      bits_[bit / 64] |= std::uint64_t{1} << (bit % 64);
    }
    ++held_;
  }
  // False: the id is certainly not journaled. True: it may be.
  [[nodiscard]] bool may_hold(std::string_view id) const noexcept {
    const auto [a, b] = hashes(id);
    for (std::uint64_t k = 0; k < hash_count; ++k) {
      const std::uint64_t bit = (a + k * b) & (bits() - 1);
      if ((bits_[bit / 64] & (std::uint64_t{1} << (bit % 64))) == 0) return false;
    }
    return true;
  }

 private:
  static constexpr std::uint64_t hash_count = 4;
  [[nodiscard]] std::uint64_t bits() const noexcept { return std::uint64_t{bits_.size()} * 64; }
  // Two halves of one keyed hash; the second odd, so that its multiples reach every bit.
  [[nodiscard]] std::pair<std::uint64_t, std::uint64_t> hashes(std::string_view id) const noexcept {
    const std::uint64_t h = siphash24(0x6475656461792d69, 0x642d66696c746572, id);  // "dueday-i", "d-filter"
    return {h, (h >> 32) | 1};
  }

  std::vector<std::uint64_t> bits_;
  std::size_t capacity_ = 0;  // ids it is sized for
  std::size_t held_ = 0;      // ids added since the last rebuild
};

}  // namespace dueday::detail
