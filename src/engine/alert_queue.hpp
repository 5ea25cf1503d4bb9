// The engine's alert queue: one entry per case that has an alert pending (its earliest over its
// clocks), in an indexed 8-ary min-heap, so that changing or removing a case's entry is
// O(log n) and a tick pops only what falls due.
//
// Entries are ordered by (at, case, clock, level): cases are numbered in the order they were
// opened, so ties come out in opening order, never in heap order. The heap never holds more than
// one entry per case and keeps room for every case, so put() and erase() never allocate: undoing
// a command (which re-puts entries) cannot fail.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "detail/big_memory.hpp"
#include "dueday/units.hpp"

namespace dueday::detail {

struct alert_entry {
  instant at;
  std::uint32_t c;     // case number
  std::uint8_t k;      // clock
  std::uint8_t level;  // alert level
  friend bool operator==(const alert_entry&, const alert_entry&) = default;
};

// The one order of alerts.
[[nodiscard]] constexpr bool alert_before(const alert_entry& a, const alert_entry& b) noexcept {
  if (a.at != b.at) return a.at < b.at;
  if (a.c != b.c) return a.c < b.c;
  if (a.k != b.k) return a.k < b.k;
  return a.level < b.level;
}

class alert_queue {
 public:
  static constexpr std::uint32_t absent = std::numeric_limits<std::uint32_t>::max();

  alert_queue() : heap_(pad) {}

  // Adds case number cases() with no entry. May throw (nothing changes then).
  void add_case() {
    if (heap_.capacity() < pad + pos_.size() + 1) heap_.reserve(std::max<std::size_t>(pad + 16, 2 * heap_.capacity()));
    pos_.push_back(absent);
  }
  // Removes the last case number, which must have no entry.
  void pop_case() noexcept { pos_.pop_back(); }
  // Forgets every case and entry; keeps the room.
  void clear() noexcept {
    heap_.resize(pad);
    pos_.clear();
  }
  void reserve(std::size_t cases) {
    heap_.reserve(pad + cases);
    pos_.reserve(cases);
  }

  [[nodiscard]] std::size_t cases() const noexcept { return pos_.size(); }
  [[nodiscard]] std::size_t size() const noexcept { return heap_.size() - pad; }
  [[nodiscard]] bool empty() const noexcept { return size() == 0; }
  // The earliest entry. Not empty().
  [[nodiscard]] const alert_entry& top() const noexcept { return at(0); }
  // The case's entry, if any.
  [[nodiscard]] std::optional<alert_entry> entry(std::uint32_t c) const noexcept {
    if (pos_[c] == absent) return std::nullopt;
    return at(pos_[c]);
  }

  // Prefetch hints for a command on case c (see case_store): its place in the heap; then, once
  // that has arrived, its entry and its children, which a later entry is compared with.
  void prefetch_position(std::uint32_t c) const noexcept {
    if (c < pos_.size()) prefetch(&pos_[c]);
  }
  void prefetch_entry(std::uint32_t c) const noexcept {
    if (c >= pos_.size() || pos_[c] == absent) return;
    const std::size_t i = pos_[c];
    prefetch(&at(i));
    if (first_child(i) < size()) prefetch(&at(first_child(i)), group);
  }

  // Sets case e.c's entry to e.
  void put(const alert_entry& e) noexcept {
    const std::uint32_t p = pos_[e.c];
    if (p == absent) {
      heap_.push_back(e);  // within the reserved room: one entry per case at most
      sift_up(size() - 1);
    } else if (at(p) == e) {  // unchanged (a case refreshed twice in one command): no look at the children
      return;
    } else if (alert_before(e, at(p))) {  // earlier: it can only rise
      at(p) = e;
      sift_up(p);
    } else {  // later: it can only sink (no look at its parent, a likely cache miss)
      at(p) = e;
      sift_down(p);
    }
  }

  // Removes case c's entry, if any.
  void erase(std::uint32_t c) noexcept {
    const std::uint32_t p = pos_[c];
    if (p == absent) return;
    pos_[c] = absent;
    const alert_entry last = heap_.back();
    heap_.pop_back();
    if (p == size()) return;
    place(p, last);
    sift_up(p);
    sift_down(pos_[last.c]);
  }

 private:
  // The heap's entry i sits at heap_[i + pad]: with heap_'s storage aligned to a cache line, the
  // children of entry i, 8i + 1 .. 8i + 8, sit at 8(i + 1) + 0 .. 7, two whole lines of four
  // 16-byte entries (a pair the hardware fetches together), so that each level of a sift down
  // reads one group; eight children rather than four make the heap a third less deep (200,000
  // cases: 6 levels instead of 9), which a sift pays in misses.
  static constexpr std::size_t fanout = 8;
  static constexpr std::size_t pad = fanout - 1;
  static constexpr std::size_t group = fanout * sizeof(alert_entry);
  static_assert(group == 2 * cache_line, "eight entries to two cache lines");

  static constexpr std::size_t first_child(std::size_t i) noexcept { return fanout * i + 1; }
  [[nodiscard]] alert_entry& at(std::size_t i) noexcept { return heap_[i + pad]; }
  [[nodiscard]] const alert_entry& at(std::size_t i) const noexcept { return heap_[i + pad]; }

  void place(std::size_t i, const alert_entry& e) noexcept {
    at(i) = e;
    pos_[e.c] = static_cast<std::uint32_t>(i);
  }
  void sift_up(std::size_t i) noexcept {
    const alert_entry e = at(i);
    while (i > 0) {
      const std::size_t parent = (i - 1) / fanout;
      if (!alert_before(e, at(parent))) break;
      place(i, at(parent));
      i = parent;
    }
    place(i, e);
  }
  // Each level asks for the next level's lines first (the children's children, eight groups) so
  // that they are on their way while this level's eight are compared.
  void sift_down(std::size_t i) noexcept {
    const alert_entry e = at(i);
    const std::size_t n = size();
    for (;;) {
      const std::size_t first = first_child(i);
      if (first >= n) break;
      if (first_child(first) < n) prefetch(&at(first_child(first)), fanout * group);
      std::size_t best = first;
      for (std::size_t ch = first + 1; ch < std::min(first + fanout, n); ++ch)
        if (alert_before(at(ch), at(best))) best = ch;
      if (!alert_before(at(best), e)) break;
      place(i, at(best));
      i = best;
    }
    place(i, e);
  }

  std::vector<alert_entry, big_allocator<alert_entry>> heap_;     // pad, then an 8-ary min-heap
  std::vector<std::uint32_t, big_allocator<std::uint32_t>> pos_;  // per case: its entry's place in the heap, or absent
};

}  // namespace dueday::detail
