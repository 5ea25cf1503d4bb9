// dueday serve, in process: the monthly circular (GET /v1/reports/YYYY-MM) against what the report
// library writes for the same events, the summary the dashboard reads (GET /v1/summary) against
// counts worked out by hand, and the dashboard page itself (GET /), with and without a token.
#include <doctest/doctest.h>
#include <dueday/io.hpp>
#include <dueday/jsonl.hpp>
#include <dueday/report.hpp>

#include <sstream>

#include "service_support.hpp"

namespace {

using namespace dueday::test;

// What `dueday report --month M --format F --generated-at G` writes for the October replay.
std::string october_report(std::chrono::year_month month, dueday::report_format f, const char* generated) {
  std::istringstream in(october_replay());
  const auto events = dueday::read_events(in, "october");
  dueday::report_options o;
  o.month = month;
  o.generated_at = dueday::parse_instant(generated);
  std::ostringstream out;
  dueday::write_report(out, dueday::make_report(events, dueday::builtin_calendar(), dueday::builtin_policies(), o), f);
  return out.str();
}

std::string post(httplib::Client& c, const std::string& body) {
  const auto r = c.Post("/v1/commands", body, "application/x-ndjson");
  REQUIRE(r);
  REQUIRE(r->status == 200);
  return r->body;
}

nlohmann::json get_json(httplib::Client& c, const char* path) {
  const auto r = c.Get(path);
  REQUIRE(r);
  REQUIRE(r->status == 200);
  CHECK(r->get_header_value("Content-Type") == "application/json");
  return nlohmann::json::parse(r->body);
}

TEST_CASE("service: the monthly circular is the report library's for the store's events, in each form") {
  live_service s;
  auto c = s.client();
  std::string body;
  for (const auto& line : october_lines()) body += line;
  (void)post(c, body);
  // The file's last line is a tick at 2026-11-01T00:00: with --clock manual the service judges at
  // the engine's time, and that is when the circular says it was generated.
  const char* generated = "2026-11-01T00:00:00+08:00";
  const auto october = std::chrono::year{2026} / std::chrono::October;
  struct form {
    const char* query;
    dueday::report_format format;
    const char* type;
  };
  for (const form& f : {form{"", dueday::report_format::html, "text/html; charset=utf-8"},
                        form{"?format=html", dueday::report_format::html, "text/html; charset=utf-8"},
                        form{"?format=text", dueday::report_format::text, "text/plain; charset=utf-8"},
                        form{"?format=csv", dueday::report_format::csv, "text/csv; charset=utf-8"},
                        form{"?format=json", dueday::report_format::json, "application/json"}}) {
    INFO(f.query);
    const auto r = c.Get((std::string("/v1/reports/2026-10") + f.query).c_str());
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->get_header_value("Content-Type") == f.type);
    CHECK(r->body == october_report(october, f.format, generated));
  }
  // September: the same events, another month (the cases opened at its end).
  const auto sep = c.Get("/v1/reports/2026-09?format=json");
  REQUIRE(sep);
  CHECK(sep->body ==
        october_report(std::chrono::year{2026} / std::chrono::September, dueday::report_format::json, generated));
  CHECK(sep->body != october_report(october, dueday::report_format::json, generated));
}

TEST_CASE("service: a bad month or format is a 400 with a one-line JSON error") {
  live_service s;
  auto c = s.client();
  for (const char* path : {"/v1/reports/2026-13", "/v1/reports/2026-00", "/v1/reports/2026-1", "/v1/reports/26-10",
                           "/v1/reports/2026-10-01", "/v1/reports/2026_10", "/v1/reports/", "/v1/reports/%E5%8D%81",
                           "/v1/reports/2026-10?format=pdf", "/v1/reports/2026-10?format=", "/v1/reports/3000-01"}) {
    INFO(path);
    const auto r = c.Get(path);
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(is_error_line(r->body));
  }
  const auto month = c.Get("/v1/reports/2026-13");
  REQUIRE(month);
  CHECK(month->body == "{\"error\":\"bad month '2026-13' (expected YYYY-MM)\"}\n");
  const auto format = c.Get("/v1/reports/2026-10?format=pdf");
  REQUIRE(format);
  CHECK(format->body == "{\"error\":\"format: 'pdf' (expected html, text, csv or json)\"}\n");
  const auto wrong = c.Post("/v1/reports/2026-10", "", "text/plain");
  REQUIRE(wrong);
  CHECK(wrong->status == 405);
}

// The counts of one step row of the summary: running, paused, waiting, at_risk, overdue.
std::vector<int> counts(const nlohmann::json& summary, const std::string& variant, const std::string& step) {
  for (const auto& v : summary["variants"]) {
    if (v["variant"] != variant) continue;
    for (const auto& row : v["steps"]) {
      if (row["step"] == step)
        return {row["running"].get<int>(), row["paused"].get<int>(), row["waiting"].get<int>(),
                row["at_risk"].get<int>(), row["overdue"].get<int>()};
    }
  }
  FAIL("no row " << variant << "/" << step);
  return {};
}

nlohmann::json variant_of(const nlohmann::json& summary, const std::string& variant) {
  for (const auto& v : summary["variants"])
    if (v["variant"] == variant) return v;
  FAIL("no variant " << variant);
  return {};
}

TEST_CASE("service: the summary counts open cases by variant and step as the clocks stand") {
  live_service s;
  auto c = s.client();
  const auto empty = get_json(c, "/v1/summary");
  CHECK(empty["open"] == 0);
  CHECK(empty["variants"].size() == 2);  // no-external, external: every variant, also with no case
  CHECK(counts(empty, "external", "approval-planning") == std::vector<int>{0, 0, 0, 0, 0});
  // 12 to 16 October 2026 are working days (Monday to Friday); the steps count civil working days
  // from the day after their start. W-1: survey from Monday 09:00, 2 WD, due Thursday 00:00; W-3
  // opened, nothing started; W-2 (with external works): survey (4 WD, due Saturday 00:00) and the
  // planning approval (3 WD) from 10:00, the approval paused Tuesday 09:00 (9 h counted), connect
  // started before the steps it is after completed (waiting).
  const auto w = [](const char* rest) { return std::string("{") + rest + "}\n"; };
  (void)post(
      c,
      w(R"("type":"open","case":"W-1","at":"2026-10-12T09:00","policy":"kunming-water-490","variant":"no-external")") +
          w(R"("type":"start","case":"W-1","step":"survey","at":"2026-10-12T09:00")") +
          w(R"("type":"open","case":"W-3","at":"2026-10-12T09:00","policy":"kunming-water-490","variant":"no-external")") +
          w(R"("type":"open","case":"W-2","at":"2026-10-12T10:00","policy":"kunming-water-490","variant":"external")") +
          w(R"("type":"start","case":"W-2","step":"survey","at":"2026-10-12T10:00")") +
          w(R"("type":"start","case":"W-2","step":"approval-planning","at":"2026-10-12T10:00")") +
          w(R"("type":"start","case":"W-2","step":"connect","at":"2026-10-12T10:00")") +
          w(R"("type":"pause","case":"W-2","step":"approval-planning","at":"2026-10-13T09:00")"));
  REQUIRE(c.Post("/v1/tick", R"({"at":"2026-10-14T09:30"})", "application/json"));
  // Wednesday 09:30: W-1's survey has 14.5 h left, under the 1 WD of the yellow level (at risk);
  // nothing else has reached a level (W-2's survey has 2 WD 14.5 h left, W-1's overall 2 WD 14.5 h).
  const auto t = get_json(c, "/v1/summary");
  CHECK(t["at"] == "2026-10-14T09:30:00+08:00");
  CHECK(t["month"] == "2026-10");
  CHECK(t["open"] == 3);
  CHECK(t["at_risk"] == 1);
  CHECK(t["last_sequence"] == s.reader()->last_sequence());
  CHECK(variant_of(t, "no-external")["open"] == 2);
  CHECK(variant_of(t, "no-external")["at_risk"] == 1);
  CHECK(variant_of(t, "external")["open"] == 1);
  CHECK(variant_of(t, "external")["at_risk"] == 0);
  CHECK(counts(t, "no-external", "survey") == std::vector<int>{1, 0, 0, 1, 0});
  CHECK(counts(t, "no-external", "connect") == std::vector<int>{0, 0, 0, 0, 0});
  CHECK(counts(t, "no-external", "overall") == std::vector<int>{1, 0, 0, 0, 0});
  CHECK(counts(t, "external", "survey") == std::vector<int>{1, 0, 0, 0, 0});
  CHECK(counts(t, "external", "approval-planning") == std::vector<int>{0, 1, 0, 0, 0});
  CHECK(counts(t, "external", "approval-traffic-police") == std::vector<int>{0, 0, 0, 0, 0});
  CHECK(counts(t, "external", "connect") == std::vector<int>{0, 0, 1, 0, 0});
  CHECK(counts(t, "external", "overall") == std::vector<int>{1, 0, 0, 0, 0});
  const auto no_external = variant_of(t, "no-external");
  const auto& survey = no_external["steps"][0];
  CHECK(survey["title"] == "报装勘查");
  CHECK(survey["limit"] == "2wd");
  CHECK(t["levels"][0] == nlohmann::json{{"policy", "kunming-water-490"}, {"level", "yellow"}, {"raises", "warning"}});
  // Thursday 10:00: W-1's survey is 10 h past its due instant (escalation comes a WD after it).
  REQUIRE(c.Post("/v1/tick", R"({"at":"2026-10-15T10:00"})", "application/json"));
  const auto late = get_json(c, "/v1/summary");
  CHECK(counts(late, "no-external", "survey") == std::vector<int>{1, 0, 0, 1, 1});
  CHECK(late["at_risk"] == 1);
  (void)post(c, w(R"("type":"cancel","case":"W-1","at":"2026-10-15T10:00")"));
  const auto cancelled = get_json(c, "/v1/summary");
  CHECK(cancelled["open"] == 2);
  CHECK(counts(cancelled, "no-external", "survey") == std::vector<int>{0, 0, 0, 0, 0});
}

TEST_CASE("service: the dashboard is one page with no outside reference; with a token it asks for it") {
  {
    live_service s;
    auto c = s.client();
    const auto r = c.Get("/");
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->get_header_value("Content-Type") == "text/html; charset=utf-8");
    CHECK(r->get_header_value("Content-Security-Policy").starts_with("default-src 'none';"));
    CHECK(r->body.starts_with("<!DOCTYPE html>"));
    CHECK(r->body.find("data-token=\"none\"") != std::string::npos);
    // Nothing fetched from elsewhere: no URL with a scheme or a host, no src or @import.
    for (const char* outside : {"http:", "https:", "//cdn", "src=", "@import", "url("}) {
      INFO(outside);
      CHECK(r->body.find(outside) == std::string::npos);
    }
    // Data goes in as text: the script never assigns markup.
    CHECK(r->body.find("innerHTML") == std::string::npos);
    CHECK(r->body.find("/v1/summary") != std::string::npos);
  }
  auto o = manual_options();
  o.token = "a-token-of-sixteen-or-more";
  live_service s(o);
  auto anyone = s.client();
  const auto page = anyone.Get("/");
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK(page->body.find("data-token=\"required\"") != std::string::npos);
  for (const char* path : {"/v1/summary", "/v1/reports/2026-10"}) {
    const auto refused = anyone.Get(path);
    REQUIRE(refused);
    CHECK(refused->status == 401);
  }
  auto holder = s.client(o.token);
  CHECK(get_json(holder, "/v1/summary")["open"] == 0);
  const auto report = holder.Get("/v1/reports/2026-10?format=text");
  REQUIRE(report);
  CHECK(report->status == 200);
}

}  // namespace
