// Big blocks mapped on their own, aligned to a huge page and advised to use huge pages
// (big_memory.hpp).
#include "detail/big_memory.hpp"

#include <atomic>
#include <cstdint>

#if defined(__unix__)
#include <sys/mman.h>
#endif

namespace dueday::detail {

namespace {

std::atomic<std::size_t> mapped{0};

std::size_t rounded(std::size_t bytes) noexcept { return (bytes + huge_page - 1) / huge_page * huge_page; }

#if defined(__unix__) && defined(MAP_ANONYMOUS)

// A huge page more than needed, then the unaligned head and the tail given back.
void* map_aligned(std::size_t size) {
  void* const m = ::mmap(nullptr, size + huge_page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) throw std::bad_alloc();
  const auto start = reinterpret_cast<std::uintptr_t>(m);  // NOLINT(performance-no-int-to-ptr)
  const std::uintptr_t aligned = (start + huge_page - 1) / huge_page * huge_page;
  if (aligned > start) ::munmap(m, aligned - start);
  if (const std::uintptr_t tail = start + huge_page - aligned; tail > 0)  // after aligned + size
    ::munmap(reinterpret_cast<void*>(aligned + size), tail);              // NOLINT(performance-no-int-to-ptr)
  void* const p = reinterpret_cast<void*>(aligned);                       // NOLINT(performance-no-int-to-ptr)
#if defined(MADV_HUGEPAGE)
  (void)::madvise(p, size, MADV_HUGEPAGE);  // advice: a refusal only costs speed
#endif
  return p;
}
void unmap(void* p, std::size_t size) noexcept { ::munmap(p, size); }

#else  // no mmap: aligned operator new, without the advice

void* map_aligned(std::size_t size) { return ::operator new (size, std::align_val_t{huge_page}); }
void unmap(void* p, std::size_t /*size*/) noexcept { ::operator delete (p, std::align_val_t{huge_page}); }

#endif

}  // namespace

std::size_t big_bytes_mapped() noexcept { return mapped.load(std::memory_order_relaxed); }

void* allocate_big(std::size_t bytes) {
  if (bytes < big_block) return ::operator new (bytes, std::align_val_t{cache_line});
  void* const p = map_aligned(rounded(bytes));
  mapped.fetch_add(rounded(bytes), std::memory_order_relaxed);
  return p;
}

void free_big(void* p, std::size_t bytes) noexcept {
  if (bytes < big_block) {
    ::operator delete (p, std::align_val_t{cache_line});
  } else if (p != nullptr) {
    unmap(p, rounded(bytes));
    mapped.fetch_sub(rounded(bytes), std::memory_order_relaxed);
  }
}

}  // namespace dueday::detail
