// Case id -> case number, for the engine's per-command lookup.
//
// Open addressing with linear probing over (hash, number) pairs of 8 bytes: a lookup touches one
// slot's cache line and then the case's id to confirm, where std::unordered_map walks a chain of
// separately allocated nodes (about 3x the memory and cache misses at a million cases). Debian 12
// has no flat hash map in its Boost (1.74); abseil's would be a large dependency for this one map.
// Erasing moves later ids of the run back into the gap (backward-shift deletion), so there are no
// tombstones to lengthen later probes and find stays correct after any sequence of erases.
//
// Keyed: case ids come from outside (an intake system, a file), and linear probing degrades to a
// linear scan per lookup when many ids share their low hash bits. With the unkeyed
// std::hash<std::string_view>, 2000 ids of the form "KM-2026-10-0000123" that agree in their low
// 12 bits take well under a second of brute force to find, and 300k such lines took 14x as long
// as ordinary ones. SipHash-2-4 (siphash.hpp) under a 128-bit key is a PRF: whoever does not know
// the key cannot pick colliding ids. The library reads no clock or random device, so the key is the
// host's to give (draw it from its own random source at start-up); the default key is a fixed,
// public constant that keeps runs reproducible but does not stop someone who has read this file.
//
// The key changes where ids sit, never what find or erase return, and the index cannot be
// iterated: hash order never reaches output (the engine breaks ties by explicit keys, such as
// (due, case_id, step, kind) for events).
//
//   id_index ix{hash_key{k0, k1}};
//   ix.insert("KM-2026-10-0000123", 0);
//   ix.find("KM-2026-10-0000123", id_of) == 0;   // id_of(n): the id of case n
//   ix.erase("KM-2026-10-0000123", id_of);       // true; now find gives none
#pragma once

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

#include "big_memory.hpp"
#include "siphash.hpp"

namespace dueday::detail {

// The 128-bit SipHash key of an id_index. The default is the first 128 bits of pi's fraction: an
// arbitrary constant with nothing up its sleeve, fixed so that a host that gives no key gets the
// same layout on every run.
struct hash_key {
  std::uint64_t k0 = 0x243f6a8885a308d3;
  std::uint64_t k1 = 0x13198a2e03707344;
  friend bool operator==(const hash_key&, const hash_key&) = default;
};

class id_index {
 public:
  static constexpr std::uint32_t none = std::numeric_limits<std::uint32_t>::max();

  // An empty index hashing under key. Does not allocate.
  explicit id_index(hash_key key = {}) noexcept : key_(key) {}

  // The number stored for id, or none. `id_of(n)` gives the id of case n (as a string_view or
  // anything comparable with one). Never allocates.
  template <class IdOf>
  [[nodiscard]] std::uint32_t find(std::string_view id, IdOf&& id_of) const {
    const std::size_t i = locate(id, hash(id), id_of);
    return i == npos ? none : slots_[i].number;
  }

  // find(id, id_of) given `h`, which is hash(id) or a stale hint: a slot is only taken when its id
  // compares equal, and a miss under h is confirmed under hash(id) unless h is that. With the
  // right h (the usual case: the hash prefetch() was given) the id is hashed no second time.
  template <class IdOf>
  [[nodiscard]] std::uint32_t find(std::string_view id, std::uint32_t h, IdOf&& id_of) const {
    std::size_t i = locate(id, h, id_of);
    if (i == npos) {
      const std::uint32_t actual = hash(id);
      if (actual != h) i = locate(id, actual, id_of);
    }
    return i == npos ? none : slots_[i].number;
  }

  // Hints for a lookup ahead of find(), given the id's hash(): bring its home slot into cache; and
  // later, once that has arrived, the number stored under the first slot with that hash, unconfirmed
  // (the id is not compared: it may be another id's), or none. Neither changes anything.
  void prefetch(std::uint32_t h) const noexcept {
    if (!slots_.empty()) detail::prefetch(&slots_[h & mask()]);
  }
  [[nodiscard]] std::uint32_t candidate(std::uint32_t h) const noexcept {
    if (size_ == 0) return none;
    for (std::size_t i = h & mask(); slots_[i].number != none; i = next(i)) {
      if (slots_[i].hash == h) return slots_[i].number;
    }
    return none;
  }

  // Adds id -> number; id must not be present and number must not be none. Grows (the only time
  // it allocates) at a load of 1/2.
  void insert(std::string_view id, std::uint32_t number) {
    assert(number != none);
    if (2 * (size_ + 1) > slots_.size()) grow(slots_.empty() ? 16 : 2 * slots_.size());
    place(hash(id), number);
    ++size_;
  }

  // Removes id; false if it was absent. Later ids of its probe run move back into the gap, so
  // find needs no tombstones. Never allocates; keeps the capacity.
  template <class IdOf>
  bool erase(std::string_view id, IdOf&& id_of) {
    std::size_t hole = locate(id, hash(id), id_of);
    if (hole == npos) return false;
    for (std::size_t j = next(hole); slots_[j].number != none; j = next(j)) {
      // The entry at j may fill the hole if the hole lies on its probe path, home .. j.
      const std::size_t home = slots_[j].hash & mask();
      if (((j - home) & mask()) >= ((j - hole) & mask())) {
        slots_[hole] = slots_[j];
        hole = j;
      }
    }
    slots_[hole] = slot{};
    --size_;
    return true;
  }

  // Room for n ids without growing.
  void reserve(std::size_t n) {
    std::size_t cap = 16;
    while (cap < 2 * n) cap *= 2;
    if (cap > slots_.size()) grow(cap);
  }

  // Removes every id; keeps the capacity and the key.
  void clear() noexcept {
    std::fill(slots_.begin(), slots_.end(), slot{});
    size_ = 0;
  }

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] hash_key key() const noexcept { return key_; }

  // The 32-bit hash the index stores for id: SipHash-2-4 under key(), its halves xor-ed.
  [[nodiscard]] std::uint32_t hash(std::string_view id) const noexcept {
    const std::uint64_t h = siphash24(key_.k0, key_.k1, id);
    return static_cast<std::uint32_t>(h ^ (h >> 32));
  }

  // The most slots a successful find examines for any stored id: 1 when every id sits in its home
  // slot, 0 when empty. For tests and diagnostics: O(capacity).
  [[nodiscard]] std::size_t longest_probe() const noexcept {
    std::size_t longest = 0;
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      if (slots_[i].number != none) longest = std::max(longest, ((i - (slots_[i].hash & mask())) & mask()) + 1);
    }
    return longest;
  }

 private:
  struct slot {
    std::uint32_t hash = 0;
    std::uint32_t number = none;  // none: the slot is empty
  };
  static_assert(sizeof(slot) == 8, "a slot is a 32-bit hash and a 32-bit number");
  static constexpr std::size_t npos = std::numeric_limits<std::size_t>::max();

  [[nodiscard]] std::size_t mask() const noexcept { return slots_.size() - 1; }
  [[nodiscard]] std::size_t next(std::size_t i) const noexcept { return (i + 1) & mask(); }

  // The slot holding id, or npos. Ends at an empty slot: the load stays at most 1/2.
  template <class IdOf>
  [[nodiscard]] std::size_t locate(std::string_view id, std::uint32_t h, IdOf& id_of) const {
    if (size_ == 0) return npos;
    for (std::size_t i = h & mask(); slots_[i].number != none; i = next(i)) {
      if (slots_[i].hash == h && id_of(slots_[i].number) == id) return i;
    }
    return npos;
  }
  void place(std::uint32_t h, std::uint32_t number) {
    std::size_t i = h & mask();
    while (slots_[i].number != none) i = next(i);
    slots_[i] = slot{h, number};
  }
  // Rehashing needs only the stored hashes, not the ids.
  void grow(std::size_t capacity) {
    std::vector<slot, big_allocator<slot>> old(capacity);
    old.swap(slots_);
    for (const slot& s : old) {
      if (s.number != none) place(s.hash, s.number);
    }
  }

  hash_key key_;
  std::vector<slot, big_allocator<slot>> slots_;
  std::size_t size_ = 0;
};

}  // namespace dueday::detail
