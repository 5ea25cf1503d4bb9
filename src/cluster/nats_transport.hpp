// cluster/nats_transport.hpp — the cluster transport (transport.hpp) over NATS JetStream.
//
// What it keeps where (created by whichever process comes first, idempotently):
//   stream DUEDAY_CMD   subjects dueday.cmd.<p>     commands; message id "<p>:<command id>"
//   stream DUEDAY_EVT   subjects dueday.evt.<p>     events; message id "<p>:<idempotency key>"
//   stream DUEDAY_CKPT  subjects dueday.ckpt.<p>.chunk and dueday.ckpt.<p>.commit: a checkpoint is
//                       its chunks (each at most the server's max payload less 4 KiB) and then one
//                       small commit message naming them (their stream sequences), the checkpoint's
//                       sequence, its command count, its size, an FNV-1a 64 checksum and the lease
//                       revision it was written under. Readers read only the last commit, so chunks
//                       without a commit are never read; once a commit is stored, older chunks and
//                       commits of that partition are purged. The fence: a commit is published
//                       expecting the commit subject's last sequence as read before its chunks, and
//                       is not written when that last commit has a newer lease revision.
//   KV dueday_leases    key p<index>, value the worker's name; TTL = lease_ttl (the stream's max age;
//                       a bucket that exists keeps its own, and lease_ttl() says which)
//   KV dueday_workers   key the worker's name (characters outside [-_A-Za-z0-9] as =XX), value the
//                       name; same TTL
//   KV dueday_config    key partitions: P, written once; a transport opened with another P is refused
// Every stream and bucket has `replicas` replicas.
//
// Exactly-once of events rests on JetStream's de-duplication by message id, which holds within the
// streams' duplicate window (duplicate_window, 5 minutes by default): an event re-published after a
// failover is dropped only if its first copy was stored less than that long before. The worker
// ensures it by checkpointing a partition soon after it goes idle, so that a new owner re-publishes
// only events of the last moments. The same window covers commands published again with their id.
//
// A call that fails for a reason that may pass (a timeout, no responders while a stream elects a
// leader, a lost connection) is retried until the pauses between attempts add up to retry_for
// (counted, not timed: the library reads no clock), or, for a call given a call_limit, until the
// limit's deadline (by its clock); then, and at once for anything else, it throws transport_error:
// "transport <urls>: <what>: <status> (<client's last error>)"; a call whose limit had passed
// before it started: "transport <urls>: <what>: not started, past the caller's deadline".
// call_timeout() is `timeout`: every request waits at most that long, and events are published in
// windows of at most 4096 (the client's limit of pending publishes, so none stalls), each waiting
// at most `timeout` for its acknowledgements. Commands published without an id get a unique one
// (the connection's NUID and a counter), so a retry does not store them twice. publish_events
// retries from the first event not acknowledged, in order; those after it the failed attempt did
// store come again as duplicates (dropped, not counted twice). The stored order is the given
// order unless the server lost an event but stored a later one of the same window (a stream
// leader changing mid-window); then that event is stored after them.
//
// read_commands reads through an ordered consumer per partition, kept while each read starts where
// the previous one ended; any other start makes a new one, and then a read with wait 0 can come back
// empty before the first commands have arrived. Once one command has come, a read waits (up to
// `timeout`) for more only while the stream says more are pending.
//
// One object may be used from several threads.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "cluster/transport.hpp"

namespace dueday::cluster {

struct nats_options {
  std::string urls = "nats://127.0.0.1:4222";  // comma-separated server URLs
  std::uint32_t partitions = 0;                // P of a new deployment; 0 to join one (P as recorded)
  int replicas = 0;                            // 0: 3 when the connection knows >= 3 servers, else 1
  std::chrono::milliseconds duplicate_window = std::chrono::minutes{5};
  std::chrono::milliseconds lease_ttl = std::chrono::seconds{3};
  std::chrono::milliseconds timeout = std::chrono::seconds{2};                // one request
  std::chrono::milliseconds retry_for = std::chrono::seconds{15};             // a call that may yet succeed
  std::chrono::milliseconds reconnect_wait = std::chrono::milliseconds{100};  // reconnects forever
  std::size_t chunk_bytes = 0;  // checkpoint chunk size; 0: the server's max payload less 4 KiB
  std::string connection_name = "dueday";
};

class nats_transport final : public transport {
 public:
  // Connects (to the first server that answers), creates what is missing and checks P.
  explicit nats_transport(nats_options options);
  ~nats_transport() override;
  nats_transport(const nats_transport&) = delete;
  nats_transport& operator=(const nats_transport&) = delete;

  [[nodiscard]] const std::string& name() const noexcept override;
  [[nodiscard]] std::uint32_t partitions() const noexcept override;

  [[nodiscard]] std::chrono::milliseconds call_timeout() const noexcept override;

  using transport::publish_command;
  using transport::publish_events;
  using transport::read_commands;
  using transport::renew;
  bool publish_command(partition p, std::string_view json, std::string_view id, const call_limit& limit) override;
  [[nodiscard]] std::vector<logged_command> read_commands(partition p, std::uint64_t sequence, std::size_t max,
                                                          std::chrono::milliseconds wait,
                                                          const call_limit& limit) override;
  std::size_t publish_events(partition p, std::span<const keyed_event> events, const call_limit& limit) override;

  [[nodiscard]] bool write_checkpoint(partition p, const partition_checkpoint& c, lease held,
                                      const call_limit& limit) override;
  [[nodiscard]] std::optional<partition_checkpoint> read_checkpoint(partition p) override;

  [[nodiscard]] std::optional<lease> acquire(partition p, std::string_view worker) override;
  [[nodiscard]] std::optional<lease> renew(partition p, std::string_view worker, lease held,
                                           const call_limit& limit) override;
  void release(partition p, lease held) override;
  [[nodiscard]] std::vector<std::string> holders() override;
  [[nodiscard]] std::chrono::milliseconds lease_ttl() const noexcept override;

  void announce(std::string_view worker) override;
  [[nodiscard]] std::vector<std::string> live_workers() override;

  // The events of a partition's event log after `sequence`, at most `max` (for tests and tools).
  [[nodiscard]] std::vector<logged_command> read_events(partition p, std::uint64_t sequence, std::size_t max,
                                                        std::chrono::milliseconds wait);
  // How many messages a partition's event log (else its command log) holds now.
  [[nodiscard]] std::uint64_t stored(partition p, bool events);
  // The URL of the server connected to now; the replicas in use; the server's max payload.
  [[nodiscard]] std::string connected_url() const;
  [[nodiscard]] int replicas() const noexcept;
  [[nodiscard]] std::size_t max_payload() const;

  struct impl;

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace dueday::cluster
