// `dueday run` and `dueday tick`: commands applied durably to a store (cli_run.cpp, over
// dueday/store.hpp's durable_engine and sqlite_storage).
//
//   dueday run --db monitor.db --input commands.jsonl      one outcome line per command on stdout
//   feeder | dueday run --db monitor.db --batch 100        answers as each batch commits
//   dueday tick --db monitor.db --now                      raises what is due, from the host's clock
//
// Outcome lines (one per non-blank input line, in input order, printed once the line's batch has
// committed; `id` only when the line has one, `code` and `reason` only when rejected):
//   {"line":12,"id":"c-12","outcome":"accepted"}
//   {"line":13,"id":"c-12","outcome":"duplicate"}
//   {"line":14,"outcome":"rejected","code":"unknown_case","reason":"no case 'KM-9'"}
// Exit codes: 0 at the end of input (whatever the outcomes), 1 for a store that fails (I/O, full,
// locked, corrupt: "dueday: store FILE: ..."), 2 for bad arguments, files or a store created with
// another calendar or policy set.
#pragma once

#include <CLI/CLI.hpp>
#include <dueday/calendar.hpp>
#include <dueday/policy.hpp>

#include <string>
#include <vector>

namespace dueday_cli {

struct run_args {
  std::string db;                           // the store file, created when missing
  std::string input;                        // commands file; empty: stdin
  std::string batch = "1000";               // most lines per transaction
  std::string sync = "full";                // full or normal
  std::string checkpoint_every = "100000";  // commands between checkpoints; 0: none
  std::vector<std::string> policies;        // policy files; empty: the bundled ones
};

struct tick_args {
  std::string db;  // an existing store
  std::string at;  // ISO 8601
  bool now = false;
  std::string sync = "full";
  std::vector<std::string> policies;
};

// Add the subcommands and their options, filling `a`.
CLI::App* add_run_command(CLI::App& app, run_args& a);
CLI::App* add_tick_command(CLI::App& app, tick_args& a);

// Run the command. Throw dueday::error (one line, exit 2) for bad arguments or input files; print
// a store's failure themselves ("dueday: store FILE: ...") and return 1 for it, or 2 when the
// store was created with another calendar or policy set; else return 0.
int run_run(const run_args& a, const dueday::calendar& cal, const dueday::policy_set& policies);
int run_tick(const tick_args& a, const dueday::calendar& cal, const dueday::policy_set& policies);

}  // namespace dueday_cli
