// Replaces the global operator new and delete, every form, counting the bytes and blocks live, the
// bytes requested in all, and the peak of the live bytes: every allocation is seen whatever its
// size (glibc's mallinfo2 leaves out the blocks malloc maps with mmap). For a bench's one
// translation unit (the replacements are definitions). Not in the counts: what is allocated with
// malloc directly (SQLite's memory, for one).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>

namespace counting {

// Bytes requested through operator new and not yet deleted, and the number of such blocks.
// Relaxed atomics: the bench has one thread, but a counter must not become a data race if it grows
// a second.
std::atomic<std::size_t> live_bytes{0};
std::atomic<std::size_t> live_blocks{0};
// Bytes requested in all, freed or not.
std::atomic<std::size_t> requested_bytes{0};
// The most live_bytes reached since the last reset_peak().
std::atomic<std::size_t> peak_bytes{0};

// Starts a new peak at the bytes live now.
inline void reset_peak() { peak_bytes.store(live_bytes.load(std::memory_order_relaxed), std::memory_order_relaxed); }

// Each block is preceded by a header whose last 8 bytes hold the size requested, so that every
// delete, sized or not, subtracts what its new added. The header keeps the block's alignment:
// 16 bytes (what malloc and new guarantee), or the alignment asked for when that is larger.
constexpr std::size_t default_alignment = __STDCPP_DEFAULT_NEW_ALIGNMENT__;
constexpr std::size_t header(std::size_t alignment) { return std::max(alignment, default_alignment); }

// n bytes aligned to `alignment` (0: the default), or nullptr.
void* allocate(std::size_t n, std::size_t alignment) noexcept {
  const std::size_t h = header(alignment);
  if (n > SIZE_MAX - 2 * h) return nullptr;
  // aligned_alloc wants a size that is a multiple of the alignment.
  void* base = alignment <= default_alignment
                   ? std::malloc(n + h)
                   : std::aligned_alloc(alignment, (n + h + alignment - 1) / alignment * alignment);
  if (base == nullptr) return nullptr;
  std::byte* p = static_cast<std::byte*>(base) + h;
  std::memcpy(p - sizeof n, &n, sizeof n);
  const std::size_t live = live_bytes.fetch_add(n, std::memory_order_relaxed) + n;
  std::size_t peak = peak_bytes.load(std::memory_order_relaxed);
  while (live > peak && !peak_bytes.compare_exchange_weak(peak, live, std::memory_order_relaxed)) {
  }
  live_blocks.fetch_add(1, std::memory_order_relaxed);
  requested_bytes.fetch_add(n, std::memory_order_relaxed);
  return p;
}

// As allocate, calling the new-handler until it succeeds; throws std::bad_alloc when there is none.
void* allocate_or_throw(std::size_t n, std::size_t alignment) {
  for (;;) {
    if (void* p = allocate(n, alignment)) return p;
    const std::new_handler handler = std::get_new_handler();
    if (handler == nullptr) throw std::bad_alloc();
    handler();
  }
}

// The nothrow forms behave as the throwing ones, with nullptr for the exception.
void* allocate_or_null(std::size_t n, std::size_t alignment) noexcept {
  try {
    return allocate_or_throw(n, alignment);
  } catch (...) {
    return nullptr;
  }
}

void release(void* p, std::size_t alignment) noexcept {
  if (p == nullptr) return;
  std::byte* block = static_cast<std::byte*>(p);
  std::size_t n = 0;
  std::memcpy(&n, block - sizeof n, sizeof n);
  live_bytes.fetch_sub(n, std::memory_order_relaxed);
  live_blocks.fetch_sub(1, std::memory_order_relaxed);
  std::free(block - header(alignment));
}

constexpr std::size_t size_of(std::align_val_t a) { return static_cast<std::size_t>(a); }

}  // namespace counting

void* operator new(std::size_t n) { return counting::allocate_or_throw(n, 0); }
void* operator new[](std::size_t n) { return counting::allocate_or_throw(n, 0); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counting::allocate_or_null(n, 0); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counting::allocate_or_null(n, 0); }
void* operator new(std::size_t n, std::align_val_t a) { return counting::allocate_or_throw(n, counting::size_of(a)); }
void* operator new[](std::size_t n, std::align_val_t a) { return counting::allocate_or_throw(n, counting::size_of(a)); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return counting::allocate_or_null(n, counting::size_of(a));
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return counting::allocate_or_null(n, counting::size_of(a));
}
void operator delete(void* p) noexcept { counting::release(p, 0); }
void operator delete[](void* p) noexcept { counting::release(p, 0); }
void operator delete(void* p, std::size_t) noexcept { counting::release(p, 0); }
void operator delete[](void* p, std::size_t) noexcept { counting::release(p, 0); }
void operator delete(void* p, const std::nothrow_t&) noexcept { counting::release(p, 0); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { counting::release(p, 0); }
void operator delete(void* p, std::align_val_t a) noexcept { counting::release(p, counting::size_of(a)); }
void operator delete[](void* p, std::align_val_t a) noexcept { counting::release(p, counting::size_of(a)); }
void operator delete(void* p, std::size_t, std::align_val_t a) noexcept { counting::release(p, counting::size_of(a)); }
void operator delete[](void* p, std::size_t, std::align_val_t a) noexcept {
  counting::release(p, counting::size_of(a));
}
void operator delete(void* p, std::align_val_t a, const std::nothrow_t&) noexcept {
  counting::release(p, counting::size_of(a));
}
void operator delete[](void* p, std::align_val_t a, const std::nothrow_t&) noexcept {
  counting::release(p, counting::size_of(a));
}
