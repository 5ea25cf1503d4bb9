// Memory for the engine's large arrays, read at random: the id index, the alert heap, the case
// records and their clocks. A lookup among a million cases (hundreds of MB) misses the TLB as
// well as the cache when memory comes in 4 KiB pages: a page walk before every miss. Blocks of
// 1 MiB or more are therefore aligned to 2 MiB and the kernel is asked to back them with huge
// pages (madvise MADV_HUGEPAGE: where Linux's transparent huge pages are in their "madvise" mode,
// as on the machines this was measured on, only such regions get them). On the replay bench, huge
// pages for the whole heap (GLIBC_TUNABLES=glibc.malloc.hugetlb=1) made the engine 19 % faster.
// A refused advice changes nothing but the speed; smaller blocks are plain, aligned to a cache
// line.
#pragma once

#include <cstddef>
#include <new>

#include "prefetch.hpp"

namespace dueday::detail {

inline constexpr std::size_t huge_page = std::size_t{2} << 20;
inline constexpr std::size_t big_block = std::size_t{1} << 20;  // from this size on, huge pages

// Bytes of big blocks mapped now, over all engines (for the benchmarks' memory figures).
[[nodiscard]] std::size_t big_bytes_mapped() noexcept;

// `bytes` of memory aligned to a cache line; a big block is aligned to a huge page and mapped on
// its own (mmap), not taken from malloc: memory malloc hands out again after it was freed must not
// carry the huge-page advice, or a few small blocks there would each keep 2 MiB resident. Throws
// std::bad_alloc. Give back with free_big(p, bytes), the same `bytes`.
[[nodiscard]] void* allocate_big(std::size_t bytes);
void free_big(void* p, std::size_t bytes) noexcept;

// A standard allocator over allocate_big, for std::vector.
template <class T>
struct big_allocator {
  using value_type = T;
  big_allocator() noexcept = default;
  template <class U>
  explicit big_allocator(const big_allocator<U>& /*other*/) noexcept {}
  [[nodiscard]] T* allocate(std::size_t n) { return static_cast<T*>(allocate_big(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) noexcept { free_big(p, n * sizeof(T)); }
  template <class U>
  friend bool operator==(const big_allocator&, const big_allocator<U>&) noexcept {
    return true;
  }
};

}  // namespace dueday::detail
