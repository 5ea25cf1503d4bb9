// The NATS JetStream transport against real nats-server processes on loopback: one server, and a
// 3-node cluster with every stream and bucket replicated 3 ways. Each expectation is worked out
// here from what the test published, never read back from a first run.
#include "cluster/nats_transport.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "nats_cluster.hpp"

namespace {

using namespace std::chrono_literals;
using dueday::cluster::keyed_event;
using dueday::cluster::lease;
using dueday::cluster::nats_options;
using dueday::cluster::nats_transport;
using dueday::cluster::partition;
using dueday::cluster::partition_checkpoint;
using dueday::test::nats_cluster;
using clock_type = std::chrono::steady_clock;

constexpr auto ttl = 1000ms;  // the tests' lease TTL

nats_options options_for(const nats_cluster& c) {
  nats_options o;
  o.urls = c.urls();
  o.partitions = 4;
  o.lease_ttl = ttl;
  return o;
}

std::vector<std::string> jsons(const std::vector<dueday::cluster::logged_command>& v) {
  std::vector<std::string> out;
  for (const auto& c : v) out.push_back(c.json);
  return out;
}

void check_commands(nats_transport& t) {
  const partition p{1};
  CHECK(t.publish_command(p, R"({"n":1})", "c1"));
  CHECK_FALSE(t.publish_command(p, R"({"n":1})", "c1"));  // the same id: dropped
  CHECK(t.publish_command(p, R"({"n":2})", "c2"));
  CHECK(t.publish_command(p, R"({"n":3})", ""));  // no id: each stored
  CHECK(t.publish_command(p, R"({"n":3})", ""));
  CHECK(t.publish_command(partition{2}, R"({"other":1})", "c1"));  // ids are per partition
  const std::vector<std::string> all{R"({"n":1})", R"({"n":2})", R"({"n":3})", R"({"n":3})"};

  const auto read = t.read_commands(p, 0, 100, 2s);
  CHECK(jsons(read) == all);
  REQUIRE(read.size() == 4);
  CHECK(std::is_sorted(read.begin(), read.end(), [](auto& a, auto& b) { return a.sequence < b.sequence; }));
  // max honoured, then the rest following on, then from a sequence in the middle (a new consumer).
  const auto first = t.read_commands(p, 0, 2, 2s);
  CHECK(jsons(first) == std::vector<std::string>(all.begin(), all.begin() + 2));
  REQUIRE(first.size() == 2);
  CHECK(jsons(t.read_commands(p, first[1].sequence, 100, 2s)) == std::vector<std::string>(all.begin() + 2, all.end()));
  CHECK(jsons(t.read_commands(p, read[0].sequence, 2, 2s)) ==
        std::vector<std::string>(all.begin() + 1, all.begin() + 3));
  CHECK(jsons(t.read_commands(partition{2}, 0, 100, 2s)) == std::vector<std::string>{R"({"other":1})"});

  // Nothing after the last: the wait is honoured, and the result is empty.
  auto start = clock_type::now();
  CHECK(t.read_commands(p, read[3].sequence, 100, 300ms).empty());
  auto waited = clock_type::now() - start;
  CHECK(waited >= 290ms);
  CHECK(waited < 2s);
  // A command published while a read waits ends the wait.
  std::thread later([&] {
    std::this_thread::sleep_for(200ms);
    t.publish_command(p, R"({"n":4})", "c4");
  });
  start = clock_type::now();
  const auto woken = t.read_commands(p, read[3].sequence, 100, 5s);
  waited = clock_type::now() - start;
  later.join();
  CHECK(jsons(woken) == std::vector<std::string>{R"({"n":4})"});
  CHECK(waited < 4s);
}

void check_events(nats_transport& t) {
  const partition p{3};
  const std::vector<keyed_event> first{{"k1", R"({"e":1})"}, {"k2", R"({"e":2})"}, {"k3", R"({"e":3})"}};
  CHECK(t.publish_events(p, first) == 0);
  const std::vector<keyed_event> again{{"k2", R"({"e":2})"}, {"k3", R"({"e":3})"}, {"k4", R"({"e":4})"}};
  const std::size_t dropped = t.publish_events(p, again);
  CHECK(dropped == 2);                                // k2 and k3 were there
  CHECK(t.publish_events(partition{0}, again) == 0);  // keys are per partition
  CHECK(jsons(t.read_events(p, 0, 100, 2s)) ==
        std::vector<std::string>{R"({"e":1})", R"({"e":2})", R"({"e":3})", R"({"e":4})"});
  MESSAGE("events: a batch of 3 re-published with 2 known keys, the log dropped " << dropped);
}

std::string pattern(std::size_t n, unsigned seed) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 31 + seed) % 251);
  return s;
}

void check_checkpoints(nats_transport& t, const nats_cluster& c) {
  const partition p{2};
  const std::string chunks = "dueday.ckpt.2.chunk";
  CHECK_FALSE(t.read_checkpoint(p).has_value());
  // Two full chunks and a part: max payload less 4 KiB each, so 3 chunks.
  const std::size_t max = t.max_payload();
  const partition_checkpoint big{10, 7, pattern(2 * max + 12345, 1)};
  CHECK(t.write_checkpoint(p, big, lease{5}, {}));
  CHECK(c.count("DUEDAY_CKPT", chunks) == 3);
  auto read = t.read_checkpoint(p);
  REQUIRE(read.has_value());
  CHECK(read->sequence == 10);
  CHECK(read->commands == 7);
  CHECK(read->snapshot == big.snapshot);  // NOLINT(bugprone-unchecked-optional-access)

  // Fenced: a checkpoint written under an older lease than the one there is refused, nothing written.
  CHECK_FALSE(t.write_checkpoint(p, partition_checkpoint{40, 20, "stale"}, lease{4}, {}));
  CHECK(c.count("DUEDAY_CKPT", chunks) == 3);
  CHECK(t.read_checkpoint(p)->sequence == 10);  // NOLINT(bugprone-unchecked-optional-access)
  const partition_checkpoint small{20, 9, "small"};
  CHECK(t.write_checkpoint(p, small, lease{5}, {}));  // the same lease
  CHECK(c.count("DUEDAY_CKPT", chunks) == 1);         // the big one's 3 chunks purged
  CHECK(c.count("DUEDAY_CKPT", "dueday.ckpt.2.commit") == 1);
  // A half-written checkpoint: chunks that no commit names are never read.
  c.publish(chunks, "half-written, part 1");
  c.publish(chunks, "half-written, part 2");
  read = t.read_checkpoint(p);
  REQUIRE(read.has_value());
  CHECK(read->sequence == 20);                        // NOLINT(bugprone-unchecked-optional-access)
  CHECK(read->snapshot == "small");                   // NOLINT(bugprone-unchecked-optional-access)
  const partition_checkpoint empty{30, 11, ""};       // an engine with nothing open
  CHECK(t.write_checkpoint(p, empty, lease{8}, {}));  // a newer lease
  read = t.read_checkpoint(p);
  REQUIRE(read.has_value());
  CHECK(read->commands == 11);                 // NOLINT(bugprone-unchecked-optional-access)
  CHECK(read->snapshot.empty());               // NOLINT(bugprone-unchecked-optional-access)
  CHECK(c.count("DUEDAY_CKPT", chunks) == 0);  // the half-written chunks went with the small one's
  CHECK_FALSE(t.read_checkpoint(partition{1}).has_value());
  // A call whose limit has passed starts nothing: no checkpoint, no events, no command.
  const dueday::cluster::call_limit passed{clock_type::now(), [] { return clock_type::now(); }};
  CHECK_THROWS_AS((void)t.write_checkpoint(p, partition_checkpoint{50, 12, "late"}, lease{8}, passed),
                  dueday::cluster::transport_error);
  CHECK(t.read_checkpoint(p)->sequence == 30);  // NOLINT(bugprone-unchecked-optional-access)
  const std::uint64_t events = t.stored(p, true);
  const std::uint64_t commands = t.stored(p, false);
  const std::vector<keyed_event> late{{"late-1", R"({"late":1})"}};
  CHECK_THROWS_AS((void)t.publish_events(p, late, passed), dueday::cluster::transport_error);
  CHECK(t.stored(p, true) == events);
  CHECK_THROWS_AS((void)t.publish_command(p, R"({"late":1})", "late", passed), dueday::cluster::transport_error);
  CHECK(t.stored(p, false) == commands);
}

void check_leases(nats_transport& t) {
  const partition p{0};
  const auto a = t.acquire(p, "w1");
  REQUIRE(a.has_value());
  CHECK_FALSE(t.acquire(p, "w2").has_value());
  CHECK(t.holders() == std::vector<std::string>{"w1", "", "", ""});
  const auto renewed = t.renew(p, "w1", *a);  // NOLINT(bugprone-unchecked-optional-access)
  REQUIRE(renewed.has_value());
  CHECK(renewed->revision > a->revision);         // NOLINT(bugprone-unchecked-optional-access)
  CHECK_FALSE(t.renew(p, "w2", *a).has_value());  // NOLINT(bugprone-unchecked-optional-access): not w2's
  // w1 renewing its older revision (the answer to that renew lost, say) renews its newer one.
  const auto again = t.renew(p, "w1", *a);  // NOLINT(bugprone-unchecked-optional-access)
  REQUIRE(again.has_value());
  CHECK(again->revision > renewed->revision);  // NOLINT(bugprone-unchecked-optional-access)
  t.release(p, *a);                            // NOLINT(bugprone-unchecked-optional-access): stale, no effect
  CHECK(t.holders()[0] == "w1");
  t.release(p, *again);  // NOLINT(bugprone-unchecked-optional-access)
  CHECK(t.holders()[0].empty());
  const auto b = t.acquire(p, "w2");
  CHECK(b.has_value());
  CHECK(t.holders()[0] == "w2");

  // Expiry: nobody acquires before the TTL has passed since w1's acquire began; someone does soon after.
  const partition q{3};
  const auto start = clock_type::now();
  const auto held = t.acquire(q, "w1");
  REQUIRE(held.has_value());
  int refused = 0;
  std::optional<dueday::cluster::lease> taken;
  while (!(taken = t.acquire(q, "w2")) && clock_type::now() - start < 5 * ttl) {
    ++refused;
    std::this_thread::sleep_for(20ms);
  }
  const auto after = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - start);
  REQUIRE(taken.has_value());
  CHECK(refused > 0);
  CHECK(after >= ttl);
  CHECK(after < ttl + 4s);
  CHECK_FALSE(t.renew(q, "w1", *held).has_value());  // NOLINT(bugprone-unchecked-optional-access): lost
  CHECK(t.holders()[3] == "w2");                     // (w2's lease on partition 0 has expired meanwhile, or soon will)
  MESSAGE("lease with a TTL of " << ttl.count() << " ms taken over after " << after.count() << " ms (" << refused
                                 << " refused attempts before)");
}

void check_workers(nats_transport& t) {
  t.announce("w1");
  t.announce("w 2/\xc3\xbc");  // any name: the key is escaped, the value is the name
  CHECK(t.live_workers() == std::vector<std::string>{"w 2/\xc3\xbc", "w1"});
  const auto start = clock_type::now();
  while (t.live_workers().size() > 1 && clock_type::now() - start < 5 * ttl) {
    t.announce("w1");  // w1 keeps announcing itself, the other falls silent
    std::this_thread::sleep_for(ttl / 4);
  }
  const auto after = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - start);
  CHECK(t.live_workers() == std::vector<std::string>{"w1"});
  CHECK(after >= ttl - 300ms);  // announced just before start; checked every ttl/4
  MESSAGE("a silent worker forgotten after " << after.count() << " ms (TTL " << ttl.count() << " ms)");
}

}  // namespace

TEST_CASE("nats transport on one server: commands are de-duplicated by id and read in order after a sequence") {
  const auto c = dueday::test::nats_cluster_or_skip(1);
  if (!c) return;
  nats_transport t(options_for(*c));
  CHECK(t.replicas() == 1);
  CHECK(t.partitions() == 4);
  check_commands(t);
}

TEST_CASE("nats transport on one server: events re-published are dropped by key and counted") {
  const auto c = dueday::test::nats_cluster_or_skip(1);
  if (!c) return;
  nats_transport t(options_for(*c));
  check_events(t);
  // A batch over one window (4096 events) whose limit passes after the first window began: that
  // window is stored, the next not started; the batch published again stores the rest, in order.
  const partition q{2};
  std::vector<keyed_event> many;
  std::vector<std::string> expected;
  for (int i = 0; i < 5000; ++i) {
    expected.push_back(fmt::format(R"({{"m":{}}})", i));
    many.push_back({fmt::format("m{}", i), expected.back()});
  }
  const auto start = clock_type::now();
  int readings = 0;  // the limit is checked once per window: its second reading is past the deadline
  const dueday::cluster::call_limit once{start + 1h, [&] { return ++readings == 1 ? start : start + 2h; }};
  CHECK_THROWS_AS((void)t.publish_events(q, many, once), dueday::cluster::transport_error);
  CHECK(readings == 2);
  CHECK(t.stored(q, true) == 4096);
  CHECK(t.publish_events(q, many) == 4096);
  CHECK(jsons(t.read_events(q, 0, 6000, 2s)) == expected);
}

TEST_CASE(
    "nats transport on one server: checkpoints over the max payload round-trip, the latest wins, half-written ones are "
    "never read") {
  const auto c = dueday::test::nats_cluster_or_skip(1);
  if (!c) return;
  nats_transport t(options_for(*c));
  check_checkpoints(t, *c);
}

TEST_CASE(
    "nats transport on one server: leases are exclusive, renewed by revision, released, and expire after the TTL") {
  const auto c = dueday::test::nats_cluster_or_skip(1);
  if (!c) return;
  nats_transport t(options_for(*c));
  check_leases(t);
}

TEST_CASE("nats transport on one server: live workers forget a silent worker after the TTL") {
  const auto c = dueday::test::nats_cluster_or_skip(1);
  if (!c) return;
  nats_transport t(options_for(*c));
  check_workers(t);
}

TEST_CASE("nats transport on one server: P is recorded once and a transport with another P is refused") {
  const auto c = dueday::test::nats_cluster_or_skip(1);
  if (!c) return;
  nats_transport t(options_for(*c));
  auto joining = options_for(*c);
  joining.partitions = 0;
  CHECK(nats_transport(joining).partitions() == 4);
  auto other = options_for(*c);
  other.partitions = 8;
  CHECK_THROWS_WITH_AS(nats_transport{other},
                       fmt::format("transport {}: the deployment has 4 partitions, not 8", c->urls()).c_str(),
                       dueday::cluster::transport_error);
  CHECK_THROWS_AS((void)t.read_commands(partition{4}, 0, 1, 0ms), dueday::cluster::transport_error);
  auto longer = options_for(*c);  // the buckets exist: their TTL is the deployment's, not this option
  longer.lease_ttl = 5s;
  CHECK(nats_transport(longer).lease_ttl() == ttl);
}

TEST_CASE("nats transport on three servers (R3): commands, events, checkpoints, leases and live workers") {
  const auto c = dueday::test::nats_cluster_or_skip(3);
  if (!c) return;
  nats_transport t(options_for(*c));
  CHECK(t.replicas() == 3);
  check_commands(t);
  check_events(t);
  check_checkpoints(t, *c);
  check_leases(t);
  check_workers(t);
}
