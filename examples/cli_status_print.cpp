// `dueday status` output as aligned text (see README.md; the JSON form is monitor/status_json.cpp).
#include <fmt/format.h>
#include <dueday/error.hpp>
#include <dueday/format.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cli_status.hpp"

namespace dueday_cli::status {

namespace {

using dueday::monitor::case_line;
using dueday::monitor::report;
using dueday::monitor::state_name;

std::string iso(dueday::instant t) { return dueday::format_instant(t); }

// Display columns of UTF-8 text: 2 for East Asian Wide and Fullwidth characters (UAX #11, the
// main blocks), 1 for others, continuation bytes 0.
std::size_t width(std::string_view s) {
  std::size_t w = 0;
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::uint32_t cp = b;
    std::size_t n = 1;
    if (b >= 0xF0 && i + 3 < s.size()) {
      cp = ((b & 0x07U) << 18) | ((static_cast<unsigned char>(s[i + 1]) & 0x3FU) << 12) |
           ((static_cast<unsigned char>(s[i + 2]) & 0x3FU) << 6) | (static_cast<unsigned char>(s[i + 3]) & 0x3FU);
      n = 4;
    } else if (b >= 0xE0 && i + 2 < s.size()) {
      cp = ((b & 0x0FU) << 12) | ((static_cast<unsigned char>(s[i + 1]) & 0x3FU) << 6) |
           (static_cast<unsigned char>(s[i + 2]) & 0x3FU);
      n = 3;
    } else if (b >= 0xC0 && i + 1 < s.size()) {
      n = 2;
    }
    const bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF && cp != 0x303F) ||
                      (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                      (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                      (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
    w += wide ? 2 : 1;
    i += n;
  }
  return w;
}

// Rows of cells printed in columns two spaces apart, aligned by display width; the last column is
// not padded. `colour(row)` wraps the last cell (empty: none).
void table(std::FILE* out, const std::vector<std::vector<std::string>>& rows,
           const std::vector<std::string>& last_colour) {
  std::vector<std::size_t> w;
  for (const auto& r : rows)
    for (std::size_t k = 0; k < r.size(); ++k) {
      if (w.size() <= k) w.resize(k + 1, 0);
      w[k] = std::max(w[k], width(r[k]));
    }
  for (std::size_t i = 0; i < rows.size(); ++i) {
    std::string line = "  ";
    for (std::size_t k = 0; k < rows[i].size(); ++k) {
      const bool last = k + 1 == rows[i].size();
      if (last && i < last_colour.size() && !last_colour[i].empty()) {
        line += last_colour[i] + rows[i][k] + "\x1b[0m";
      } else {
        line += rows[i][k];
      }
      if (!last) line.append(w[k] - width(rows[i][k]) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    fmt::print(out, "{}\n", line);
  }
}

std::string cell(std::string_view s) { return s.empty() ? "-" : dueday::escape(s, 60); }
std::string short_time(const std::optional<dueday::instant>& t) {
  return t ? iso(*t).substr(0, 16).replace(10, 1, " ") : "-";
}
std::string wd(double x) { return fmt::format("{:.2f} WD", x); }
std::string colour_of(const std::optional<std::string>& level, bool colour) {
  if (!colour || !level) return {};
  return *level == "yellow" ? "\x1b[33m" : "\x1b[31m";
}

void print_case(std::FILE* out, const case_line& c, bool colour) {
  const auto& v = c.view;
  fmt::print(out, "case {} ({}, {}{}{}): {}, opened {}{}\n", cell(v.id), cell(v.policy), cell(v.variant),
             v.district.empty() ? "" : ", ", v.district.empty() ? "" : cell(v.district), dueday::to_string(v.status),
             short_time(v.opened), v.closed ? ", closed " + short_time(v.closed) : "");
  std::vector<std::vector<std::string>> rows{
      {"clock", "state", "unit", "limit", "elapsed", "remaining", "due", "pauses", "level"}};
  std::vector<std::string> colours{""};
  for (const auto& l : c.clocks) {
    std::string pauses;
    for (const auto& [from, to] : l.pauses)
      pauses += fmt::format("{}{}..{}", pauses.empty() ? "" : ", ", short_time(from), to ? short_time(to) : "");
    const bool started = l.view.state != dueday::step_timer::status::idle;
    rows.push_back({cell(l.view.name), std::string(state_name(l.view.state)) + (l.view.waiting ? " (waiting)" : ""),
                    cell(l.view.unit), cell(l.view.limit), started ? wd(l.elapsed_wd) : "-", wd(l.remaining_wd),
                    short_time(l.view.due) + (l.view.provisional ? " provisional" : ""), pauses.empty() ? "-" : pauses,
                    l.level.value_or("-")});
    colours.push_back(colour_of(l.level, colour));
  }
  table(out, rows, colours);
}

}  // namespace

void print_text(std::FILE* out, const report& r, bool colour) {
  fmt::print(out, "store {}: judged at {} (store time {}; clocks as of {})\n", r.store, short_time(r.at),
             short_time(r.store_time), short_time(r.as_of));
  if (r.one_case) {
    print_case(out, r.cases.front(), colour);
    return;
  }
  fmt::print(out, "journal: position {}, last command id {}\n", r.position,
             r.last_id ? fmt::format("{} at {}", dueday::quote(r.last_id->second), r.last_id->first) : "none");
  if (r.checkpoint) {
    const auto since = r.checkpoint_time ? r.store_time - *r.checkpoint_time : std::chrono::seconds{0};
    fmt::print(out, "checkpoint: position {}, {} commands since{}\n", *r.checkpoint, r.position - *r.checkpoint,
               r.checkpoint_time ? fmt::format(", engine time {} ({} h {:02} min since)", short_time(r.checkpoint_time),
                                               since.count() / 3600, since.count() % 3600 / 60)
                                 : "");
  } else {
    fmt::print(out, "checkpoint: none ({} commands to replay on opening)\n", r.position);
  }
  fmt::print(out, "events: {}; consumers:{}\n", r.last_sequence, r.consumers.empty() ? " none" : "");
  std::vector<std::vector<std::string>> consumers;
  for (const auto& c : r.consumers)
    consumers.push_back(
        {cell(c.name), fmt::format("{} acknowledged", c.acknowledged), fmt::format("{} pending", c.pending)});
  table(out, consumers, {});
  fmt::print(out, "holiday data: to {}, projected to {}\n", r.last_covered, r.projection_end);
  if (r.coverage_warning) fmt::print(out, "warning: {}\n", *r.coverage_warning);
  fmt::print(out, "cases: {} held, {} open, {} at risk{}\n", r.cases_held, r.cases_open, r.at_risk,
             r.at_risk_only ? " (listed below)" : "");
  if (r.cases.empty()) return;
  std::vector<std::vector<std::string>> rows{{"case", "clock", "unit", "state", "remaining", "due", "level"}};
  std::vector<std::string> colours{""};
  for (const auto& c : r.cases) {
    if (!c.urgent) {
      rows.push_back({cell(c.view.id), "-", "-", "-", "-", "-", "-"});
      colours.emplace_back();
      continue;
    }
    const auto& l = c.clocks[*c.urgent];
    rows.push_back({cell(c.view.id), cell(l.view.name), cell(l.view.unit), state_name(l.view.state), wd(l.remaining_wd),
                    short_time(l.view.due) + (l.view.provisional ? " provisional" : ""), l.level.value_or("-")});
    colours.push_back(colour_of(l.level, colour));
  }
  table(out, rows, colours);
}

}  // namespace dueday_cli::status
