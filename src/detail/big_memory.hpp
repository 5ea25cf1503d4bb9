// Memory for the engine's large arrays, read at random: the id index, the alert heap, the case
// records and their clocks. A lookup among a million cases (hundreds of MB) misses the TLB as
// well as the cache when memory comes in 4 KiB pages: a page walk before every miss. Blocks of
// 1 MiB or more are therefore aligned to 2 MiB and the kernel is asked to back them with huge
// pages (madvise MADV_HUGEPAGE; Linux's transparent huge pages in their "madvise" mode, Debian's
// and most distributions' default, use them only where asked). On the replay bench, huge pages for
// the whole heap (GLIBC_TUNABLES=glibc.malloc.hugetlb=1) made the engine 19 % faster. A refused
// advice changes nothing but the speed; smaller blocks are plain, aligned to a cache line.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "prefetch.hpp"

namespace dueday::detail {

inline constexpr std::size_t huge_page = std::size_t{2} << 20;
inline constexpr std::size_t big_block = std::size_t{1} << 20;  // from this size on, huge pages

// `bytes` of memory aligned to a cache line (to a huge page for a big block). Throws
// std::bad_alloc. Give back with free_big(p, bytes), the same `bytes`.
[[nodiscard]] inline void* allocate_big(std::size_t bytes) {
  if (bytes < big_block) return ::operator new (bytes, std::align_val_t{cache_line});
  const std::size_t rounded = (bytes + huge_page - 1) / huge_page * huge_page;
  void* p = std::aligned_alloc(huge_page, rounded);
  if (p == nullptr) throw std::bad_alloc();
#if defined(MADV_HUGEPAGE)
  (void)::madvise(p, rounded, MADV_HUGEPAGE);  // advice: a refusal only costs speed
#endif
  return p;
}

inline void free_big(void* p, std::size_t bytes) noexcept {
  if (p == nullptr) return;
  if (bytes < big_block) {
    ::operator delete (p, std::align_val_t{cache_line});
  } else {
    std::free(p);  // NOLINT(cppcoreguidelines-no-malloc): it came from aligned_alloc
  }
}

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
