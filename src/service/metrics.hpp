// The service's figures in the Prometheus text format (GET /metrics), version 0.0.4.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "writer.hpp"

namespace dueday::service {

// What the writer knows at one moment (gathered on its thread).
struct gauges {
  std::uint64_t open_cases = 0;
  std::uint64_t position = 0;
  std::uint64_t last_sequence = 0;
  std::optional<double> next_due_s;                              // seconds from the service's time to the next alert
  std::optional<std::uint64_t> checkpoint;                       // its journal position
  std::vector<std::pair<std::string, std::uint64_t>> consumers;  // name, acknowledged
};

// Counters of the requests; thread-safe.
class metrics {
 public:
  // Upper bounds of the latency histogram's buckets, in seconds (then +Inf).
  static constexpr std::array<double, 11> bounds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5};
  // One command's outcome: "accepted", "duplicate" or "rejected" with its code ("malformed", ...).
  void count(const std::string& outcome, const std::string& code, std::uint64_t n = 1);
  // One POST /v1/commands answered after `seconds` (the request's body read to its answer built).
  void observe(double seconds);
  // The whole text, with the writer's figures.
  [[nodiscard]] std::string text(const gauges& g, const event_counts& events, std::uint64_t ticks) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, std::uint64_t> commands_;
  std::array<std::uint64_t, bounds.size() + 1> buckets_{};
  double sum_ = 0;
  std::uint64_t count_ = 0;
};

}  // namespace dueday::service
