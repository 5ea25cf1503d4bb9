// A command's events, held until the command has applied whole and then handed to the sink in
// one batch. Event objects are reused from command to command (their strings keep their room),
// so a command that emits as many events as an earlier one allocates nothing.
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>
#include <vector>

#include "dueday/event.hpp"

namespace dueday::detail {

class event_buffer {
 public:
  // A cleared event at the end of the buffer. May throw (the buffer is unchanged then).
  event& add() {
    if (size_ == events_.size()) events_.emplace_back();
    event& e = events_[size_];
    reset(e);
    ++size_;
    return e;
  }
  [[nodiscard]] std::span<const event> view() const noexcept { return {events_.data(), size_}; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  // Drops the events after the first n (a refused command's own, keeping the alerts before it).
  void truncate(std::size_t n) noexcept { size_ = std::min(size_, n); }
  // Forgets the events. The room of a burst (a late tick, or the midnight of a busy day, raising
  // half a million alerts) is kept while bursts keep coming, and given back once as many commands
  // in a row as `quiet` times its events have needed no more than the usual room: regrowing the
  // room of n events costs about n events' construction and moves, so waiting `quiet` * n commands
  // bounds that to a fraction of an event per command (a daily tick raising thousands of alerts no
  // longer regrows it every day), while keeping it for ever would pin memory a quiet engine never
  // uses. A room over `kept_max` events goes after `quiet_max` quiet commands instead: there the
  // memory pinned, not the regrowth, is what matters, since 8n commands would be millions (with a
  // million open cases each working morning raises some 333,000 alerts, and the engine bench's
  // engine held their 190 MB, 190 bytes per open case, for good).
  void clear() noexcept {
    const std::size_t used = size_;
    size_ = 0;
    if (events_.size() <= retained) return;
    quiet_ = used > retained ? 0 : quiet_ + 1;
    if (quiet_ < (events_.size() <= kept_max ? quiet * events_.size() : quiet_max)) return;
    quiet_ = 0;
    events_.erase(events_.begin() + retained, events_.end());
    try {
      events_.shrink_to_fit();  // a request; on failure the room simply stays
    } catch (...) {
    }
  }
  // Whether the room of a burst is still held.
  [[nodiscard]] bool holds_burst() const noexcept { return events_.size() > retained; }

  // Clears the buffer when it ends, delivered or not: a command that failed leaves nothing behind.
  class scope {
   public:
    explicit scope(event_buffer& b) noexcept : b_(b) { b_.size_ = 0; }
    scope(const scope&) = delete;
    scope& operator=(const scope&) = delete;
    ~scope() { b_.clear(); }

   private:
    event_buffer& b_;
  };

 private:
  static constexpr std::size_t retained = 4096;   // events whose room is always kept
  static constexpr std::size_t quiet = 8;         // commands within it, per event of the room, before it goes
  static constexpr std::size_t kept_max = 65536;  // events of the largest room kept by that rule (23 MB)
  static constexpr std::size_t quiet_max = 1024;  // commands within it before a larger room goes

  static void reset(event& e) noexcept {
    e.kind = event_kind::case_opened;
    e.at = instant{};
    e.case_id.clear();
    e.step.clear();
    e.level.clear();
    e.due.reset();
    e.previous_due.reset();
    e.elapsed.reset();
    e.remaining.reset();
    e.on_time.reset();
    e.provisional = false;
    e.detail.clear();
    e.line = 0;
    e.code.clear();
    e.unit.clear();
    e.district.clear();
    e.policy.clear();
  }

  std::vector<event> events_;
  std::size_t size_ = 0;
  std::size_t quiet_ = 0;  // commands in a row within `retained` since the last burst
};

}  // namespace dueday::detail
