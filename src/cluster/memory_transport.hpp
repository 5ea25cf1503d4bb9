// cluster/memory_transport.hpp — the transport (transport.hpp) in one process, for tests of the
// worker's logic: every log in memory, time set by the test.
//
//   memory_transport t({.partitions = 16, .lease_ttl = 3s});
//   t.set_now(steady_clock::time_point{} + 10s);   // leases and live workers expire by this time
//   t.fail_next(2);                                // the next two calls throw transport_error
//
// De-duplication: a command published with an id, or an event with a key, is dropped when the
// same id (key) is among those of the partition's log kept in the window: all of them (window 0)
// or the last `dedup_window` stored. Leases expire lease_ttl after the acquire or renew, by the
// time set_now gave; a renew or release of an expired lease fails as one of a lease someone else
// holds; a renew with an older revision of the worker's own renews the current one (transport.hpp).
// A checkpoint keeps the lease revision it was written under and refuses one written under an
// older lease. The transport does not retry: call limits are not used. Every holding is recorded
// (lease_history) from its acquire until its release or expiry, so a test can check that no two
// workers ever held a partition at overlapping times.
//
// Thread-safe: every call takes one mutex. read_commands never waits (time is the test's).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cluster/transport.hpp"

namespace dueday::cluster {

struct memory_transport_options {
  std::uint32_t partitions = 16;              // P, at least 1
  std::chrono::milliseconds lease_ttl{3000};  // at least 1 ms
  std::size_t dedup_window = 0;               // ids (keys) kept per log; 0: all of them
  std::chrono::milliseconds call_timeout{0};  // what call_timeout() says (calls take no time here)
};

// One worker's holding of a partition's lease: from its acquire until its release or expiry
// (renewals extend `until`). `released`: ended by a release rather than by expiry (yet).
struct lease_holding {
  partition p;
  std::string worker;
  std::chrono::steady_clock::time_point from;
  std::chrono::steady_clock::time_point until;
  bool released = false;
};

class memory_transport final : public transport {
 public:
  // Throws std::invalid_argument for 0 partitions or a TTL under 1 ms.
  explicit memory_transport(memory_transport_options options = {});
  ~memory_transport() override;

  const std::string& name() const noexcept override;
  std::uint32_t partitions() const noexcept override;
  std::chrono::milliseconds call_timeout() const noexcept override;
  using transport::publish_command;
  using transport::publish_events;
  using transport::read_commands;
  using transport::renew;
  bool publish_command(partition p, std::string_view json, std::string_view id, const call_limit& limit) override;
  std::vector<logged_command> read_commands(partition p, std::uint64_t sequence, std::size_t max,
                                            std::chrono::milliseconds wait, const call_limit& limit) override;
  std::size_t publish_events(partition p, std::span<const keyed_event> events, const call_limit& limit) override;
  bool write_checkpoint(partition p, const partition_checkpoint& c, lease held, const call_limit& limit) override;
  std::optional<partition_checkpoint> read_checkpoint(partition p) override;
  std::optional<lease> acquire(partition p, std::string_view worker) override;
  std::optional<lease> renew(partition p, std::string_view worker, lease held, const call_limit& limit) override;
  void release(partition p, lease held) override;
  std::vector<std::string> holders() override;
  std::chrono::milliseconds lease_ttl() const noexcept override;
  void announce(std::string_view worker) override;
  std::vector<std::string> live_workers() override;

  // The time leases and live workers are judged by (initially steady_clock::time_point{}).
  void set_now(std::chrono::steady_clock::time_point now);
  // The next `calls` calls of the transport's interface (not these test calls) throw
  // transport_error "transport memory: injected failure".
  void fail_next(std::size_t calls);

  // What the logs hold: every command and every event stored, in order.
  [[nodiscard]] std::vector<logged_command> commands(partition p) const;
  [[nodiscard]] std::vector<keyed_event> events(partition p) const;
  // Publishes dropped as duplicates: commands by id, events by key.
  [[nodiscard]] std::size_t duplicate_commands() const;
  [[nodiscard]] std::size_t duplicate_events() const;
  // Every lease holding so far, in the order acquired.
  [[nodiscard]] std::vector<lease_holding> lease_history() const;

 private:
  struct impl;
  std::unique_ptr<impl> p_;
  mutable std::mutex m_;
};

}  // namespace dueday::cluster
