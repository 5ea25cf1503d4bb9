// A command stream in which many events differ only by the command that raised them: whole
// lifecycles of no-external cases, interleaved, where half of a case's commands come at the instant
// of its previous one (a pause resumed and paused again, a step completed and the next started and
// completed at once), with ticks every six hours, some steps completed twice (refused) and some gaps
// of days (warnings, overdue). For the idempotency-key tests (store_key_test, cluster_runner_test).
#pragma once

#include <fmt/format.h>
#include <dueday/format.hpp>
#include <dueday/io.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <tuple>
#include <vector>

namespace dueday::test {

// `cases` lifecycles opened from 2026-10-13 09:00 on, as JSON lines in time order. Seeded.
inline std::vector<std::string> same_instant_stream(int cases, std::uint32_t seed) {
  struct timed {
    instant at;
    int k;  // the case; -1 for a tick
    std::size_t seq;
    std::string json;
  };
  std::mt19937 rng(seed);
  std::vector<timed> all;
  const instant start = parse_instant("2026-10-13T09:00");
  instant last = start;
  for (int k = 0; k < cases; ++k) {
    const std::string id = fmt::format("S-{:03}", k);
    instant t = start + std::chrono::minutes(10 * (rng() % 60));
    const auto add = [&](const std::string& json) {
      all.push_back({t, k, all.size(), json});
      last = std::max(last, t);
    };
    const auto step = [&](const char* type, const char* name) {
      const auto r = rng() % 10;  // half at the same instant, some days later
      if (r >= 5) t += r < 9 ? std::chrono::minutes(10 * (1 + rng() % 12)) : std::chrono::hours(24 * (1 + rng() % 3));
      add(fmt::format(R"({{"type":"{}","case":"{}","step":"{}","at":"{}"}})", type, id, name, format_instant(t)));
    };
    add(fmt::format(R"({{"type":"open","case":"{}","at":"{}","policy":"kunming-water-490","variant":"no-external"}})",
                    id, format_instant(t)));
    for (const char* name : {"survey", "connect"}) {
      step("start", name);
      for (auto pauses = rng() % 3; pauses > 0; --pauses) {
        step("pause", name);
        step("resume", name);
      }
      step("complete", name);
      if (rng() % 8 == 0) step("complete", name);  // refused: completed already
    }
  }
  for (instant t = start; t <= last; t += std::chrono::hours(6))
    all.push_back({t, -1, all.size(), fmt::format(R"({{"type":"tick","at":"{}"}})", format_instant(t))});
  std::sort(all.begin(), all.end(),
            [](const timed& a, const timed& b) { return std::tie(a.at, a.k, a.seq) < std::tie(b.at, b.k, b.seq); });
  std::vector<std::string> out;
  for (timed& c : all) out.push_back(std::move(c.json));
  return out;
}

}  // namespace dueday::test
