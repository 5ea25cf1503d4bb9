// cluster/transport.hpp — what a cluster worker needs from a replicated log, and nothing more.
//
// A deployment has P partitions (fixed when it is created); a case belongs to partition
// partition_of(case id, P) (dueday/partition.hpp). Per partition there are three ordered logs and
// one lease:
//   - commands: the partition's commands, one JSON line each (jsonl.hpp's form), in the order they
//     are applied; a command published with an id is stored once however often it is published
//     (within the log's de-duplication window);
//   - events: the events raised by applying them, each with its idempotency key (store.hpp); an
//     event published twice with the same key is stored once (again within the window), so a worker
//     that takes a partition over re-publishes from its checkpoint and the log drops what is there;
//   - checkpoints: the engine's snapshot after some command, with that command's sequence, fenced
//     by the writer's lease revision: a checkpoint is refused when the one there was written under
//     a newer lease (a newer owner's), so a stale owner never replaces a newer owner's checkpoint;
//   - the lease: which worker applies the partition now. A lease is held for `lease_ttl` after each
//     successful acquire or renew; a worker stops applying a partition before its lease can have
//     expired, and nobody else can acquire it before then.
//
// Calls that write for a partition take a call_limit: they start no attempt (no retry, no further
// part of a call made of several) once the limit's clock has reached its deadline, and one
// attempt lasts at most call_timeout(). A worker passes its lease's deadline, so that whatever it
// writes reaches the log before anyone else can own the partition (worker.hpp).
//
// The NATS JetStream transport (cluster/nats_transport.hpp) keeps these in streams and a key-value
// bucket, replicated 3 ways; the in-memory transport (cluster/memory_transport.hpp) keeps them in
// one process, for tests of the worker's logic. Every call may throw transport_error (one line)
// when the log cannot be reached; the worker then stops applying what it can no longer prove it owns.
//
// Sequences are the log's own (1, 2, ... per partition for the memory transport; the stream
// sequence for JetStream, increasing but not contiguous per partition): a worker only compares them
// and passes them back.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dueday/error.hpp"

namespace dueday::cluster {

// The log cannot be reached or refused a call: "transport <name>: <what>".
class transport_error : public error {
 public:
  using error::error;
};

// A partition number, 0 .. P-1.
struct partition {
  std::uint32_t index = 0;
  friend auto operator<=>(const partition&, const partition&) = default;
};

// One command as stored in a partition's command log.
struct logged_command {
  std::uint64_t sequence = 0;  // the log's sequence, increasing within the partition
  std::string json;            // one command line, no newline
};

// One event to publish: its idempotency key and its JSON line (to_json(event)).
struct keyed_event {
  std::string key;
  std::string json;
};

// A partition's checkpoint: the snapshot after applying every command up to `sequence`, the
// `commands` applied so far in that partition (the next command's journal line is commands + 1),
// and the snapshot bytes (snapshot.hpp).
struct partition_checkpoint {
  std::uint64_t sequence = 0;
  std::uint64_t commands = 0;
  std::string snapshot;
};

// A lease held: its revision, passed back to renew or release it. Revisions grow: a lease acquired
// after another one ended has a larger revision than any of the earlier one's.
struct lease {
  std::uint64_t revision = 0;
};

// Until when a call may go on trying (see the top of this file). No clock: no limit.
struct call_limit {
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  std::function<std::chrono::steady_clock::time_point()> clock;
  [[nodiscard]] bool passed() const { return clock && clock() >= deadline; }
};

class transport {
 public:
  virtual ~transport() = default;

  // What messages call it ("nats://127.0.0.1:4222", "memory").
  [[nodiscard]] virtual const std::string& name() const noexcept = 0;
  // P, as the deployment was created with.
  [[nodiscard]] virtual std::uint32_t partitions() const noexcept = 0;

  // The longest one attempt of a call that writes can take (a request's timeout), retries aside.
  [[nodiscard]] virtual std::chrono::milliseconds call_timeout() const noexcept = 0;

  // Appends a command to the partition's log; `id` ("" for none) de-duplicates. Returns false when
  // the log dropped it as a duplicate.
  virtual bool publish_command(partition p, std::string_view json, std::string_view id, const call_limit& limit) = 0;
  bool publish_command(partition p, std::string_view json, std::string_view id) {
    return publish_command(p, json, id, call_limit{});
  }
  // At most `max` commands of the partition after `sequence`, in order; waits up to `wait` for the
  // first when there is none yet (an empty result after that is not an error).
  [[nodiscard]] virtual std::vector<logged_command> read_commands(partition p, std::uint64_t sequence, std::size_t max,
                                                                  std::chrono::milliseconds wait,
                                                                  const call_limit& limit) = 0;
  [[nodiscard]] std::vector<logged_command> read_commands(partition p, std::uint64_t sequence, std::size_t max,
                                                          std::chrono::milliseconds wait) {
    return read_commands(p, sequence, max, wait, call_limit{});
  }

  // Appends events to the partition's event log in order, each de-duplicated by its key. Returns
  // how many the log dropped as duplicates. A retry (after a failure that may pass) publishes
  // again from the first event not acknowledged, in order.
  virtual std::size_t publish_events(partition p, std::span<const keyed_event> events, const call_limit& limit) = 0;
  std::size_t publish_events(partition p, std::span<const keyed_event> events) {
    return publish_events(p, events, call_limit{});
  }

  // Replaces the partition's checkpoint (all or nothing), written under the lease `held`; false
  // (nothing written) when the checkpoint there was written under a newer lease. read_checkpoint:
  // the latest one, or nullopt for none.
  [[nodiscard]] virtual bool write_checkpoint(partition p, const partition_checkpoint& c, lease held,
                                              const call_limit& limit) = 0;
  [[nodiscard]] virtual std::optional<partition_checkpoint> read_checkpoint(partition p) = 0;

  // The lease on a partition for `worker`: acquire succeeds only when nobody holds it (nullopt
  // otherwise); renew only when `held` is still the current revision, or the current one is a
  // newer one of this worker's (an earlier renew was applied but its answer lost: that one is
  // renewed), nullopt otherwise: lost, stop at once; release gives it up (no effect when lost).
  [[nodiscard]] virtual std::optional<lease> acquire(partition p, std::string_view worker) = 0;
  [[nodiscard]] virtual std::optional<lease> renew(partition p, std::string_view worker, lease held,
                                                   const call_limit& limit) = 0;
  [[nodiscard]] std::optional<lease> renew(partition p, std::string_view worker, lease held) {
    return renew(p, worker, held, call_limit{});
  }
  virtual void release(partition p, lease held) = 0;
  // Who holds each partition's lease now ("" for nobody), indexed by partition.
  [[nodiscard]] virtual std::vector<std::string> holders() = 0;
  // How long a lease lasts after an acquire or renew, as the log enforces it.
  [[nodiscard]] virtual std::chrono::milliseconds lease_ttl() const noexcept = 0;

  // Live workers: each worker announces itself at least every lease_ttl()/3; one not heard from for
  // lease_ttl() is gone. Workers spread partitions evenly over the live ones.
  virtual void announce(std::string_view worker) = 0;
  [[nodiscard]] virtual std::vector<std::string> live_workers() = 0;
};

}  // namespace dueday::cluster
