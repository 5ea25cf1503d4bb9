// `dueday status` output: one JSON object, or aligned text (see README.md for both forms).
#include <fmt/format.h>
#include <dueday/error.hpp>
#include <dueday/format.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cli_status_model.hpp"

namespace dueday_cli::status {

namespace {

using nlohmann::ordered_json;

std::string iso(dueday::instant t) { return dueday::format_instant(t); }
ordered_json iso_or_null(const std::optional<dueday::instant>& t) { return t ? ordered_json(iso(*t)) : ordered_json(); }
template <class T>
ordered_json or_null(const std::optional<T>& v) {
  return v ? ordered_json(*v) : ordered_json();
}

ordered_json clock_json(const clock_line& l) {
  const auto& v = l.view;
  ordered_json pauses = ordered_json::array();
  for (const auto& [from, to] : l.pauses) pauses.push_back({{"from", iso(from)}, {"to", iso_or_null(to)}});
  ordered_json raised = ordered_json::array();
  for (const auto& f : v.fired) raised.push_back(f);
  return {{"clock", v.name},
          {"unit", v.unit},
          {"party", v.party},
          {"limit", v.limit},
          {"rule", std::string(dueday::to_string(v.rule))},
          {"state", state_name(v.state)},
          {"waiting", v.waiting},
          {"started", iso_or_null(v.commanded)},
          {"due", iso_or_null(v.due)},
          {"provisional", v.provisional},
          {"elapsed_s", v.elapsed.count()},
          {"elapsed_wd", l.elapsed_wd},
          {"remaining_s", v.remaining.count()},
          {"remaining_wd", l.remaining_wd},
          {"level", or_null(l.level)},
          {"raised", std::move(raised)},
          {"on_time", or_null(v.on_time)},
          {"pauses", std::move(pauses)}};
}

ordered_json case_json(const case_line& c) {
  const auto& v = c.view;
  ordered_json clocks = ordered_json::array();
  for (const auto& l : c.clocks) clocks.push_back(clock_json(l));
  return {{"case", v.id},
          {"policy", v.policy},
          {"variant", v.variant},
          {"district", v.district.empty() ? ordered_json() : ordered_json(v.district)},
          {"status", std::string(dueday::to_string(v.status))},
          {"opened", iso(v.opened)},
          {"closed", iso_or_null(v.closed)},
          {"at_risk", c.at_risk},
          {"clocks", std::move(clocks)}};
}

// An open case in the overview: the case and its most urgent clock.
ordered_json urgent_json(const case_line& c) {
  ordered_json j = {{"case", c.view.id},
                    {"policy", c.view.policy},
                    {"variant", c.view.variant},
                    {"district", c.view.district.empty() ? ordered_json() : ordered_json(c.view.district)}};
  if (c.urgent) {
    const auto& l = c.clocks[*c.urgent];
    j["clock"] = l.view.name;
    j["unit"] = l.view.unit;
    j["state"] = state_name(l.view.state);
    j["remaining_s"] = l.view.remaining.count();
    j["remaining_wd"] = l.remaining_wd;
    j["due"] = iso_or_null(l.view.due);
    j["provisional"] = l.view.provisional;
    j["level"] = or_null(l.level);
  } else {
    for (const char* k : {"clock", "unit", "state", "remaining_s", "remaining_wd", "due", "provisional", "level"})
      j[k] = nullptr;
  }
  j["at_risk"] = c.at_risk;
  return j;
}

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

void print_json(std::FILE* out, const report& r) {
  ordered_json j = {{"store", r.store}, {"at", iso(r.at)}, {"store_time", iso(r.store_time)}, {"as_of", iso(r.as_of)}};
  if (r.one_case) {
    j["case"] = case_json(r.cases.front());
  } else {
    ordered_json consumers = ordered_json::array();
    for (const auto& c : r.consumers)
      consumers.push_back({{"name", c.name}, {"acknowledged", c.acknowledged}, {"pending", c.pending}});
    ordered_json checkpoint;
    if (r.checkpoint) {
      checkpoint = {{"position", *r.checkpoint},
                    {"commands_since", r.position - *r.checkpoint},
                    {"engine_time", iso_or_null(r.checkpoint_time)},
                    {"engine_time_since_s",
                     r.checkpoint_time ? ordered_json((r.store_time - *r.checkpoint_time).count()) : ordered_json()}};
    }
    j["journal"] = {{"position", r.position},
                    {"last_id", r.last_id ? ordered_json(r.last_id->second) : ordered_json()},
                    {"last_id_position", r.last_id ? ordered_json(r.last_id->first) : ordered_json()}};
    j["events"] = {{"last_sequence", r.last_sequence}, {"consumers", std::move(consumers)}};
    j["checkpoint"] = std::move(checkpoint);
    j["coverage"] = {{"last_covered", r.last_covered},
                     {"projection_end", r.projection_end},
                     {"warning", or_null(r.coverage_warning)}};
    j["cases"] = {{"held", r.cases_held}, {"open", r.cases_open}, {"at_risk", r.at_risk}};
    ordered_json open = ordered_json::array();
    for (const auto& c : r.cases) open.push_back(urgent_json(c));
    j[r.at_risk_only ? "at_risk" : "open"] = std::move(open);
  }
  fmt::print(out, "{}\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

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
