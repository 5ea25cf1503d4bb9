// The cluster on NATS JetStream (issue 12, point 5): a 3-node nats-server cluster on loopback (R3
// streams, tests/cluster/nats_cluster.hpp), P = 16 partitions, `dueday worker` processes.
//   (a) commands/s a feeder publishes into the command stream, one at a time, each waiting for
//       its JetStream ack (nats_transport::publish_command);
//   (b) end to end with 1, 2 and 3 workers: the commands are fed first, then the workers start
//       (--no-ticks) and the clock runs until every event an uninterrupted per-partition replay
//       gives is in the event stream: commands applied/s and events published/s, the workers' CPU;
//   (c) takeover: a worker holding partitions is SIGKILLed; seconds until every partition is held
//       by a live worker again, with lease TTLs of 2 s and 3 s;
//   (d) the checkpoints the workers leave when stopped, read back with read_checkpoint: bytes per
//       partition and per open case.
// Each run starts a fresh cluster. Figures only, printed and never asserted: the machine has 2
// cores shared by the three servers, the workers, the feeder and whatever else runs (the load
// average is printed); on real machines each of these has cores of its own.
//
//   dueday_cluster_bench DUEDAY [--commands N]   (N lines of whole lifecycles, default 30000)
//
// Without nats-server it says so and exits 0.
#include <fmt/format.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <dueday/dueday.hpp>
#include <dueday/jsonl.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cluster/nats_transport.hpp"
#include "cluster/partition_runner.hpp"
#include "cluster/publisher.hpp"
#include "command_stream.hpp"
#include "nats_cluster.hpp"
#include "run_process.hpp"
#include "worker_processes.hpp"

namespace {

using namespace std::chrono_literals;
using dueday::cluster::logged_command;
using dueday::cluster::nats_options;
using dueday::cluster::nats_transport;
using steady = std::chrono::steady_clock;

constexpr std::uint32_t partitions = 16;

double since(steady::time_point t) { return std::chrono::duration<double>(steady::now() - t).count(); }

double process_cpu() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// The load average over the last minute (/proc/loadavg), or -1.
double load_average() {
  std::ifstream in("/proc/loadavg");
  double one = -1;
  in >> one;
  return one;
}

// One command as published: its partition, its line and its id.
struct routed {
  std::uint32_t partition;
  std::string json;
  std::string id;
};

// What an uninterrupted replay of each partition gives: its commands, events and open cases, and
// the snapshot size of an empty partition.
struct oracle {
  std::vector<std::size_t> commands = std::vector<std::size_t>(partitions);
  std::vector<std::size_t> events = std::vector<std::size_t>(partitions);
  std::vector<std::size_t> open = std::vector<std::size_t>(partitions);
  std::size_t all_events = 0;
  std::size_t empty_snapshot = 0;
  std::size_t same_key = 0;  // events whose key an earlier event of the partition has: none (store.hpp)
};

// Whole lifecycles (command_stream.hpp), each line routed to its case's partition and a tick to
// every partition.
std::vector<routed> route(const dueday::calendar& cal, std::size_t lines) {
  bench::stream_builder builder(cal, lines / 4, lines, 5);
  std::vector<routed> out;
  std::string id;
  std::int64_t n = 0;
  for (const bench::line& l : builder.build()) {
    const dueday::command c = dueday::parse_command(l.json, "stream", ++n, id);
    const auto to = dueday::cluster::route(c, partitions);
    for (std::uint32_t p = to.first; p <= to.last; ++p) out.push_back({p, l.json, fmt::format("line-{}", n)});
  }
  return out;
}

oracle replay(const std::vector<routed>& stream) {
  oracle o;
  std::vector<std::vector<logged_command>> logs(partitions);
  for (const routed& r : stream) logs[r.partition].push_back({logs[r.partition].size() + 1, r.json});
  for (std::uint32_t p = 0; p < partitions; ++p) {
    dueday::cluster::partition_runner runner(dueday::builtin_calendar(), dueday::builtin_policies());
    if (p == 0) o.empty_snapshot = runner.checkpoint().snapshot.size();
    o.commands[p] = logs[p].size();
    const auto events = runner.apply(logs[p]);
    std::set<std::string> keys;
    for (const auto& e : events) keys.insert(e.key);
    o.events[p] = events.size();
    o.same_key += events.size() - keys.size();  // the log would store such an event once
    o.open[p] = runner.engine().open_cases();
    o.all_events += o.events[p];
  }
  return o;
}

struct worker_process {
  std::string name;
  pid_t pid = -1;
  double cpu = 0;  // user + system seconds, once reaped
};

worker_process start_worker(const std::string& cli, const std::string& urls, const std::string& name,
                            const std::string& dir, std::chrono::milliseconds ttl) {
  worker_process w{name, dueday::test::start_worker_process(cli, urls, name, dir + "/" + name + ".out", 100'000, ttl),
                   0};
  if (w.pid < 0) throw std::runtime_error("fork failed");
  return w;
}

void signal_and_reap(worker_process& w, int sig) {
  if (w.pid <= 0) return;
  kill(w.pid, sig);
  int status = 0;
  rusage use{};
  wait4(w.pid, &status, 0, &use);
  w.pid = -1;
  w.cpu = static_cast<double>(use.ru_utime.tv_sec + use.ru_stime.tv_sec) +
          static_cast<double>(use.ru_utime.tv_usec + use.ru_stime.tv_usec) / 1e6;
}

std::size_t events_stored(const dueday::test::nats_cluster& cluster) {
  std::size_t n = 0;
  for (std::uint32_t p = 0; p < partitions; ++p) n += cluster.count("DUEDAY_EVT", fmt::format("dueday.evt.{}", p));
  return n;
}

// Seconds until no partition is held by `gone` and every partition is held (at most 15 s; -1).
double takeover(nats_transport& t, const std::string& gone) {
  return dueday::test::takeover_seconds(t, gone, std::chrono::seconds{15}, 20ms);
}

struct run_settings {
  int workers;
  std::chrono::milliseconds ttl;
  int kills;
  bool checkpoints;  // print (d) after the workers stop
};

void run(const std::filesystem::path& server, const std::string& cli, const std::vector<routed>& stream,
         const oracle& expected, const run_settings& s) {
  const auto cluster_start = steady::now();
  dueday::test::nats_cluster cluster(server, 3);
  nats_options o;
  o.urls = cluster.urls();
  o.partitions = partitions;
  o.replicas = 3;
  o.lease_ttl = s.ttl;
  nats_transport feeder(o);
  fmt::print("\n{} worker{}, lease TTL {} s (cluster up in {:.1f} s, load average {:.2f})\n", s.workers,
             s.workers > 1 ? "s" : "", std::chrono::duration<double>(s.ttl).count(), since(cluster_start),
             load_average());

  // (a) the feeder, one command at a time, each acknowledged by the stream (stored on 2 of 3).
  const auto feed_start = steady::now();
  const double feed_cpu = process_cpu();
  std::size_t dropped = 0;
  for (const routed& r : stream)
    if (!feeder.publish_command({r.partition}, r.json, r.id)) ++dropped;
  const double feed_wall = since(feed_start);
  fmt::print("  (a) feeder: {} commands in {:.2f} s [cpu {:.2f} s]: {:.0f} commands/s, one at a time with acks{}\n",
             stream.size(), feed_wall, process_cpu() - feed_cpu, static_cast<double>(stream.size()) / feed_wall,
             dropped ? fmt::format(" ({} dropped as duplicates!)", dropped) : std::string());

  // (b) the workers start on the full command stream; the clock stops when every event is stored.
  std::vector<worker_process> workers;
  const auto start = steady::now();
  for (int i = 0; i < s.workers; ++i)
    workers.push_back(start_worker(cli, o.urls, fmt::format("w{}", i), cluster.dir().string(), s.ttl));
  std::size_t stored = 0;
  auto progress = steady::now();  // gives up after 20 s without a new event
  for (std::size_t last = 0; (stored = events_stored(cluster)) < expected.all_events && since(progress) < 20;) {
    if (stored > last) progress = steady::now();
    last = stored;
    std::this_thread::sleep_for(50ms);
  }
  const double wall = since(start);
  fmt::print(
      "  (b) {} commands applied, {} of {} events stored in {:.2f} s (from the workers' start): {:.0f} "
      "commands/s, {:.0f} events/s end to end (load average {:.2f})\n",
      stream.size(), stored, expected.all_events, wall, static_cast<double>(stream.size()) / wall,
      static_cast<double>(stored) / wall, load_average());

  if (stored < expected.all_events)
    for (const auto& w : workers) {  // what the workers said
      std::ifstream err(cluster.dir() / (w.name + ".out.err"));
      for (std::string line; std::getline(err, line);) fmt::print("      {}: {}\n", w.name, line);
    }

  // (c) SIGKILL the worker holding the most partitions; time until all are held by live ones.
  std::vector<double> cpu;
  for (int k = 0; k < s.kills && workers.size() > 1; ++k) {
    const auto holders = feeder.holders();
    const auto most = std::max_element(workers.begin(), workers.end(), [&](const auto& a, const auto& b) {
      return std::count(holders.begin(), holders.end(), a.name) < std::count(holders.begin(), holders.end(), b.name);
    });
    const auto held = std::count(holders.begin(), holders.end(), most->name);
    const std::string gone = most->name;
    signal_and_reap(*most, SIGKILL);
    cpu.push_back(most->cpu);
    workers.erase(most);
    const double t = takeover(feeder, gone);
    fmt::print("  (c) worker {} SIGKILLed holding {} of {} partitions: {}\n", gone, held, partitions,
               t < 0 ? std::string("not taken over within 15 s")
                     : fmt::format("taken over by {} worker{} in {:.2f} s (lease TTL {} s)", workers.size(),
                                   workers.size() > 1 ? "s" : "", t, std::chrono::duration<double>(s.ttl).count()));
  }
  for (auto& w : workers) {  // a stopped worker checkpoints and releases what it holds
    signal_and_reap(w, SIGTERM);
    cpu.push_back(w.cpu);
  }
  double total_cpu = 0;
  for (double c : cpu) total_cpu += c;
  fmt::print("      workers' CPU over the whole run: {:.2f} s; events stored at the end: {} (expected {})\n", total_cpu,
             events_stored(cluster), expected.all_events);
  if (!s.checkpoints) return;

  // (d) the checkpoints, read back from the cluster.
  std::vector<std::size_t> bytes;
  std::size_t all_bytes = 0;
  std::size_t all_open = 0;
  std::size_t current = 0;
  for (std::uint32_t p = 0; p < partitions; ++p) {
    const auto c = feeder.read_checkpoint({p});
    if (!c) continue;
    bytes.push_back(c->snapshot.size());
    if (c->commands != expected.commands[p]) continue;
    ++current;
    all_bytes += c->snapshot.size();
    all_open += expected.open[p];
  }
  std::sort(bytes.begin(), bytes.end());
  if (bytes.empty() || all_open == 0) {
    fmt::print("  (d) no checkpoint read back\n");
    return;
  }
  fmt::print(
      "  (d) checkpoints: {} partitions, {} covering every command; bytes per partition min {} / median {} / "
      "max {}; {} open cases in those: {:.0f} bytes per open case ({} bytes of an empty partition)\n",
      bytes.size(), current, bytes.front(), bytes[bytes.size() / 2], bytes.back(), all_open,
      static_cast<double>(all_bytes - current * expected.empty_snapshot) / static_cast<double>(all_open),
      expected.empty_snapshot);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fmt::print(stderr, "usage: dueday_cluster_bench DUEDAY [--commands N]\n");
    return 2;
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // each line as it comes, also into a pipe
  const std::string cli = argv[1];
  std::size_t lines = 30000;
  for (int i = 2; i + 1 < argc; i += 2)
    if (std::string(argv[i]) == "--commands") lines = std::stoul(argv[i + 1]);
  const auto server = dueday::test::find_nats_server();
  if (!server) {
    fmt::print("cluster bench: nats-server not found (apt-get install nats-server): skipped\n");
    return 0;
  }
  const std::vector<routed> stream = route(dueday::builtin_calendar(), lines);
  const oracle expected = replay(stream);
  std::size_t open = 0;
  for (const std::size_t n : expected.open) open += n;
  fmt::print(
      "cluster bench: 3 nats-server processes on loopback (R3 streams), P = {} partitions, `dueday worker` "
      "processes, all on this machine ({} cores, load average {:.2f}).\n"
      "  Stream: {} lines of whole lifecycles (ticks to every partition): {} commands, {} events, {} cases open "
      "at the end. Each run "
      "starts a fresh cluster; workers run with --no-ticks. Wall-clock figures "
      "share the cores with the servers.\n",
      partitions, std::thread::hardware_concurrency(), load_average(), lines, stream.size(), expected.all_events, open);
  if (expected.same_key != 0) {
    fmt::print(stderr, "cluster bench: {} events repeat the idempotency key of an earlier event of their partition\n",
               expected.same_key);
    return 1;
  }
  const auto begin = steady::now();
  try {
    run(*server, cli, stream, expected, {1, 3000ms, 0, false});
    run(*server, cli, stream, expected, {2, 2000ms, 1, false});
    run(*server, cli, stream, expected, {3, 3000ms, 2, true});
  } catch (const std::exception& e) {
    fmt::print(stderr, "cluster bench: {}\n", e.what());
    return 1;
  }
  fmt::print("cluster bench: {:.0f} s in all\n", since(begin));
  return 0;
}
