// `dueday serve`: the durable monitor as an HTTP service (cli_serve.cpp; src/service does the work).
//
//   dueday serve --db monitor.db                                    127.0.0.1:8490, system clock
//   dueday serve --db monitor.db --listen 0.0.0.0:8490 --token-file /etc/dueday/token
//   dueday serve --db monitor.db --listen 127.0.0.1:0 --clock manual   (prints the port it got)
//   dueday serve --nats nats://127.0.0.1:4222 [--partitions 64]      cluster mode: commands are
//                                                                    published to their partitions
#pragma once

#include <CLI/CLI.hpp>
#include <dueday/calendar.hpp>
#include <dueday/policy.hpp>

#include <string>
#include <vector>

#include "cli_cluster.hpp"

namespace dueday_cli {

struct serve_args {
  std::string db;                           // the store file, created when missing
  std::string listen = "127.0.0.1:8490";    // HOST:PORT or [IPV6]:PORT; port 0: any free one
  std::string token_file;                   // empty: no token (loopback only)
  std::string clock = "system";             // system or manual
  std::string sync = "full";                // full or normal
  std::string checkpoint_every = "100000";  // commands between checkpoints; 0: only at exit
  std::string threads = "64";               // HTTP worker threads
  std::vector<std::string> policies;        // policy files; empty: the bundled ones
  nats_args nats;                           // cluster mode when nats.urls is given (instead of db)
};

// Adds the `serve` subcommand and its options, filling `a`.
CLI::App* add_serve_command(CLI::App& app, serve_args& a);

// Serves until SIGTERM or SIGINT, then drains the requests in flight, checkpoints and returns 0.
// Prints "dueday: serving HOST:PORT (store FILE, clock MODE)" on stderr once it listens. Throws
// dueday::error (one line, exit 2) for bad arguments, a token file that cannot be read or is empty,
// and a non-loopback --listen without --token-file; a store's failure is printed ("dueday: store
// FILE: ...") and gives 1 (2 for a store created with another calendar or policy set).
// Cluster mode (--nats URLS instead of --db): connects to the NATS servers (joining the deployment,
// or creating it with --partitions P), prints "dueday: serving HOST:PORT (cluster URLS, P
// partitions)" and publishes each posted command to its partition (src/service/cluster.hpp); a
// transport that cannot be opened is printed ("dueday: transport URLS: ...") and gives 1.
int run_serve(const serve_args& a, const dueday::calendar& cal, const dueday::policy_set& policies);

}  // namespace dueday_cli
