// `dueday worker` and `dueday publish` (cli_cluster.hpp): the cluster's worker loop and feeder. The
// worker's clocks are this machine's: the CLI reads them and hands them to the worker's step, the
// library never reads one.
//
// Signals: SIGTERM and SIGINT are blocked and polled between steps (sigtimedwait with no wait), so a
// step is never cut in half: the worker then publishes what is pending, checkpoints and releases.
#include "cli_cluster.hpp"

#include <fmt/format.h>
#include <unistd.h>
#include <dueday/error.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <thread>

#include "cli_args.hpp"
#include "cluster/nats_transport.hpp"
#include "cluster/publisher.hpp"
#include "cluster/worker.hpp"

namespace dueday_cli {

namespace {

using namespace std::chrono;
using dueday::cluster::transport_error;

constexpr std::size_t max_path = 1024;
constexpr auto idle_sleep = milliseconds{20};  // between steps that applied nothing

}  // namespace

dueday::cluster::nats_options nats_options_of(const nats_args& a) {
  if (a.urls.empty()) throw dueday::error("--nats: expected one or more server URLs, comma-separated");
  dueday::cluster::nats_options o;
  o.urls = a.urls;
  o.partitions = static_cast<std::uint32_t>(number_arg(a.partitions, "--partitions", 0, 65'536));
  o.replicas = static_cast<int>(number_arg(a.replicas, "--replicas", 0, 5));
  o.lease_ttl = milliseconds{number_arg(a.lease_ttl_ms, "--lease-ttl-ms", 500, 600'000)};
  // A request waits at most a fifth of the TTL: a worker's lease margin (TTL / 4) must outlast one.
  o.timeout = std::min(o.timeout, o.lease_ttl / 5);
  return o;
}

void add_nats_options(CLI::App* c, nats_args& a) {
  c->add_option("--nats", a.urls, "NATS server URLs, comma-separated (nats://127.0.0.1:4222,...)")->required();
  c->add_option("--partitions", a.partitions, "P of a new deployment (default 0: join the existing one)");
  c->add_option("--replicas", a.replicas, "replicas of the streams (default 0: 3 with 3 or more servers, else 1)");
  c->add_option("--lease-ttl-ms", a.lease_ttl_ms, "how long a partition's lease lasts (default 3000)");
}

std::unique_ptr<dueday::cluster::nats_transport> open_transport(const nats_args& a) {
  const auto options = nats_options_of(a);
  try {
    return std::make_unique<dueday::cluster::nats_transport>(options);
  } catch (const transport_error& e) {
    std::fflush(stdout);
    fmt::print(stderr, "dueday: {}\n", dueday::escape(e.what(), 2000));
    return nullptr;
  }
}

namespace {

std::string default_name() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return fmt::format("worker-{}-{}", host[0] != '\0' ? host : "host", getpid());
}

}  // namespace

CLI::App* add_worker_command(CLI::App& app, worker_args& w) {
  auto* c = app.add_subcommand("worker", "apply the cluster's partitions this worker leases, until SIGTERM");
  add_nats_options(c, w.nats);
  c->add_option("--name", w.name, "this worker's name, unique in the cluster (default worker-HOST-PID)");
  c->add_option("--max-partitions", w.max_partitions, "at most this many partitions (default 0: no limit)");
  c->add_option("--checkpoint-every", w.checkpoint_every, "commands between a partition's checkpoints");
  c->add_option("--tick-every", w.tick_every, "seconds between ticks (default 60; 0: only when an alert is due)");
  c->add_flag("--no-ticks", w.no_ticks, "publish no ticks: the feeders send them (commands of the past)");
  c->add_option("--stats-every", w.stats_every, "seconds between counts on stderr (default 0: none)");
  c->add_option("--policy", w.policies, "policy file (*.toml), repeatable; default: the bundled policies");
  return c;
}

CLI::App* add_publish_command(CLI::App& app, publish_args& p) {
  auto* c = app.add_subcommand("publish", "send commands (JSON Lines) to their partitions in the cluster");
  add_nats_options(c, p.nats);
  c->add_option("--input", p.input, "file of commands (default -: stdin)");
  return c;
}

CLI::App* add_cluster_events_command(CLI::App& app, cluster_events_args& e) {
  auto* c = app.add_subcommand("cluster-events", "print the events in the cluster's event log, partition by partition");
  add_nats_options(c, e.nats);
  c->add_option("--partition", e.partition, "that partition's events only (default: every partition's)");
  return c;
}

int run_worker(const worker_args& a, const dueday::calendar& cal, const dueday::policy_set& policies) {
  dueday::cluster::worker_options o;
  o.name = a.name.empty() ? default_name() : a.name;
  if (o.name.size() > 200) throw dueday::error("--name: at most 200 bytes");
  o.max_partitions = static_cast<std::uint32_t>(number_arg(a.max_partitions, "--max-partitions", 0, 65'536));
  o.checkpoint_every = number_arg(a.checkpoint_every, "--checkpoint-every", 1, UINT64_MAX / 2);
  o.tick_every = seconds{number_arg(a.tick_every, "--tick-every", 0, 86'400)};
  o.ticks = !a.no_ticks;
  o.clock = steady_clock::now;
  const seconds stats_every{number_arg(a.stats_every, "--stats-every", 0, 86'400)};

  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigprocmask(SIG_BLOCK, &stop_signals, nullptr);

  auto log = open_transport(a.nats);
  if (!log) return 1;
  dueday::cluster::worker w(*log, cal, policies, o);
  fmt::print(stderr, "dueday: worker {} on {} ({} partitions)\n", dueday::escape(o.name, 200),
             dueday::escape(a.nats.urls, max_path), log->partitions());
  std::fflush(stderr);

  const auto& stats = w.stats();
  auto last_stats = steady_clock::now();
  const timespec no_wait{0, 0};
  while (sigtimedwait(&stop_signals, nullptr, &no_wait) < 0) {
    const std::uint64_t before = stats.commands + stats.events;
    w.step(floor<seconds>(system_clock::now()));
    if (stats.commands + stats.events == before) std::this_thread::sleep_for(idle_sleep);
    if (stats_every.count() > 0 && steady_clock::now() - last_stats >= stats_every) {
      last_stats = steady_clock::now();
      fmt::print(
          stderr, "dueday: worker {}: {} partitions, {} commands, {} events ({} duplicates), {} takeovers{}\n",
          dueday::escape(o.name, 200), w.owned().size(), stats.commands, stats.events, stats.duplicates,
          stats.takeovers,
          stats.last_error.empty() ? "" : fmt::format(", last error: {}", dueday::escape(stats.last_error, 300)));
    }
  }
  w.stop();
  const nlohmann::ordered_json counts = {{"worker", o.name},
                                         {"commands", stats.commands},
                                         {"events", stats.events},
                                         {"duplicates", stats.duplicates},
                                         {"takeovers", stats.takeovers},
                                         {"lost", stats.lost},
                                         {"transport_errors", stats.transport_errors}};
  fmt::print("{}\n", counts.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  return 0;
}

int run_publish(const publish_args& a) {
  std::ifstream file;
  std::istream* in = &std::cin;
  std::string source = "stdin";
  if (a.input != "-") {
    std::error_code ec;
    if (std::filesystem::is_directory(a.input, ec))
      throw dueday::error(
          fmt::format("{}: is a directory (expected a file of commands)", dueday::escape(a.input, max_path)));
    file.open(a.input, std::ios::binary);
    if (!file) throw dueday::error(fmt::format("{}: cannot open file", dueday::escape(a.input, max_path)));
    in = &file;
    source = a.input;
  }
  auto log = open_transport(a.nats);
  if (!log) return 1;
  dueday::cluster::publisher feed(*log);
  std::uint64_t published = 0;
  std::uint64_t dropped = 0;
  bool refused = false;
  std::string line;
  try {
    for (std::int64_t n = 1; std::getline(*in, line); ++n) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      const auto answer = feed.publish_line(line, source, n);
      if (!answer.published()) {
        fmt::print(stderr, "dueday: {}: not published\n", dueday::escape(answer.error, 2000));
        refused = true;
        continue;
      }
      published += answer.to.size();
      dropped += answer.duplicates;
    }
  } catch (const transport_error& e) {
    std::fflush(stdout);
    fmt::print(stderr, "dueday: {} (after {} commands published)\n", dueday::escape(e.what(), 2000), published);
    return 1;
  }
  if (in->bad()) throw dueday::error(fmt::format("{}: read error", dueday::escape(source, max_path)));
  fmt::print(stderr, "dueday: published {} commands ({} duplicates dropped) to {} partitions\n", published - dropped,
             dropped, feed.partitions());
  return refused ? 1 : 0;
}

int run_cluster_events(const cluster_events_args& a) {
  auto log = open_transport(a.nats);
  if (!log) return 1;
  const std::uint32_t partitions = log->partitions();
  std::uint32_t first = 0;
  std::uint32_t last = partitions - 1;
  if (!a.partition.empty()) {
    first = last = static_cast<std::uint32_t>(number_arg(a.partition, "--partition", 0, partitions - 1));
  }
  try {
    for (std::uint32_t p = first; p <= last; ++p) {
      // As many as the log holds now (a new reader's first read may come back empty).
      const std::uint64_t stored = log->stored({p}, true);
      std::uint64_t after = 0;
      for (std::uint64_t printed = 0, idle = 0; printed < stored;) {
        const auto got = log->read_events({p}, after, 10'000, milliseconds{500});
        for (const auto& e : got) fmt::print("{}\n", e.json);
        printed += got.size();
        idle = got.empty() ? idle + 1 : 0;
        if (!got.empty()) after = got.back().sequence;
        if (idle == 10)  // 5 s without one
          throw transport_error(
              fmt::format("transport {}: partition {}: read {} of its {} events, then nothing for 5 s",
                          dueday::escape(a.nats.urls, max_path), p, printed, stored));
      }
    }
  } catch (const transport_error& e) {
    std::fflush(stdout);
    fmt::print(stderr, "dueday: {}\n", dueday::escape(e.what(), 2000));
    return 1;
  }
  return 0;
}

}  // namespace dueday_cli
