// The cluster's commands (cli_cluster.cpp; src/cluster does the work), on NATS JetStream:
//
//   dueday worker --nats nats://127.0.0.1:4222,nats://127.0.0.1:4223 [--name w1] [--max-partitions K]
//   dueday publish --nats URLS [--partitions 64] [--input commands.jsonl]
//   dueday cluster-events --nats URLS [--partition N]
//
// `worker` applies the partitions it leases until SIGTERM or SIGINT, then publishes what is
// pending, checkpoints and releases its leases; `publish` sends commands to their partitions'
// logs (a case's commands to partition_of(case), a tick to every partition).
#pragma once

#include <CLI/CLI.hpp>
#include <dueday/calendar.hpp>
#include <dueday/policy.hpp>

#include <memory>
#include <string>
#include <vector>

#include "cluster/nats_transport.hpp"

namespace dueday_cli {

// What both commands say about the deployment.
struct nats_args {
  std::string urls;              // comma-separated server URLs
  std::string partitions = "0";  // P of a new deployment; 0: join one (P as recorded)
  std::string replicas = "0";    // 0: 3 with 3 or more servers, else 1
  std::string lease_ttl_ms = "3000";
};

struct worker_args {
  nats_args nats;
  std::string name;                        // default: worker-<host>-<pid>
  std::string max_partitions = "0";        // 0: no limit
  std::string checkpoint_every = "10000";  // commands
  std::string tick_every = "60";           // seconds; 0: only when an alert falls due
  bool no_ticks = false;                   // the feeders send the ticks
  std::string stats_every = "0";           // seconds between stats lines on stderr; 0: none
  std::vector<std::string> policies;       // policy files; empty: the bundled ones
};

struct publish_args {
  nats_args nats;
  std::string input = "-";  // a file of commands (JSON Lines), or - for stdin
};

struct cluster_events_args {
  nats_args nats;
  std::string partition;  // one partition's events; empty: every partition's, in partition order
};

// The transport's options from the command line (`dueday serve --nats` takes them too); throws
// dueday::error for a bad value.
[[nodiscard]] dueday::cluster::nats_options nats_options_of(const nats_args& a);
// Adds --nats (required), --partitions, --replicas and --lease-ttl-ms to `c`, filling `a`.
void add_nats_options(CLI::App* c, nats_args& a);
// Opens the transport; null after printing its failure ("dueday: transport URLS: ...").
[[nodiscard]] std::unique_ptr<dueday::cluster::nats_transport> open_transport(const nats_args& a);

// Add the `worker`, `publish` and `cluster-events` subcommands, filling `w`, `p` and `e`.
CLI::App* add_worker_command(CLI::App& app, worker_args& w);
CLI::App* add_publish_command(CLI::App& app, publish_args& p);
CLI::App* add_cluster_events_command(CLI::App& app, cluster_events_args& e);

// Runs a worker until SIGTERM or SIGINT. Prints "dueday: worker NAME on URLS (P partitions)" on
// stderr once connected and, at the end, one JSON line of its counts on stdout:
//   {"worker":"w1","commands":N,"events":N,"duplicates":N,"takeovers":N,"lost":N,"transport_errors":N}
// Throws dueday::error (one line, exit 2) for bad arguments; a transport that cannot be opened is
// printed ("dueday: transport URLS: ...") and gives 1.
int run_worker(const worker_args& a, const dueday::calendar& cal, const dueday::policy_set& policies);

// Publishes every command line of the input to its partition, with its id when it has one (the
// log stores a command once per id); blank lines are skipped. A line that is no command is not
// published (it has no partition): "dueday: FILE:LINE: not published: <why>" on stderr, and the
// run goes on and ends with 1. Prints "published N commands (D duplicates dropped) to P partitions" on stderr.
int run_publish(const publish_args& a);

// Prints the events in the cluster's event log now, one JSON line each (to_json's form), a
// partition's in the order stored, partition after partition; then returns 0.
int run_cluster_events(const cluster_events_args& a);

}  // namespace dueday_cli
