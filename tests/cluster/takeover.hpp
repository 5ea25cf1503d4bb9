// For the cluster's kill test and bench: how long the other workers take to lease a dead worker's
// partitions, watched through the leases' bucket.
#pragma once

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>

#include "cluster/nats_transport.hpp"

namespace dueday::test {

// Seconds until no partition is held by `gone` and every partition is held by someone, polled every
// `poll`; -1 when that has not happened within `limit`.
inline double takeover_seconds(cluster::nats_transport& t, const std::string& gone, std::chrono::seconds limit,
                               std::chrono::milliseconds poll) {
  const auto start = std::chrono::steady_clock::now();
  const auto since = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  while (std::chrono::steady_clock::now() - start < limit) {
    const auto holders = t.holders();
    if (std::none_of(holders.begin(), holders.end(), [&](const std::string& h) { return h.empty() || h == gone; }))
      return since();
    std::this_thread::sleep_for(poll);
  }
  return -1;
}

}  // namespace dueday::test
