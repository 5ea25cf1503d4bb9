// `dueday status`: where a durable store stands (see README.md for the output forms). The figures
// are gathered by monitor/status.cpp (shared with `dueday serve`), judged at --at, else the
// machine's clock (the CLI may read it; the library never does).
#include "cli_status.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <dueday/dueday.hpp>

#include "cli_store.hpp"

namespace dueday_cli {

CLI::App* add_status_command(CLI::App& app, status_args& a) {
  auto* c = app.add_subcommand("status", "open cases by urgency, consumers, checkpoint and coverage of a store");
  c->add_option("--db", a.db, "the store file (written by dueday run)")->required();
  c->add_option("--case", a.case_id, "one case in detail: every clock");
  c->add_flag("--at-risk", a.at_risk, "only the open cases with a clock at an alert level (yellow or worse)");
  c->add_flag("--json", a.json, "one JSON object instead of the table");
  c->add_option("--at", a.at, "judge at this instant (ISO 8601; default: the machine's clock)");
  c->add_option("--policy", a.policies, "policy file (*.toml), repeatable; default: the bundled policies");
  return c;
}

int run_status(const status_args& a, const dueday::calendar& cal, const dueday::policy_set& policies) {
  if (!a.case_id.empty() && a.at_risk) throw dueday::error("--case and --at-risk exclude each other");
  dueday::instant at;
  if (a.at.empty()) {
    at = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  } else {
    try {
      at = dueday::parse_instant(a.at, cal.offset());
    } catch (const dueday::error& e) {
      throw dueday::error(fmt::format("--at: {}", e.what()));
    }
  }
  dueday::durable_engine d(open_store(a.db, store_access::read), cal, policies);
  dueday::monitor::query q;
  q.at = at;
  q.at_name = a.at.empty() ? "the machine's clock," : "--at";
  q.case_id = a.case_id;
  q.at_risk_only = a.at_risk;
  const dueday::monitor::report r = dueday::monitor::gather(d, cal, policies, q);
  if (r.one_case && r.cases.empty())
    throw dueday::error(fmt::format("--case {}: no such case in store {}", dueday::quote(a.case_id), r.store));
  if (a.json) {
    fmt::print("{}\n", dueday::monitor::to_json(r));
  } else {
    status::print_text(stdout, r, isatty(fileno(stdout)) != 0);
  }
  return 0;
}

}  // namespace dueday_cli
