// GET /v1/reports/YYYY-MM (the monthly circular, as `dueday report` writes it) and GET /v1/summary
// (the open cases counted by variant and step, for the dashboard). README.md has the contract.
//
// The circular is made as `dueday events --db F | dueday report --month M` makes it: from every
// event of the store's outbox (read through a read-only connection, up to the last one committed
// when the request came), the calendar and policies the store was created with, generated at the
// instant the service judges cases at (the clock's, or the engine's time with --clock manual).
#include <fmt/format.h>
#include <dueday/error.hpp>
#include <dueday/format.hpp>
#include <dueday/io.hpp>
#include <dueday/jsonl.hpp>
#include <dueday/report.hpp>
#include <dueday/span.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <utility>

#include "monitor/status.hpp"
#include "pages.hpp"
#include "requests.hpp"

namespace dueday::service {

namespace {

using nlohmann::ordered_json;

constexpr std::size_t read_step = 10'000;  // outbox events read at a time

// "YYYY-MM", month 01 to 12; else request_error 400.
std::chrono::year_month month_of(std::string_view s) {
  const auto digit = [&](std::size_t i) { return s[i] >= '0' && s[i] <= '9'; };
  if (s.size() == 7 && s[4] == '-' && digit(0) && digit(1) && digit(2) && digit(3) && digit(5) && digit(6)) {
    const auto number = [&](std::size_t from, std::size_t n) {
      int v = 0;
      for (std::size_t i = from; i < from + n; ++i) v = v * 10 + (s[i] - '0');
      return v;
    };
    const int m = number(5, 2);
    if (m >= 1 && m <= 12) return std::chrono::year{number(0, 4)} / std::chrono::month{static_cast<unsigned>(m)};
  }
  throw request_error{400, fmt::format("bad month {} (expected YYYY-MM)", dueday::quote(s))};
}

struct form {
  dueday::report_format format;
  const char* type;
};

form format_of(const httplib::Request& req) {
  const std::string f = req.has_param("format") ? req.get_param_value("format") : "html";
  if (f == "html") return {dueday::report_format::html, "text/html; charset=utf-8"};
  if (f == "text") return {dueday::report_format::text, "text/plain; charset=utf-8"};
  if (f == "csv") return {dueday::report_format::csv, "text/csv; charset=utf-8"};
  if (f == "json") return {dueday::report_format::json, "application/json"};
  throw request_error{400, fmt::format("format: {} (expected html, text, csv or json)", dueday::quote(f))};
}

// The instant cases are judged at, as routes.cpp judges them: the clock's (system mode), else the
// engine's time.
dueday::instant judged_at(const server::impl& s, const dueday::durable_engine& d) {
  if (s.opt.mode == clock_mode::manual) return d.engine().now();
  return std::chrono::floor<std::chrono::seconds>(s.opt.clock());
}

std::string month_text(std::chrono::year_month m) {
  return fmt::format("{:04}-{:02}", static_cast<int>(m.year()), static_cast<unsigned>(m.month()));
}

}  // namespace

void get_report(server::impl& s, const httplib::Request& req, httplib::Response& res, std::string_view month) {
  dueday::report_options o;
  o.month = month_of(month);
  const form f = format_of(req);
  std::optional<dueday::calendar> cal;
  dueday::policy_set policies;
  std::uint64_t last = 0;
  s.engine.run([&](dueday::durable_engine& d) {
    cal.emplace(d.engine().current_calendar());
    policies = d.engine().policies();
    o.generated_at = judged_at(s, d);
    last = d.storage().last_sequence();
  });
  // The outbox as `dueday events` gives it, read back as `dueday report` reads its input.
  std::string lines;
  {
    auto store = s.readers.take();
    for (std::uint64_t after = 0; after < last;) {
      const auto events = store->read_events(after, read_step);
      if (events.empty()) break;
      for (const auto& e : events) {
        if (e.sequence > last) break;
        lines += e.json;
        lines += '\n';
      }
      after = events.back().sequence;
    }
    s.readers.put(std::move(store));
  }
  std::istringstream in(std::move(lines));
  const auto events = dueday::read_events(in, fmt::format("store {}: outbox", s.store_name));
  dueday::monthly_report r;
  try {
    r = dueday::make_report(events, *cal, policies, o);
  } catch (const dueday::coverage_error& e) {
    throw request_error{400, fmt::format("month {}: {}", month_text(o.month), e.what())};
  }
  std::ostringstream out;
  dueday::write_report(out, r, f.format);
  reply(res, 200, std::move(out).str(), f.type);
  if (f.format == dueday::report_format::html)
    res.set_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:");
}

void get_summary(server::impl& s, httplib::Response& res) {
  dueday::monitor::report r;
  std::optional<dueday::calendar> cal;
  dueday::policy_set policies;
  s.engine.run([&](dueday::durable_engine& d) {
    cal.emplace(d.engine().current_calendar());
    policies = d.engine().policies();
    dueday::monitor::query q;
    q.at = judged_at(s, d);
    q.at_name = "the service's clock,";
    r = dueday::monitor::gather(d, *cal, policies, q);
  });
  // Every variant of every policy, its steps in policy order and the overall clock last, counted
  // from the open cases' clocks.
  ordered_json variants = ordered_json::array();
  ordered_json levels = ordered_json::array();
  std::map<std::pair<std::string, std::string>, std::size_t> where;  // (policy id, variant) -> index
  for (const auto& p : policies.all()) {
    for (const auto& a : p.alerts)
      levels.push_back({{"policy", p.id}, {"level", a.level}, {"raises", std::string(dueday::to_string(a.raises))}});
    for (const auto& v : p.variants) {
      ordered_json steps = ordered_json::array();
      const auto step = [](const std::string& name, const std::string& title, const dueday::span_spec& limit) {
        return ordered_json{{"step", name}, {"title", title}, {"limit", dueday::to_string(limit)},
                            {"running", 0}, {"paused", 0},    {"waiting", 0},
                            {"at_risk", 0}, {"overdue", 0}};
      };
      for (const auto& st : v.steps) steps.push_back(step(st.name, st.title.empty() ? st.name : st.title, st.limit));
      steps.push_back(step("overall", "全流程", v.overall.limit));
      where[{p.id, v.name}] = variants.size();
      variants.push_back({{"policy", p.id},
                          {"variant", v.name},
                          {"title", v.title.empty() ? v.name : v.title},
                          {"open", 0},
                          {"at_risk", 0},
                          {"steps", std::move(steps)}});
    }
  }
  using status = dueday::step_timer::status;
  for (const auto& c : r.cases) {
    const auto found = where.find({c.view.policy.substr(0, c.view.policy.find('@')), c.view.variant});
    if (found == where.end()) continue;
    auto& v = variants[found->second];
    v["open"] = v["open"].get<std::int64_t>() + 1;
    if (c.at_risk) v["at_risk"] = v["at_risk"].get<std::int64_t>() + 1;
    for (auto& row : v["steps"]) {
      for (const auto& l : c.clocks) {
        if (l.view.name != row["step"].get<std::string>()) continue;
        const bool live = l.view.state == status::running || l.view.state == status::paused;
        const auto add = [&](const char* key) { row[key] = row[key].get<std::int64_t>() + 1; };
        if (l.view.state == status::running) add("running");
        if (l.view.state == status::paused) add("paused");
        if (l.view.state == status::idle && l.view.waiting) add("waiting");
        if (live && l.level) add("at_risk");
        if (live && l.view.remaining.count() < 0) add("overdue");
      }
    }
  }
  const auto day = cal->day_of(r.at).ymd();
  const ordered_json j = {{"store", r.store},
                          {"at", dueday::format_instant(r.at, cal->offset())},
                          {"month", month_text(day.year() / day.month())},
                          {"open", r.cases_open},
                          {"at_risk", r.at_risk},
                          {"last_sequence", r.last_sequence},
                          {"levels", std::move(levels)},
                          {"variants", std::move(variants)}};
  reply(res, 200, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n", "application/json");
}

}  // namespace dueday::service
