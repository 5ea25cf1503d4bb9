// `dueday replay`: JSON Lines commands through the engine, JSON Lines events out (cli_replay.cpp).
//
//   dueday replay --input commands.jsonl --output events.jsonl --summary
#pragma once

#include <CLI/CLI.hpp>
#include <dueday/calendar.hpp>
#include <dueday/policy.hpp>

#include <string>
#include <vector>

namespace dueday_cli {

struct replay_args {
  std::vector<std::string> policies;  // policy files; empty: the bundled ones
  std::string input, output;          // files instead of stdin / stdout
  bool summary = false;               // totals on stderr once the events are written
};

// Adds the `replay` subcommand and its options, filling `a`.
CLI::App* add_replay_command(CLI::App& app, replay_args& a);

// Replays the commands. Throws dueday::error (one line) for an input or output file that cannot be
// used (a directory, the same file twice, unopenable, a write error); a bad command line is a
// `rejected` event, not an error. Returns 0.
int run_replay(const replay_args& a, const dueday::calendar& cal, const dueday::policy_set& policies);

}  // namespace dueday_cli
