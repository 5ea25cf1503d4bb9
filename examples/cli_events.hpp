// `dueday events`: a durable store's outbox as JSON Lines (cli_events.cpp).
//
//   dueday events --db monitor.db --consumer sms --ack --follow
//   {"seq":12,"key":["KM-1","survey","warning","yellow","2026-10-10T00:00:00+08:00","5b1c0e3f9a7d2468","2026-10-09T00:00:00+08:00",9,1],"type":"warning","case":"KM-1",...}
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace dueday_cli {

struct events_args {
  std::string db;          // the store file
  std::string after;       // sequence number; empty: 0
  std::string consumer;    // name; empty: none
  bool ack = false;        // acknowledge what was printed, under `consumer`
  bool follow = false;     // keep polling for new events
  std::string follow_for;  // seconds; empty: until SIGINT or SIGTERM
  std::string limit;       // most events to print; empty: no limit
};

// Adds the `events` subcommand and its options, filling `a`.
CLI::App* add_events_command(CLI::App& app, events_args& a);

// Prints the events. Throws dueday::error (one line) for a bad option value, a store that cannot
// be opened or read, an outbox row that is not an event, and a write error on stdout (nothing
// printed after the last acknowledgement is then acknowledged); returns 0.
int run_events(const events_args& a);

}  // namespace dueday_cli
