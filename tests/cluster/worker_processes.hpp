// For the cluster's kill test and bench: `dueday worker` processes, and how long the other workers
// take to lease a dead worker's partitions, watched through the leases' bucket.
#pragma once

#include <sys/types.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "cluster/nats_transport.hpp"
#include "run_process.hpp"

namespace dueday::test {

// Starts `cli worker` on the cluster at `urls` as `name`, with no ticks of its own (the streams'
// instants lie in the past), a checkpoint every `checkpoint_every` commands and leases of `ttl`;
// its stdout (the counts it prints when stopped) to `out`, its stderr to `out` + ".err". Returns
// its pid, or -1 when it could not be started.
inline pid_t start_worker_process(const std::string& cli, const std::string& urls, const std::string& name,
                                  const std::string& out, std::uint64_t checkpoint_every,
                                  std::chrono::milliseconds ttl) {
  return spawn_to_files({cli, "worker", "--nats", urls, "--name", name, "--no-ticks", "--checkpoint-every",
                         std::to_string(checkpoint_every), "--lease-ttl-ms", std::to_string(ttl.count())},
                        out, out + ".err");
}

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
