// cluster/worker.hpp — a cluster worker's logic: which partitions it applies, and how.
//
// A worker owns partitions through leases on a transport (transport.hpp) and runs one
// partition_runner per partition it owns. The host calls step() in a loop, giving it the wall time
// ticks carry; the monotonic time leases are judged by comes from options.clock (the worker reads
// no clock of its own: the CLI gives the steady clock, tests a simulated one). Each step:
//   1. announces the worker (every lease_ttl / 3);
//   2. drops, at once, every partition whose lease could have expired: a lease counts from the
//      clock's time before its last successful acquire or renew was sent (the log counts its TTL
//      from later), and the partition's deadline is sent + ttl - margin; a renew refused (the lease
//      lost) drops it too; a renew that failed (transport_error) leaves it until that deadline; a
//      renew whose answer was lost after the log applied it is recovered by the next one
//      (transport.hpp);
//   3. renews each lease lease_ttl / 3 after it was last sent;
//   4. takes its fair share of the partitions: ceil(P / live workers), at most max_partitions;
//      partitions over that share are checkpointed and released (highest numbers first); free
//      ones are acquired (scanning from fnv1a_64(name) mod P, so workers try different ones
//      first), each loaded from its checkpoint (or empty) and read from the checkpoint's sequence;
//   5. per partition owned: publishes the events not yet published, reads at most read_batch
//      commands, applies them, publishes their events (before anything else is done about them:
//      a checkpoint is only written when every event of the commands it covers was published);
//      publishes a tick {"type":"tick","at":...} at the wall time (whole seconds) when the
//      partition has caught up and tick_every has passed since its last tick from this worker, or
//      its engine's next_due() has come (never earlier than the engine's time, never twice at one
//      second), with the id "tick-<partition>-<seconds since 1970>" (the log stores it once): the
//      tick is applied when it is read back from the log, as every command, so a replay of the
//      log reproduces its events; checkpoints after checkpoint_every commands, or
//      checkpoint_idle after the last command applied, or checkpoint_age after the first one not yet
//      checkpointed (re-published events after a takeover then stay inside the log's
//      de-duplication window).
// No write after someone else can own a partition: the clock is read again before each read and
// each batch of commands applied, each publish (events or tick) and each checkpoint write; from
// the partition's deadline on, nothing more is done for it (it is dropped at the end of the step).
// Each call for a partition (renew, read, publish, checkpoint) gets that deadline as its
// call_limit: no attempt or retry starts at or after it, and one attempt lasts at most the
// transport's call_timeout(), less than the margin, so a write ends before the lease can expire.
// Checkpoints are written under the lease's revision: one refused (a newer owner's is there) drops
// the partition too. Hence the margin must be more than call_timeout() and less than
// lease_ttl - lease_ttl / 3 (the renew must come before the deadline): the constructor checks it.
// A transport_error in any call is counted (stats) and ends that part of the step; the next step
// tries again. Other exceptions (std::bad_alloc) propagate; the worker can be stepped again.
//
// Not thread-safe: one thread steps a worker. The transport must outlive it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cluster/transport.hpp"
#include "dueday/calendar.hpp"
#include "dueday/engine.hpp"
#include "dueday/policy.hpp"
#include "dueday/units.hpp"

namespace dueday::cluster {

struct worker_options {
  std::string name;                                  // unique among the workers; non-empty
  std::uint32_t max_partitions = 0;                  // at most this many partitions; 0: no limit
  std::uint64_t checkpoint_every = 10'000;           // commands applied since the last checkpoint
  std::chrono::milliseconds checkpoint_idle{5'000};  // monotonic time after the last command applied
  // ... or this long after the first command applied since the last checkpoint (0: no limit), so
  // that a partition never idle long enough is checkpointed too. The events a takeover re-publishes
  // were first published at most checkpoint_age + lease_ttl (+ a step) earlier: the log's
  // de-duplication window must be longer than that.
  std::chrono::milliseconds checkpoint_age{60'000};
  std::chrono::seconds tick_every{60};  // wall time between ticks; 0: only at next_due()
  // Whether the worker publishes ticks at all. false: the feeders send them (a stream of past
  // commands, whose instants lie behind the wall clock, would be refused after a tick of now).
  bool ticks = true;
  std::size_t read_batch = 1'000;          // commands read per partition per step, at least 1
  std::chrono::milliseconds read_wait{0};  // passed to each read_commands (one per partition)
  // Stop writing for a partition this long before its lease could expire: more than the
  // transport's call_timeout() and less than lease_ttl - lease_ttl / 3. 0: lease_ttl / 4.
  std::chrono::milliseconds lease_margin{0};
  // The monotonic time, never going back (required): the steady clock's, or a test's.
  std::function<std::chrono::steady_clock::time_point()> clock;
  engine_options engine{};
};

// Counts for one partition, over every time this worker owned it.
struct partition_stats {
  std::uint64_t commands = 0;     // commands applied
  std::uint64_t events = 0;       // events published (including those the log dropped)
  std::uint64_t duplicates = 0;   // events the log dropped as duplicates
  std::uint64_t acquired = 0;     // leases acquired
  std::uint64_t takeovers = 0;    // acquired with a checkpoint or commands already there
  std::uint64_t released = 0;     // given up for a fairer share
  std::uint64_t lost = 0;         // dropped: lease or checkpoint refused, or past its deadline
  std::uint64_t checkpoints = 0;  // checkpoints written
  std::uint64_t ticks = 0;        // ticks published (and stored)
};

struct worker_stats {
  std::uint64_t commands = 0;  // the sums over the partitions
  std::uint64_t events = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t takeovers = 0;
  std::uint64_t lost = 0;
  std::uint64_t transport_errors = 0;                   // calls that threw transport_error (or a load that failed)
  std::string last_error;                               // the last one's message
  std::map<std::uint32_t, partition_stats> partitions;  // by partition index
};

class worker {
 public:
  // Throws std::invalid_argument (one line) for an empty name, a read_batch of 0, no clock, or a
  // lease_margin out of its range (worker_options).
  worker(transport& log, calendar cal, policy_set policies, worker_options options);
  worker(const worker&) = delete;
  worker& operator=(const worker&) = delete;
  ~worker();

  // One round (see the top of this file). `wall_now`: the time ticks carry.
  void step(instant wall_now);
  // Leaving: publishes what is pending, checkpoints and releases every partition still within its
  // lease (one past its deadline is dropped, as in step). Transport errors are counted; a lease not
  // released expires. The worker owns nothing afterwards (a later step starts over).
  void stop();

  // The partitions leased now (applied, or loaded at the next step), in increasing order.
  [[nodiscard]] std::vector<partition> owned() const;
  [[nodiscard]] const worker_stats& stats() const noexcept;
  [[nodiscard]] const worker_options& options() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> p_;
};

}  // namespace dueday::cluster
