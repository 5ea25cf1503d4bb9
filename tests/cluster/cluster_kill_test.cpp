// Issue 12, point 4: `dueday worker` processes on a real 3-node NATS JetStream cluster (loopback),
// fed a long command stream over many partitions while workers are SIGKILLed at random and started
// again, and one NATS server is killed and brought back. At the end each partition's event log
// holds exactly what an uninterrupted replay of that partition's command log gives: none missing,
// none twice, in order. Prints the kills, the takeover times and the counts.
//
// The stream: examples/october-2026/commands.jsonl with every case copied `copies` times under new
// ids ("KM-2026-0005" -> "KM-2026-0005~3"), the copies of a line one after another, so that every
// copy keeps the example's order in time; its tick once. Workers run with --no-ticks: the stream's
// instants lie in October 2026, and a tick of the wall clock would refuse every later command.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <dueday/calendar.hpp>
#include <dueday/io.hpp>
#include <dueday/jsonl.hpp>
#include <dueday/policy.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cluster/nats_transport.hpp"
#include "cluster/partition_runner.hpp"
#include "cluster/publisher.hpp"
#include "nats_cluster.hpp"
#include "run_process.hpp"
#include "worker_processes.hpp"

namespace {

using namespace std::chrono_literals;
using dueday::cluster::logged_command;
using dueday::cluster::nats_options;
using dueday::cluster::nats_transport;
using dueday::cluster::partition;
using steady = std::chrono::steady_clock;

constexpr std::uint32_t partitions = 16;
constexpr int copies = 12;
constexpr auto lease_ttl = 2000ms;

double since(steady::time_point t) { return std::chrono::duration<double>(steady::now() - t).count(); }

// The example's lines with each case copied (see the top).
std::vector<std::string> stream() {
  std::ifstream in(DUEDAY_SOURCE_DIR "/examples/october-2026/commands.jsonl");
  REQUIRE(in);
  std::vector<std::string> out;
  std::string line;
  const std::string key = R"("case":")";
  while (std::getline(in, line)) {
    const auto at = line.find(key);
    if (at == std::string::npos) {  // the tick
      out.push_back(line);
      continue;
    }
    const auto end = line.find('"', at + key.size());
    for (int c = 0; c < copies; ++c) out.push_back(line.substr(0, end) + fmt::format("~{}", c) + line.substr(end));
  }
  return out;
}

// A `dueday worker` process, its counts in `out` (the JSON line it prints when stopped).
struct worker_process {
  std::string name;
  std::string out;
  pid_t pid = -1;
};

worker_process start_worker(const std::string& urls, const std::string& name, const std::string& dir) {
  worker_process w{name, dir + "/" + name + ".out", -1};
  w.pid = dueday::test::start_worker_process(DUEDAY_CLI, urls, name, w.out, 300, lease_ttl);
  REQUIRE(w.pid >= 0);
  return w;
}

void signal_and_reap(worker_process& w, int sig) {
  if (w.pid <= 0) return;
  kill(w.pid, sig);
  int status = 0;
  waitpid(w.pid, &status, 0);
  w.pid = -1;
}

// Seconds until no partition is held by `gone` and every partition is held (at most 30 s: while a
// NATS server is down, a stream it led elects a new leader first, and the workers' renewals wait
// for it; -1 past that).
double takeover(nats_transport& t, const std::string& gone) {
  return dueday::test::takeover_seconds(t, gone, std::chrono::seconds{30}, 50ms);
}

// The first `count` messages of a partition's command or event log (a new reader's first read can
// come back empty before its consumer delivers: read until the count the stream gave, at most 20 s).
std::vector<logged_command> read_log(nats_transport& t, partition p, bool events, std::uint64_t count) {
  std::vector<logged_command> all;
  const auto start = steady::now();
  while (all.size() < count && since(start) < 20) {
    const std::uint64_t after = all.empty() ? 0 : all.back().sequence;
    auto got = events ? t.read_events(p, after, 5000, 200ms) : t.read_commands(p, after, 5000, 200ms);
    all.insert(all.end(), got.begin(), got.end());
  }
  return all;
}

}  // namespace

TEST_CASE("cluster: workers and a NATS server killed at random lose no event and repeat none") {
  auto cluster = dueday::test::nats_cluster_or_skip(3);
  if (!cluster) return;
  const std::string dir = cluster->dir().string();
  nats_options o;
  o.urls = cluster->urls();
  o.partitions = partitions;
  o.replicas = 3;
  o.lease_ttl = lease_ttl;
  nats_transport feeder(o);
  const std::vector<std::string> lines = stream();
  const std::uint32_t p_count = feeder.partitions();
  REQUIRE(p_count == partitions);

  dueday::cluster::publisher feed(feeder);
  std::vector<worker_process> workers;
  int started = 0;
  for (; started < 3; ++started) workers.push_back(start_worker(o.urls, fmt::format("w{}", started), dir));

  std::mt19937 random(20261130);
  const std::size_t chunk = lines.size() / 10;
  int worker_kills = 0;
  std::vector<double> takeovers;
  bool server_down = false;
  std::string id;
  const auto begin = steady::now();
  for (std::size_t from = 0, round = 0; from < lines.size(); from += chunk, ++round) {
    for (std::size_t i = from; i < std::min(lines.size(), from + chunk); ++i) {
      const dueday::command c = dueday::parse_command(lines[i], "stream", static_cast<std::int64_t>(i + 1), id);
      (void)feed.publish(c, lines[i], fmt::format("line-{}", i + 1));
    }
    if (round == 4) {  // a NATS server gone while the load goes on, and back two rounds later
      cluster->kill(1);
      server_down = true;
      MESSAGE("NATS server n1 killed");
    } else if (round == 6 && server_down) {
      cluster->restart(1);
      server_down = false;
      MESSAGE("NATS server n1 back");
    }
    if (round % 2 == 1 || round == 8) {  // a worker at random, SIGKILLed, and a new one started
      worker_process& victim = workers[std::uniform_int_distribution<std::size_t>(0, workers.size() - 1)(random)];
      const std::string gone = victim.name;
      const auto before = feeder.holders();
      const auto held = std::count(before.begin(), before.end(), gone);
      signal_and_reap(victim, SIGKILL);
      ++worker_kills;
      const double t = takeover(feeder, gone);
      if (server_down) MESSAGE("(while NATS server n1 is down)");
      if (held > 0) takeovers.push_back(t);
      CHECK_MESSAGE(t >= 0, "partitions of ", gone, " not taken over within 30 s");
      MESSAGE(fmt::format("worker {} SIGKILLed holding {} partitions: taken over in {:.2f} s", gone, held, t));
      victim = start_worker(o.urls, fmt::format("w{}", started++), dir);
    }
  }
  if (server_down) cluster->restart(1);

  // The oracle: each partition's command log replayed from its start by a runner of its own.
  std::size_t expected_events = 0;
  std::vector<std::vector<std::string>> expected(p_count);
  std::size_t commands = 0;
  for (std::uint32_t p = 0; p < p_count; ++p) {
    const auto log = read_log(feeder, {p}, false, feeder.stored({p}, false));
    commands += log.size();
    dueday::cluster::partition_runner runner(dueday::builtin_calendar(), dueday::builtin_policies());
    for (const auto& e : runner.apply(log)) expected[p].push_back(e.json);
    expected_events += expected[p].size();
  }
  // The workers catch up (at most 60 s), then each event log must be exactly its oracle.
  const auto stored = [&](std::uint32_t p) { return feeder.stored({p}, true); };
  const auto wait_from = steady::now();
  for (;;) {
    std::size_t got_events = 0;
    for (std::uint32_t p = 0; p < p_count; ++p) got_events += stored(p);
    if (got_events >= expected_events || since(wait_from) > 60) break;
    std::this_thread::sleep_for(500ms);
  }
  std::vector<std::vector<std::string>> got(p_count);
  for (std::uint32_t p = 0; p < p_count; ++p)
    for (const auto& e : read_log(feeder, {p}, true, stored(p))) got[p].push_back(e.json);
  // The workers still running stop and print their counts: the events the log dropped as
  // duplicates are those re-published after a takeover (the killed workers' counts are lost).
  std::uint64_t duplicates = 0;
  for (auto& w : workers) {
    signal_and_reap(w, SIGTERM);
    std::ifstream in(w.out);
    std::string counts;
    std::getline(in, counts);
    const auto at = counts.find(R"("duplicates":)");
    if (at != std::string::npos) duplicates += std::stoull(counts.substr(at + 13));
  }

  MESSAGE(fmt::format(
      "cluster: {} commands over {} partitions, {} events; {} workers SIGKILLed (takeovers in {:.2f} s), 1 NATS "
      "server killed and restarted; {} duplicate events dropped by the log (the running workers' count); {:.1f} "
      "s in all",
      commands, p_count, expected_events, worker_kills, fmt::join(takeovers.begin(), takeovers.end(), " s, "),
      duplicates, since(begin)));
  for (std::uint32_t p = 0; p < p_count; ++p) {
    CAPTURE(p);
    CHECK(got[p].size() == expected[p].size());
    const auto diverge = std::mismatch(got[p].begin(), got[p].end(), expected[p].begin(), expected[p].end());
    if (diverge.first != got[p].end() || diverge.second != expected[p].end()) {
      const auto at = static_cast<std::size_t>(diverge.first - got[p].begin());
      FAIL_CHECK(fmt::format("partition {}: event {} differs: {} / expected {}", p, at + 1,
                             diverge.first != got[p].end() ? *diverge.first : "(none)",
                             diverge.second != expected[p].end() ? *diverge.second : "(none)"));
    }
  }
}
