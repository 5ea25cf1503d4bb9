// Case id -> case number, for the engine's per-command lookup.
//
// Open addressing with linear probing over (hash, number) pairs of 8 bytes: a lookup touches one
// slot's cache line and then the case's id to confirm, where std::unordered_map walks a chain of
// separately allocated nodes (about 3x the memory and cache misses at a million cases). Debian 12
// has no flat hash map in its Boost (1.74); abseil's would be a large dependency for this one map.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <string_view>
#include <vector>

namespace dueday::detail {

class id_index {
 public:
  static constexpr std::uint32_t none = std::numeric_limits<std::uint32_t>::max();

  // The number stored for id, or none. `id_of(n)` gives the id of case n.
  template <class IdOf>
  [[nodiscard]] std::uint32_t find(std::string_view id, IdOf&& id_of) const {
    if (slots_.empty()) return none;
    const std::uint32_t h = hash(id);
    for (std::size_t i = h & mask(); slots_[i].number != none; i = (i + 1) & mask()) {
      if (slots_[i].hash == h && id_of(slots_[i].number) == id) return slots_[i].number;
    }
    return none;
  }

  // Adds id -> number; id must not be present. Grows at a load of 1/2.
  void insert(std::string_view id, std::uint32_t number) {
    if (2 * (size_ + 1) > slots_.size()) grow(slots_.empty() ? 16 : 2 * slots_.size());
    place(hash(id), number);
    ++size_;
  }

  // Room for n ids without growing.
  void reserve(std::size_t n) {
    std::size_t cap = 16;
    while (cap < 2 * n) cap *= 2;
    if (cap > slots_.size()) grow(cap);
  }

  [[nodiscard]] std::size_t size() const noexcept { return size_; }

 private:
  struct slot {
    std::uint32_t hash = 0;
    std::uint32_t number = none;
  };

  static std::uint32_t hash(std::string_view id) {
    const std::size_t h = std::hash<std::string_view>{}(id);
    return static_cast<std::uint32_t>(h ^ (h >> 32));
  }
  [[nodiscard]] std::size_t mask() const noexcept { return slots_.size() - 1; }
  void place(std::uint32_t h, std::uint32_t number) {
    std::size_t i = h & mask();
    while (slots_[i].number != none) i = (i + 1) & mask();
    slots_[i] = slot{h, number};
  }
  // Rehashing needs only the stored hashes, not the ids.
  void grow(std::size_t capacity) {
    std::vector<slot> old(capacity);
    old.swap(slots_);
    for (const slot& s : old) {
      if (s.number != none) place(s.hash, s.number);
    }
  }

  std::vector<slot> slots_;
  std::size_t size_ = 0;
};

}  // namespace dueday::detail
