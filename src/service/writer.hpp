// The one thread that owns the service's durable_engine (service.hpp). Other threads hand it work
// and wait: command batches, which it group-commits (the batches queued while it was busy go to
// the store in one apply, one transaction, in the order they were queued), and tasks (an
// acknowledgement, a tick, a query), run between batches. In system mode it also raises the alerts
// that fall due: it sleeps until engine().next_due() (woken early by any work) and then applies a
// tick at the clock's time, journaled like any command.
#pragma once

#include <dueday/store.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "service.hpp"

namespace dueday::service {

// Events raised since the service started, by type and level ("" for none), for /metrics.
using event_counts = std::map<std::pair<std::string, std::string>, std::uint64_t>;

class writer {
 public:
  using clock_fn = std::function<std::chrono::system_clock::time_point()>;
  // Checkpoints as options::checkpoint_every and checkpoint_patience say (service.hpp): once due,
  // after half a second without work, or at once past checkpoint_patience times the interval.
  writer(dueday::durable_engine engine, clock_mode mode, clock_fn clock, std::uint64_t checkpoint_every = 0,
         std::uint64_t checkpoint_patience = 10);
  writer(const writer&) = delete;
  writer& operator=(const writer&) = delete;
  ~writer();  // stop()

  // Applies the commands (`ids` empty or one per command) durably, with the batches of other
  // threads queued meanwhile; returns one outcome per command. Throws store_error with nothing of
  // them stored, or dueday::error "the service is stopping" after stop().
  [[nodiscard]] std::vector<dueday::outcome> apply(std::vector<dueday::command> commands, std::vector<std::string> ids);
  // Runs `task` on the writer thread between batches and waits; rethrows what it throws.
  void run(const std::function<void(dueday::durable_engine&)>& task);

  // The last event sequence number committed.
  [[nodiscard]] std::uint64_t last_sequence() const noexcept { return last_sequence_.load(); }
  // Waits until an event after `after` is committed, `until`, or stopping(); returns last_sequence().
  std::uint64_t wait_beyond(std::uint64_t after, std::chrono::steady_clock::time_point until);
  // Wakes every wait_beyond at once and makes later ones return at once.
  void release_waiters();
  [[nodiscard]] bool stopping() const noexcept { return released_.load(); }

  // Ticks the clock applied by itself, and events raised by type and level, since the start.
  [[nodiscard]] std::uint64_t ticks() const noexcept { return ticks_.load(); }
  [[nodiscard]] event_counts events() const;

  // Applies what is queued, writes a checkpoint, ends the thread. Idempotent.
  void stop();
  [[nodiscard]] const std::string& checkpoint_error() const noexcept { return checkpoint_error_; }

 private:
  struct job {
    std::vector<dueday::command> commands;  // a batch, when `task` is empty (moved out by commit)
    std::size_t count = 0;                  // how many commands it had
    std::vector<std::string> ids;
    const std::function<void(dueday::durable_engine&)>* task = nullptr;
    std::vector<dueday::outcome> outcomes;
    std::exception_ptr error;
    bool done = false;
  };

  void submit(job& j);
  void loop();
  void process(std::vector<job*>& jobs);
  void commit(std::vector<job*>::iterator first, std::vector<job*>::iterator last);
  void tick_if_due();
  void published();  // after a commit: the new last sequence, counts, next due
  // Commands journaled after the latest checkpoint (or the latest attempt at one).
  [[nodiscard]] std::uint64_t uncheckpointed() const noexcept;
  void checkpoint_now();  // a failure: tried again checkpoint_every commands later

  dueday::durable_engine engine_;
  clock_mode mode_;
  clock_fn clock_;
  std::uint64_t checkpoint_every_;
  std::uint64_t checkpoint_patience_;
  std::uint64_t checkpointed_ = 0;  // the journal position of the latest checkpoint (or attempt)

  std::mutex mutex_;
  std::condition_variable work_;  // the writer waits for jobs
  std::condition_variable done_;  // submitters wait for their job
  std::deque<job*> queue_;
  bool stop_requested_ = false;
  std::optional<dueday::instant> next_due_;  // guarded by mutex_

  mutable std::mutex events_mutex_;
  std::condition_variable events_;  // long polls wait for a commit
  std::atomic<std::uint64_t> last_sequence_{0};
  std::atomic<bool> released_{false};
  event_counts counts_;  // guarded by events_mutex_
  std::atomic<std::uint64_t> ticks_{0};

  std::string checkpoint_error_;
  std::thread thread_;
};

}  // namespace dueday::service
