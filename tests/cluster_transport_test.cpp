// The in-memory transport (cluster/memory_transport.hpp): de-duplication, leases by the test's
// time, live workers, injected failures.
#include "cluster/memory_transport.hpp"  // first: proves the header stands alone

#include <doctest/doctest.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using dueday::cluster::keyed_event;
using dueday::cluster::lease;
using dueday::cluster::memory_transport;
using dueday::cluster::partition;
using dueday::cluster::transport_error;
using namespace std::chrono_literals;
const std::chrono::steady_clock::time_point t0{};

}  // namespace

TEST_CASE("memory transport: commands by id and events by key are stored once") {
  memory_transport t({.partitions = 2, .lease_ttl = 3000ms, .dedup_window = 0});
  CHECK(t.publish_command(partition{1}, "a", "id-1"));
  CHECK_FALSE(t.publish_command(partition{1}, "a again", "id-1"));
  CHECK(t.publish_command(partition{1}, "b", ""));
  CHECK(t.publish_command(partition{1}, "b", ""));      // no id: no de-duplication
  CHECK(t.publish_command(partition{0}, "c", "id-1"));  // another partition's log
  const auto read = t.read_commands(partition{1}, 1, 10, 0ms);
  REQUIRE(read.size() == 2);
  CHECK(read[0].sequence == 2);
  CHECK(read[0].json == "b");
  CHECK(t.read_commands(partition{1}, 0, 1, 0ms).size() == 1);
  const std::vector<keyed_event> events = {{"k1", "e1"}, {"k2", "e2"}, {"k1", "e1"}};
  CHECK(t.publish_events(partition{0}, events) == 1);
  CHECK(t.publish_events(partition{0}, std::span(events).first(2)) == 2);
  CHECK(t.events(partition{0}).size() == 2);
  CHECK(t.duplicate_commands() == 1);
  CHECK(t.duplicate_events() == 3);
  CHECK_THROWS_AS((void)t.read_commands(partition{2}, 0, 1, 0ms), std::out_of_range);
}

TEST_CASE("memory transport: a bounded window forgets the oldest ids") {
  memory_transport t({.partitions = 1, .lease_ttl = 3000ms, .dedup_window = 2});
  const std::vector<keyed_event> abc = {{"a", "1"}, {"b", "2"}, {"c", "3"}};
  CHECK(t.publish_events(partition{0}, abc) == 0);
  const std::vector<keyed_event> again = {{"c", "3"}, {"a", "1"}};  // "a" is out of the last two
  CHECK(t.publish_events(partition{0}, again) == 1);
  CHECK(t.events(partition{0}).size() == 4);
}

TEST_CASE("memory transport: a lease is held for its TTL after each acquire or renew") {
  memory_transport t({.partitions = 2, .lease_ttl = 3000ms, .dedup_window = 0});
  t.set_now(t0 + 1s);
  const auto a = t.acquire(partition{0}, "w1");
  REQUIRE(a.has_value());
  CHECK_FALSE(t.acquire(partition{0}, "w2").has_value());
  CHECK(t.holders() == std::vector<std::string>{"w1", ""});
  t.set_now(t0 + 3s);
  const auto b0 = t.renew(partition{0}, "w1", *a);  // held until 6 s
  REQUIRE(b0.has_value());
  // The answer to that renew was lost, say: renewing the older revision again renews w1's newer one.
  const auto b = t.renew(partition{0}, "w1", *a);  // held until 6 s still (3 s + 3 s)
  REQUIRE(b.has_value());
  CHECK(b->revision > b0->revision);
  CHECK_FALSE(t.renew(partition{0}, "w2", *a).has_value());  // not w2's
  t.set_now(t0 + 5999ms);
  CHECK_FALSE(t.acquire(partition{0}, "w2").has_value());
  t.set_now(t0 + 6s);
  CHECK(t.holders() == std::vector<std::string>{"", ""});
  CHECK_FALSE(t.renew(partition{0}, "w1", *b).has_value());  // expired
  const auto c = t.acquire(partition{0}, "w2");
  REQUIRE(c.has_value());
  t.release(partition{0}, *b);  // w1's, lost: no effect
  CHECK(t.holders()[0] == "w2");
  t.set_now(t0 + 7s);
  t.release(partition{0}, *c);
  CHECK(t.holders()[0].empty());
  const auto h = t.lease_history();
  REQUIRE(h.size() == 2);
  CHECK(h[0].worker == "w1");
  CHECK(h[0].from == t0 + 1s);
  CHECK(h[0].until == t0 + 6s);
  CHECK_FALSE(h[0].released);
  CHECK(h[1].worker == "w2");
  CHECK(h[1].from == t0 + 6s);
  CHECK(h[1].until == t0 + 7s);
  CHECK(h[1].released);
}

TEST_CASE("memory transport: a worker is live for a TTL after it announced itself") {
  memory_transport t({.partitions = 1, .lease_ttl = 3000ms, .dedup_window = 0});
  t.announce("w2");
  t.set_now(t0 + 2s);
  t.announce("w1");
  CHECK(t.live_workers() == std::vector<std::string>{"w1", "w2"});
  t.set_now(t0 + 3s);
  CHECK(t.live_workers() == std::vector<std::string>{"w1"});
}

TEST_CASE("memory transport: injected failures throw on the next calls, then calls work again") {
  memory_transport t({.partitions = 1, .lease_ttl = 3000ms, .dedup_window = 0});
  t.fail_next(2);
  CHECK_THROWS_WITH_AS(t.announce("w1"), "transport memory: injected failure", transport_error);
  CHECK_THROWS_AS((void)t.acquire(partition{0}, "w1"), transport_error);
  CHECK(t.acquire(partition{0}, "w1").has_value());
  CHECK_THROWS_AS(memory_transport({.partitions = 0, .lease_ttl = 3000ms, .dedup_window = 0}), std::invalid_argument);
}

TEST_CASE("memory transport: threads publishing and acquiring at once see one log and one holder") {
  memory_transport t({.partitions = 1, .lease_ttl = 3000ms, .dedup_window = 0});
  std::atomic<int> acquired{0};
  std::vector<std::thread> threads;
  for (int n = 0; n < 4; ++n) {
    threads.emplace_back([&, n] {
      if (t.acquire(partition{0}, "w" + std::to_string(n))) ++acquired;
      for (int i = 0; i < 500; ++i) {
        // Threads 0 and 2 publish keys 0..499, threads 1 and 3 keys 500..999: each key twice.
        const std::vector<keyed_event> one = {{std::to_string((n % 2) * 500 + i), "e"}};
        (void)t.publish_events(partition{0}, one);
      }
    });
  }
  for (std::thread& th : threads) th.join();
  CHECK(acquired == 1);
  CHECK(t.events(partition{0}).size() == 1000);
  CHECK(t.duplicate_events() == 1000);
}

TEST_CASE("memory transport: a checkpoint written under an older lease than the one there is refused") {
  memory_transport t({.partitions = 1, .lease_ttl = 3000ms, .dedup_window = 0});
  CHECK(t.write_checkpoint(partition{0}, {5, 5, "a"}, lease{3}, {}));
  CHECK_FALSE(t.write_checkpoint(partition{0}, {9, 9, "stale"}, lease{2}, {}));
  CHECK(t.read_checkpoint(partition{0})->snapshot == "a");             // NOLINT(bugprone-unchecked-optional-access)
  CHECK(t.write_checkpoint(partition{0}, {7, 7, "b"}, lease{3}, {}));  // the same lease: its own, later
  CHECK(t.write_checkpoint(partition{0}, {8, 8, "c"}, lease{4}, {}));  // a newer lease
  CHECK(t.read_checkpoint(partition{0})->snapshot == "c");             // NOLINT(bugprone-unchecked-optional-access)
}
