// `dueday report` (cli_report.hpp): reads the events, makes the month's report and writes it in the
// form asked for. The one place the report reads a clock: generated_at, unless --generated-at.
#include "cli_report.hpp"

#include <fmt/format.h>
#include <dueday/error.hpp>
#include <dueday/io.hpp>
#include <dueday/jsonl.hpp>
#include <dueday/report.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace dueday_cli {

namespace {

using dueday::quote;

constexpr std::size_t max_path = 1024;

std::chrono::year_month month_arg(const std::string& s) {
  const auto digit = [&](std::size_t i) { return s[i] >= '0' && s[i] <= '9'; };
  if (s.size() == 7 && s[4] == '-' && digit(0) && digit(1) && digit(2) && digit(3) && digit(5) && digit(6)) {
    const int y = std::stoi(s.substr(0, 4));
    const auto m = static_cast<unsigned>(std::stoi(s.substr(5, 2)));
    if (m >= 1 && m <= 12) return std::chrono::year{y} / std::chrono::month{m};
  }
  throw dueday::error(fmt::format("--month: bad month {} (expected YYYY-MM)", quote(s)));
}

dueday::report_format format_arg(const std::string& s) {
  if (s == "html") return dueday::report_format::html;
  if (s == "text") return dueday::report_format::text;
  if (s == "csv") return dueday::report_format::csv;
  if (s == "json") return dueday::report_format::json;
  throw dueday::error(fmt::format("--format: {} (expected html, text, csv or json)", quote(s)));
}

dueday::instant generated_arg(const std::string& s) {
  if (s.empty()) return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  try {
    return dueday::parse_instant(s);
  } catch (const dueday::error& e) {
    throw dueday::error(fmt::format("--generated-at: {}", e.what()));
  }
}

}  // namespace

CLI::App* add_report_command(CLI::App& app, report_args& a) {
  auto* c = app.add_subcommand("report", "the monthly circular (每月汇总通报) from JSON Lines events");
  c->add_option("--month", a.month, "YYYY-MM, Beijing time")->required();
  c->add_option("--events", a.events, "events file (JSON Lines, as replay writes); default: stdin");
  c->add_option("--format", a.format, "html, text (default), csv or json");
  c->add_option("-o,--output", a.output, "write to FILE instead of stdout");
  c->add_option("--generated-at", a.generated_at, "the time printed as generated (ISO 8601); default: now");
  c->add_option("--policy", a.policies, "policy file (*.toml), repeatable; default: the bundled policies");
  return c;
}

int run_report(const report_args& a, const dueday::calendar& cal, const dueday::policy_set& policies) {
  dueday::report_options options;
  options.month = month_arg(a.month);
  const dueday::report_format format = format_arg(a.format);
  options.generated_at = generated_arg(a.generated_at);
  std::vector<dueday::event> events;
  if (a.events.empty()) {
    events = dueday::read_events(std::cin, "stdin");
  } else {
    std::error_code ec;
    if (std::filesystem::is_directory(a.events, ec))
      throw dueday::error(
          fmt::format("{}: is a directory (expected a file of events)", dueday::escape(a.events, max_path)));
    std::ifstream in(a.events, std::ios::binary);
    if (!in) throw dueday::error(fmt::format("{}: cannot open file", dueday::escape(a.events, max_path)));
    events = dueday::read_events(in, a.events);
  }
  const dueday::monthly_report r = dueday::make_report(events, cal, policies, options);
  std::ofstream out_file;
  std::ostream* out = &std::cout;
  if (!a.output.empty()) {
    out_file.open(a.output, std::ios::binary | std::ios::trunc);
    if (!out_file) throw dueday::error(fmt::format("{}: cannot write file", dueday::escape(a.output, max_path)));
    out = &out_file;
  }
  dueday::write_report(*out, r, format);
  out->flush();
  if (!*out)
    throw dueday::error(
        fmt::format("{}: write error", a.output.empty() ? "stdout" : dueday::escape(a.output, max_path)));
  return 0;
}

}  // namespace dueday_cli
