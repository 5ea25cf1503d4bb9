// Cache prefetch hints: where a later access is known ahead (the case of the command after next),
// ask for its cache lines now, so that the miss overlaps the work in between. A hint never changes
// what the program computes, and any address may be given (a prefetch does not fault).
#pragma once

#include <cstddef>

namespace dueday::detail {

inline constexpr std::size_t cache_line = 64;

inline void prefetch(const void* p) noexcept {
#if defined(__GNUC__) || defined(__clang__)
  __builtin_prefetch(p);
#else
  (void)p;
#endif
}

// Every cache line of [p, p + bytes).
inline void prefetch(const void* p, std::size_t bytes) noexcept {
  const auto* b = static_cast<const unsigned char*>(p);
  for (std::size_t at = 0; at < bytes; at += cache_line) prefetch(b + at);
  if (bytes != 0) prefetch(b + bytes - 1);
}

}  // namespace dueday::detail
