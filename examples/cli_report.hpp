// `dueday report`: the monthly circular from an events file (cli_report.cpp).
//
//   dueday report --month 2026-10 --events events.jsonl --format html -o circular.html
#pragma once

#include <CLI/CLI.hpp>
#include <dueday/calendar.hpp>
#include <dueday/policy.hpp>

#include <string>
#include <vector>

namespace dueday_cli {

struct report_args {
  std::string month;   // YYYY-MM
  std::string events;  // file of events; empty: stdin
  std::string format = "text";
  std::string output;        // file; empty: stdout
  std::string generated_at;  // ISO 8601; empty: the host's clock
  std::vector<std::string> policies;
};

// Adds the `report` subcommand and its options, filling `a`.
CLI::App* add_report_command(CLI::App& app, report_args& a);

// Writes the report. Throws dueday::error (one line) for a bad --month, --format, --generated-at,
// an events file that cannot be read or holds a bad line, an unknown policy, or a month the calendar
// does not cover; returns 0.
int run_report(const report_args& a, const dueday::calendar& cal, const dueday::policy_set& policies);

}  // namespace dueday_cli
