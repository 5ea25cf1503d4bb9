// dueday/partition.hpp — which partition of a deployment a case belongs to.
//
// A deployment of P partitions (P fixed when it is created, e.g. 64) runs one engine per partition;
// every command naming a case goes to that case's partition, so a case's commands stay in order on
// one engine. The hash is part of the stored data's meaning and never changes between versions or
// machines:
//
//   partition_of(id, P) = fnv1a_64(id's bytes) mod P
//
// FNV-1a 64 (Fowler, Noll, Vo): h = 0xcbf29ce484222325 (the offset basis); for each byte b of the
// id, as given (UTF-8 for the ids commands carry), h = (h xor b) * 0x100000001b3 modulo 2^64.
// The published vectors, and their partitions (the remainders follow from the hash's hex digits:
// mod 64 is its low 6 bits, mod 10 its last decimal digit):
//   ""        0xcbf29ce484222325 = 14695981039346656037   P=64: 37   P=10: 7
//   "a"       0xaf63dc4c8601ec8c = 12638187200555641996   P=64: 12   P=10: 6
//   "foobar"  0x85944171f73967e8 =  9625390261332436968   P=64: 40   P=10: 8   P=3: 0
// Why the remainder rather than the high bits (h * P >> 64): ids that differ only in their last
// characters ("W-000001", "W-000002", ...) differ in FNV's high bits only a little, and 64,000
// such ids spread over 64 partitions as 580..1830 per partition that way, 960..1034 by the
// remainder. (A consistent hash such as jump hash would move fewer cases when P changes; P never
// changes, so the simpler rule wins.)
//
// Ticks name no case: a worker publishes a tick into each partition it owns (cluster workers).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "dueday/engine.hpp"

namespace dueday {

// FNV-1a 64 of the bytes of `text` (see above). Never throws.
[[nodiscard]] constexpr std::uint64_t fnv1a_64(std::string_view text) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char ch : text) {
    h ^= static_cast<unsigned char>(ch);
    h *= 0x100000001b3ULL;
  }
  return h;
}

// The partition of a case: fnv1a_64(case_id) mod partitions, in 0 .. partitions - 1. Throws
// std::invalid_argument when partitions is 0.
[[nodiscard]] std::uint32_t partition_of(std::string_view case_id, std::uint32_t partitions);

// The partition a command goes to: its case's, or nullopt for a tick (which names no case: a worker
// publishes one into each partition it owns). Throws std::invalid_argument when partitions is 0.
[[nodiscard]] std::optional<std::uint32_t> partition_of(const command& c, std::uint32_t partitions);

}  // namespace dueday
