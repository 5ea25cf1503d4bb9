// cluster/nats_client.hpp — the NATS connection under the JetStream transport: connecting to
// several servers with reconnects forever, retrying calls that may yet succeed, and the few
// JetStream calls the transport makes (streams, publishes, gets, purges). Private.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "cluster/nats_handles.hpp"
#include "cluster/nats_transport.hpp"

namespace dueday::cluster::detail {

// Whether a failed call may succeed when tried again: timeouts, no responders, a lost connection,
// JetStream being (temporarily) unavailable while streams elect leaders.
[[nodiscard]] bool may_pass(const nats_failure& f) noexcept;

// FNV-1a 64 of `bytes`, as 16 lower-case hex digits: the checkpoints' checksum.
[[nodiscard]] std::string fnv1a64_hex(std::string_view bytes);

class nats_client {
 public:
  explicit nats_client(const nats_options& o);
  nats_client(const nats_client&) = delete;
  nats_client& operator=(const nats_client&) = delete;
  ~nats_client();

  [[nodiscard]] const std::string& prefix() const noexcept { return prefix_; }  // "transport <urls>: "
  [[nodiscard]] natsConnection* connection() const noexcept { return conn_.get(); }
  [[nodiscard]] jsCtx* js() const noexcept { return js_.get(); }
  [[nodiscard]] int replicas() const noexcept { return replicas_; }
  [[nodiscard]] std::chrono::milliseconds timeout() const noexcept { return timeout_; }
  [[nodiscard]] std::string connected_url() const;
  [[nodiscard]] std::string unique_id();  // the connection's NUID and a counter

  // Calls f() until it returns; a nats_failure that may_pass is retried after a growing pause
  // (10 ms to 250 ms) until the pauses add up to retry_for, then rethrown, as is anything else at
  // once. The pauses are counted, not timed (the library reads no clock): with the attempts
  // themselves, each bounded by the timeout, a call gives up within retry_for plus its attempts.
  // With a limit, no retry starts once it has passed (the last failure is rethrown); callers check
  // the limit before the first attempt (check_limit).
  template <class F>
  auto retry(F&& f, const call_limit& limit = {}) -> decltype(f()) {
    std::chrono::milliseconds paused{0};
    for (int attempt = 0;; ++attempt) {
      try {
        return f();
      } catch (const nats_failure& e) {
        if (!may_pass(e) || limit.passed() || !pause_before_retry(attempt, paused) || limit.passed()) throw;
      }
    }
  }
  // Throws transport_error "<prefix><what>: not started, past the caller's deadline" once the
  // limit has passed.
  void check_limit(const call_limit& limit, std::string_view what) const;

  // Creates the stream if it is missing (another process may create it at the same time: an
  // existing stream of that name is taken as it is). max_age 0 keeps messages for ever.
  void ensure_stream(const char* name, const char* subjects, std::chrono::milliseconds duplicate_window,
                     std::chrono::milliseconds max_age);

  // js_PublishMsg of `msg` (its subject, data and headers) with `opts`; nats_failure carries
  // JetStream's error code (JSStreamWrongLastSequenceErr when an expectation failed).
  [[nodiscard]] pub_ack_ptr publish(std::string_view what, natsMsg* msg, jsPubOptions* opts);
  [[nodiscard]] pub_ack_ptr publish(std::string_view what, const std::string& subject, std::string_view data,
                                    jsPubOptions* opts);
  // The stream's last message on `subject`, or its message at `sequence`; null when there is none.
  [[nodiscard]] msg_ptr last_message(const char* stream, const std::string& subject);
  [[nodiscard]] msg_ptr message(const char* stream, std::uint64_t sequence);
  // Purges the stream's messages on `subject` below `sequence` (keep 0), or all but the last `keep`.
  void purge(const char* stream, const std::string& subject, std::uint64_t below_sequence, std::uint64_t keep);

 private:
  // Sleeps before attempt + 1, adding the pause to `paused`; false (no sleep) once that would pass
  // retry_for.
  bool pause_before_retry(int attempt, std::chrono::milliseconds& paused) const;

  std::string prefix_;
  std::chrono::milliseconds timeout_;
  std::chrono::milliseconds retry_for_;
  connection_ptr conn_;
  js_ptr js_;
  int replicas_ = 1;
  std::string nuid_;
  std::atomic<std::uint64_t> counter_{0};
};

}  // namespace dueday::cluster::detail
