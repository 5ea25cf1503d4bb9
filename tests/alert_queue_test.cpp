// The engine's alert queue alone, against the simplest model: a map from case to its entry, whose
// minimum by the one order of alerts is what the queue must have on top.
#include "engine/alert_queue.hpp"  // first: proves the header stands alone

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>

using dueday::instant;
using dueday::detail::alert_before;
using dueday::detail::alert_entry;
using dueday::detail::alert_queue;

namespace {

// The model's earliest entry.
std::optional<alert_entry> model_top(const std::map<std::uint32_t, alert_entry>& m) {
  std::optional<alert_entry> best;
  for (const auto& [c, e] : m)
    if (!best || alert_before(e, *best)) best = e;
  return best;
}

}  // namespace

TEST_CASE("alert queue: random puts, changes and erases agree with a map, and it pops in the one order") {
  for (const std::uint32_t seed : {1U, 2U, 3U}) {
    CAPTURE(seed);
    std::mt19937 rng(seed);
    alert_queue q;
    std::map<std::uint32_t, alert_entry> model;
    const std::uint32_t cases = 300;
    for (std::uint32_t c = 0; c < cases; ++c) q.add_case();
    // Few distinct instants, clocks and levels: ties are the rule, not the exception.
    auto random_entry = [&](std::uint32_t c) {
      return alert_entry{instant{std::chrono::seconds{rng() % 20}}, c, static_cast<std::uint8_t>(rng() % 3),
                         static_cast<std::uint8_t>(rng() % 3)};
    };
    for (int op = 0; op < 20000; ++op) {
      const auto c = static_cast<std::uint32_t>(rng() % cases);
      if (rng() % 3 == 0) {
        q.erase(c);
        model.erase(c);
      } else {
        const alert_entry e = random_entry(c);
        q.put(e);
        model[c] = e;
      }
      REQUIRE(q.size() == model.size());
      const auto top = model_top(model);
      REQUIRE(q.empty() == !top);
      if (top) REQUIRE(q.top() == *top);
      REQUIRE(q.entry(c) == (model.count(c) ? std::optional{model[c]} : std::nullopt));
    }
    // Draining gives every entry once, in the order (at, case, clock, level).
    std::vector<alert_entry> drained;
    while (!q.empty()) {
      drained.push_back(q.top());
      q.erase(q.top().c);
    }
    std::vector<alert_entry> expected;
    for (const auto& [c, e] : model) expected.push_back(e);
    std::sort(expected.begin(), expected.end(), alert_before);
    CHECK(drained == expected);
  }
}

TEST_CASE("alert queue: room for one entry per case is kept, so put never allocates") {
  alert_queue q;
  for (std::uint32_t c = 0; c < 1000; ++c) q.add_case();
  q.put({instant{}, 0, 0, 0});
  const alert_entry* before = &q.top();
  for (std::uint32_t c = 1; c < 1000; ++c) q.put({instant{std::chrono::seconds{c}}, c, 0, 0});
  CHECK(&q.top() == before);  // the same storage: no reallocation however many cases have entries
  q.clear();
  CHECK(q.cases() == 0);
  CHECK(q.empty());
}
