// cluster/nats_reader.hpp — one partition's log (commands or events) read in order after a stream
// sequence, through an ordered consumer (ephemeral, flow-controlled, filtered on the partition's
// subject, started at the sequence after). The consumer is kept while the reads follow on: a read
// after the sequence the previous one ended at takes what the consumer has already delivered; a
// read after any other sequence starts a new one. The C client recreates the consumer itself from
// the last sequence it saw when it detects a gap or missed heartbeats (a server gone), so a
// reader's messages come once each and in order. Private to the NATS transport.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cluster/nats_client.hpp"

namespace dueday::cluster::detail {

class log_reader {
 public:
  log_reader(nats_client& client, const char* stream, std::string subject)
      : client_(&client), stream_(stream), subject_(std::move(subject)) {}

  // At most `max` messages after `after`, in order; waits up to `wait` for the first. Once one has
  // come, waits (up to the client's timeout) for more only while the stream says more are pending.
  // Throws nats_failure (and forgets its consumer) when the log cannot be read.
  [[nodiscard]] std::vector<logged_command> read(std::uint64_t after, std::size_t max, std::chrono::milliseconds wait);

 private:
  void subscribe(std::uint64_t after);

  nats_client* client_;
  const char* stream_;
  std::string subject_;
  sub_ptr sub_;
  std::uint64_t last_ = 0;  // the sequence of the last message read through sub_
};

}  // namespace dueday::cluster::detail
