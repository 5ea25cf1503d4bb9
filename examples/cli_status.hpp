// `dueday status`: where a durable store stands (cli_status.cpp).
//
//   dueday status --db monitor.db                  open cases by urgency, consumers, checkpoint, coverage
//   dueday status --db monitor.db --at-risk --json
//   dueday status --db monitor.db --case KM-2026-0171
#pragma once

#include <CLI/CLI.hpp>
#include <dueday/calendar.hpp>
#include <dueday/policy.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "monitor/status.hpp"

namespace dueday_cli {

struct status_args {
  std::string db;       // the store file
  std::string case_id;  // one case in detail; empty: the overview
  std::string at;       // ISO 8601; empty: the machine's clock
  bool at_risk = false;
  bool json = false;
  std::vector<std::string> policies;  // policy files; empty: the bundled ones
};

// Adds the `status` subcommand and its options, filling `a`.
CLI::App* add_status_command(CLI::App& app, status_args& a);

// Prints the status. Throws dueday::error (one line) for a bad --at, a store that cannot be opened
// (or was created with another calendar or policies), an unknown --case, and an instant past the
// calendar's projection; returns 0.
int run_status(const status_args& a, const dueday::calendar& cal, const dueday::policy_set& policies);

namespace status {
// The report as aligned text (cli_status_print.cpp); `colour`: ANSI colours for the alert levels.
void print_text(std::FILE* out, const dueday::monitor::report& r, bool colour);
}  // namespace status

}  // namespace dueday_cli
