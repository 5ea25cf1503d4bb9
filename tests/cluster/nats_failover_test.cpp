// The NATS transport while a server of a 3-node cluster is SIGKILLed and brought back, and rough
// throughput figures (printed, never asserted).
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>

#include "cluster/nats_transport.hpp"
#include "nats_cluster.hpp"

namespace {

using namespace std::chrono_literals;
using dueday::cluster::keyed_event;
using dueday::cluster::logged_command;
using dueday::cluster::nats_options;
using dueday::cluster::nats_transport;
using dueday::cluster::partition;
using clock_type = std::chrono::steady_clock;

double seconds(clock_type::duration d) { return std::chrono::duration<double>(d).count(); }

// Everything of a partition's commands (events) after 0, read until `expected` came or 20 s passed.
std::vector<std::string> read_all(nats_transport& t, partition p, std::size_t expected, bool events) {
  std::vector<std::string> out;
  std::uint64_t after = 0;
  const auto start = clock_type::now();
  while (out.size() < expected && clock_type::now() - start < 20s) {
    const auto got = events ? t.read_events(p, after, 10000, 500ms) : t.read_commands(p, after, 10000, 500ms);
    for (const auto& c : got) out.push_back(c.json);
    if (!got.empty()) after = got.back().sequence;
  }
  return out;
}

std::string command(int i) { return fmt::format(R"({{"command":{}}})", i); }
std::string event(int i) { return fmt::format(R"({{"event":{}}})", i); }

}  // namespace

TEST_CASE("nats transport on three servers: a server SIGKILLed mid-stream and brought back loses and doubles nothing") {
  const auto c = dueday::test::nats_cluster_or_skip(3);
  if (!c) return;
  nats_options o;
  o.urls = c->urls();
  o.partitions = 4;
  o.retry_for = 30s;
  nats_transport t(o);
  REQUIRE(t.replicas() == 3);

  constexpr int total = 700;
  constexpr int kill_at = 200;  // the command stream's leader
  constexpr int read_at = 300;
  constexpr int back_at = 400;
  constexpr int kill_connected_at = 500;  // the server the transport is connected to
  constexpr int back_again_at = 600;
  int victim = -1;
  int second = -1;
  std::string connected_before;
  clock_type::duration longest{};
  clock_type::duration read_wait{};
  std::size_t read_while_down = 0;
  std::size_t event_duplicates = 0;
  std::map<std::uint32_t, std::vector<std::string>> commands;
  std::map<std::uint32_t, std::vector<std::string>> events;
  for (int i = 0; i < total; ++i) {
    if (i == kill_at) {  // the server leading the command stream: the stream must elect another leader
      victim = c->index_of(c->leader("DUEDAY_CMD"));
      REQUIRE(victim >= 0);
      connected_before = t.connected_url();
      c->kill(victim);
    }
    if (i == read_at) {  // reads go on with the server still down
      const auto start = clock_type::now();
      CHECK(read_all(t, partition{0}, commands[0].size(), false) == commands[0]);
      read_wait = clock_type::now() - start;
      read_while_down = commands[0].size();
    }
    if (i == back_at) c->restart(victim);
    if (i == kill_connected_at) {  // once the first is back in every stream, or two of three would be down
      REQUIRE(c->wait_current("DUEDAY_CMD", 20s));
      REQUIRE(c->wait_current("DUEDAY_EVT", 20s));
      const std::string url = t.connected_url();
      for (int s = 0; s < c->size(); ++s) second = c->url(s) == url ? s : second;
      REQUIRE(second >= 0);
      c->kill(second);
    }
    if (i == back_again_at) c->restart(second);
    const partition p{static_cast<std::uint32_t>(i % 4)};
    const auto start = clock_type::now();
    CHECK(t.publish_command(p, command(i), fmt::format("c{}", i)));
    longest = std::max(longest, clock_type::now() - start);
    commands[p.index].push_back(command(i));
    if (i % 10 == 9) {  // the last 10 commands' events, in one batch
      const partition q{static_cast<std::uint32_t>((i / 10) % 4)};
      std::vector<keyed_event> batch;
      for (int k = i - 9; k <= i; ++k) {
        batch.push_back({fmt::format("e{}", k), event(k)});
        events[q.index].push_back(event(k));
      }
      event_duplicates += t.publish_events(q, batch);
    }
  }
  // The first 50 commands again, with their ids: all dropped.
  int dropped = 0;
  for (int i = 0; i < 50; ++i)
    dropped +=
        t.publish_command(partition{static_cast<std::uint32_t>(i % 4)}, command(i), fmt::format("c{}", i)) ? 0 : 1;
  CHECK(dropped == 50);

  // Each partition's commands once each, in the order published; each event once.
  for (std::uint32_t p = 0; p < 4; ++p) {
    CHECK(commands[p].size() == total / 4);
    CHECK(read_all(t, partition{p}, commands[p].size(), false) == commands[p]);
    auto stored = read_all(t, partition{p}, events[p].size(), true);
    auto expected = events[p];
    std::sort(stored.begin(), stored.end());
    std::sort(expected.begin(), expected.end());
    CHECK(stored == expected);
  }
  // The servers brought back catch up; the last one serves a transport connected to it alone.
  const auto catch_up = clock_type::now();
  CHECK(c->wait_current("DUEDAY_CMD", 20s));
  CHECK(c->wait_current("DUEDAY_EVT", 20s));
  const auto caught_up = clock_type::now() - catch_up;
  nats_options alone = o;
  alone.urls = c->url(second);
  alone.partitions = 0;
  nats_transport back(alone);
  CHECK(read_all(back, partition{3}, commands[3].size(), false) == commands[3]);

  MESSAGE(fmt::format(
      "killed {} (leader of DUEDAY_CMD; the transport was connected to {}, {}) after {} commands, "
      "restarted it after {}; killed {} (the transport's server) after {}, restarted it after {}; longest publish "
      "(with its retries) {:.2f} s; reading {} commands with the first down took {:.2f} s; {} duplicate commands "
      "dropped; {} events counted as duplicates by retried batches; the servers current {:.2f} s after the last "
      "publish",
      c->name(victim), connected_before, connected_before == c->url(victim) ? "the one killed" : "another", kill_at,
      back_at, c->name(second), kill_connected_at, back_again_at, seconds(longest), read_while_down, seconds(read_wait),
      dropped, event_duplicates, seconds(caught_up)));
}

TEST_CASE("nats transport: commands and events per second through one server and a 3-node R3 cluster (printed)") {
  for (const int servers : {1, 3}) {
    const auto c = dueday::test::nats_cluster_or_skip(servers);
    if (!c) return;
    nats_options o;
    o.urls = c->urls();
    o.partitions = 4;
    nats_transport t(o);
    constexpr int n = 2000;
    auto start = clock_type::now();
    for (int i = 0; i < n; ++i) t.publish_command(partition{0}, command(i), fmt::format("c{}", i));
    const auto published = clock_type::now() - start;
    start = clock_type::now();
    const auto read = read_all(t, partition{0}, n, false);
    const auto reading = clock_type::now() - start;
    CHECK(read.size() == n);
    std::vector<keyed_event> batch;
    start = clock_type::now();
    for (int i = 0; i < n; ++i) {
      batch.push_back({fmt::format("e{}", i), event(i)});
      if (batch.size() == 100) {
        CHECK(t.publish_events(partition{1}, batch) == 0);
        batch.clear();
      }
    }
    const auto eventing = clock_type::now() - start;
    MESSAGE(
        fmt::format("{} server(s), R{}: {} commands published one at a time in {:.2f} s ({:.0f}/s), read in "
                    "{:.3f} s ({:.0f}/s); {} events in batches of 100 in {:.2f} s ({:.0f}/s)",
                    servers, t.replicas(), n, seconds(published), n / seconds(published), seconds(reading),
                    n / seconds(reading), n, seconds(eventing), n / seconds(eventing)));
  }
}
