// The engine's alert queue: one entry per case that has an alert pending (its earliest over its
// clocks), in an indexed 4-ary min-heap, so that changing or removing a case's entry is
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

#include "detail/prefetch.hpp"
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

  // Adds case number cases() with no entry. May throw (nothing changes then).
  void add_case() {
    if (heap_.capacity() < pos_.size() + 1) heap_.reserve(std::max<std::size_t>(16, 2 * heap_.capacity()));
    pos_.push_back(absent);
  }
  // Removes the last case number, which must have no entry.
  void pop_case() noexcept { pos_.pop_back(); }
  // Forgets every case and entry; keeps the room.
  void clear() noexcept {
    heap_.clear();
    pos_.clear();
  }
  void reserve(std::size_t cases) {
    heap_.reserve(cases);
    pos_.reserve(cases);
  }

  [[nodiscard]] std::size_t cases() const noexcept { return pos_.size(); }
  [[nodiscard]] std::size_t size() const noexcept { return heap_.size(); }
  [[nodiscard]] bool empty() const noexcept { return heap_.empty(); }
  // The earliest entry. Not empty().
  [[nodiscard]] const alert_entry& top() const noexcept { return heap_.front(); }
  // The case's entry, if any.
  [[nodiscard]] std::optional<alert_entry> entry(std::uint32_t c) const noexcept {
    if (pos_[c] == absent) return std::nullopt;
    return heap_[pos_[c]];
  }

  // Prefetch hints for a command on case c (see case_store): its place in the heap; then, once
  // that has arrived, its entry and the children a change of it compares with.
  void prefetch_position(std::uint32_t c) const noexcept {
    if (c < pos_.size()) prefetch(&pos_[c]);
  }
  void prefetch_entry(std::uint32_t c) const noexcept {
    if (c >= pos_.size() || pos_[c] == absent) return;
    const std::size_t p = pos_[c];
    prefetch(&heap_[p]);
    if (4 * p + 1 < heap_.size())
      prefetch(&heap_[4 * p + 1], std::min<std::size_t>(4, heap_.size() - 4 * p - 1) * sizeof(alert_entry));
  }

  // Sets case e.c's entry to e.
  void put(const alert_entry& e) noexcept {
    const std::uint32_t p = pos_[e.c];
    if (p == absent) {
      heap_.push_back(e);  // within the reserved room: one entry per case at most
      sift_up(heap_.size() - 1);
    } else {
      heap_[p] = e;
      sift_up(p);
      sift_down(pos_[e.c]);
    }
  }

  // Removes case c's entry, if any.
  void erase(std::uint32_t c) noexcept {
    const std::uint32_t p = pos_[c];
    if (p == absent) return;
    pos_[c] = absent;
    const alert_entry last = heap_.back();
    heap_.pop_back();
    if (p == heap_.size()) return;
    place(p, last);
    sift_up(p);
    sift_down(pos_[last.c]);
  }

 private:
  void place(std::size_t i, const alert_entry& e) noexcept {
    heap_[i] = e;
    pos_[e.c] = static_cast<std::uint32_t>(i);
  }
  void sift_up(std::size_t i) noexcept {
    const alert_entry e = heap_[i];
    while (i > 0) {
      const std::size_t parent = (i - 1) / 4;
      if (!alert_before(e, heap_[parent])) break;
      place(i, heap_[parent]);
      i = parent;
    }
    place(i, e);
  }
  void sift_down(std::size_t i) noexcept {
    const alert_entry e = heap_[i];
    const std::size_t n = heap_.size();
    for (;;) {
      const std::size_t first = 4 * i + 1;
      if (first >= n) break;
      std::size_t best = first;
      for (std::size_t ch = first + 1; ch < std::min(first + 4, n); ++ch)
        if (alert_before(heap_[ch], heap_[best])) best = ch;
      if (!alert_before(heap_[best], e)) break;
      place(i, heap_[best]);
      i = best;
    }
    place(i, e);
  }

  std::vector<alert_entry> heap_;   // 4-ary min-heap
  std::vector<std::uint32_t> pos_;  // per case: its entry's place in heap_, or absent
};

}  // namespace dueday::detail
