// SipHash-2-4 (Jean-Philippe Aumasson and Daniel J. Bernstein, "SipHash: a fast short-input PRF",
// 2012): a keyed 64-bit hash. Whoever does not know the 128-bit key cannot choose inputs that
// collide, which is what the case-id index needs (see id_index.hpp).
//
//   siphash24(0x0706050403020100, 0x0f0e0d0c0b0a0908, "")  == 0x726fdb47dd0e0e31
//   (key bytes 00 01 .. 0f, empty message: the first vector of the reference vectors.h)
//
// Why it is written here: it is a dozen lines of a fixed, public algorithm, and
// tests/id_index_test.cpp checks it against all 64 SipHash-2-4 vectors of the reference
// implementation (github.com/veorq/SipHash). libsodium's crypto_shorthash would add a runtime
// dependency to every host for this one function.
//
// Bytes are read little-endian by shifts, as the reference does: no alignment assumption, no type
// punning, the same result on any host, and usable in constant expressions (memcpy is not
// constexpr). GCC folds the eight shifted bytes of load8 into one load at -O2.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace dueday::detail {

namespace siphash_impl {

constexpr std::uint64_t rotl(std::uint64_t x, int b) noexcept { return (x << b) | (x >> (64 - b)); }

constexpr std::uint64_t byte(const char* p, std::size_t i) noexcept {
  return std::uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
}
// The 8 bytes at p as a little-endian number. Written out: GCC 12 folds this form into one load,
// not the loop.
constexpr std::uint64_t load8(const char* p) noexcept {
  return byte(p, 0) | byte(p, 1) | byte(p, 2) | byte(p, 3) | byte(p, 4) | byte(p, 5) | byte(p, 6) | byte(p, 7);
}
// The n < 8 bytes at p as a little-endian number.
constexpr std::uint64_t load_tail(const char* p, std::size_t n) noexcept {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v |= byte(p, i);
  return v;
}

struct state {
  std::uint64_t v0, v1, v2, v3;
  constexpr void round() noexcept {
    v0 += v1;
    v1 = rotl(v1, 13);
    v1 ^= v0;
    v0 = rotl(v0, 32);
    v2 += v3;
    v3 = rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = rotl(v1, 17);
    v1 ^= v2;
    v2 = rotl(v2, 32);
  }
  // Two compression rounds per 8-byte word m.
  constexpr void compress(std::uint64_t m) noexcept {
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
};

}  // namespace siphash_impl

// SipHash-2-4 of data under the key (k0, k1), where k0 is the key's bytes 0..7 read little-endian
// and k1 its bytes 8..15. Pure: same inputs, same result, on every host; thread-safe.
constexpr std::uint64_t siphash24(std::uint64_t k0, std::uint64_t k1, std::string_view data) noexcept {
  siphash_impl::state s{k0 ^ 0x736f6d6570736575, k1 ^ 0x646f72616e646f6d, k0 ^ 0x6c7967656e657261,
                        k1 ^ 0x7465646279746573};
  const char* p = data.data();
  const std::size_t n = data.size();
  const std::size_t whole = n - n % 8;
  for (std::size_t i = 0; i < whole; i += 8) s.compress(siphash_impl::load8(p + i));
  // The last word: the 0..7 remaining bytes, and the length mod 256 in the top byte.
  s.compress(siphash_impl::load_tail(p + whole, n - whole) | (std::uint64_t{n & 0xff} << 56));
  s.v2 ^= 0xff;
  for (int i = 0; i < 4; ++i) s.round();
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

}  // namespace dueday::detail
