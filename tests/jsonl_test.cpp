#include <doctest/doctest.h>
#include <dueday/jsonl.hpp>  // first: proves the header stands alone

#include <dueday/io.hpp>

#include <sstream>

#include "support.hpp"

using namespace dueday;
using dueday::test::at;
using dueday::test::cal;

TEST_CASE("jsonl: commands parse with their fixed fields") {
  const command o = parse_command(
      R"({"type":"open","case":"W-001","at":"2026-09-28T10:00:00+08:00","policy":"kunming-water-490","variant":"no-external","operator":"x"})",
      "in", 1);
  CHECK(o.kind == command_kind::open);
  CHECK(o.case_id == "W-001");
  CHECK(o.at == at("2026-09-28T10:00"));
  CHECK(o.variant == "no-external");
  const command w = parse_command(
      R"({"type":"open","case":"W-2","at":"2026-09-28T02:00:00Z","policy":"p","works":{"meter_dn":40,"pipe_m":120.5,"crossings":["rail"]}})",
      "in", 2);
  REQUIRE(w.works);
  CHECK(*w.works == works{40, 120.5, {"rail"}});
  CHECK(w.at == at("2026-09-28T10:00"));
  const command p = parse_command(
      R"({"type":"pause","case":"W-1","step":"survey","at":"2026-10-08T15:00:00+08:00","reason":"customer"})", "in", 3);
  CHECK(p.reason == "customer");
  CHECK(parse_command(R"({"type":"tick","at":"2026-10-08T15:00:00+08:00"})", "in", 4).kind == command_kind::tick);
}

TEST_CASE("jsonl: a bad command line names the input, the line and the problem") {
  auto bad = [](const char* text) {
    try {
      (void)parse_command(text, "cmds.jsonl", 7);
    } catch (const parse_error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  CHECK(bad("{").starts_with("cmds.jsonl:7: malformed JSON ("));
  CHECK(bad("[1]") == "cmds.jsonl:7: a command must be a JSON object");
  CHECK(bad(R"({"type":"close","case":"W","at":"2026-10-08"})") ==
        "cmds.jsonl:7: unknown type 'close' (expected open, start, pause, resume, complete, cancel, tick)");
  CHECK(bad(R"({"type":"start","case":"W","step":"survey"})") == "cmds.jsonl:7: missing field 'at'");
  CHECK(bad(R"({"type":"start","case":"W","at":"2026-10-08T10:00"})") == "cmds.jsonl:7: missing field 'step'");
  CHECK(bad(R"({"type":"start","case":7,"step":"s","at":"2026-10-08T10:00"})") ==
        "cmds.jsonl:7: case must be a string, not number");
  CHECK(bad(R"({"type":"tick","at":"2026-13-08T10:00"})") ==
        "cmds.jsonl:7: bad date-time '2026-13-08T10:00' (expected ISO 8601 such as 2026-09-28T10:00:00+08:00)");
  CHECK(bad(R"({"type":"open","case":"W","at":"2026-10-08","policy":"p","works":{"meter_dn":-4,"pipe_m":1}})") ==
        "cmds.jsonl:7: works.meter_dn must be a positive integer (DN, mm)");
  CHECK(bad(R"({"type":"open","case":"W","at":"2026-10-08","policy":"p","works":{"meter_dn":40}})") ==
        "cmds.jsonl:7: works needs meter_dn and pipe_m");
}

TEST_CASE("jsonl: events carry type, case, at and the clock's due and working time") {
  event e;
  e.kind = event_kind::warning;
  e.at = at("2026-10-09T00:00");
  e.case_id = "W-001";
  e.step = "survey";
  e.level = "yellow";
  e.due = at("2026-10-10T00:00");
  e.elapsed = working_time{86400};
  e.remaining = working_time{86400};
  CHECK(to_json(e) ==
        R"({"type":"warning","case":"W-001","step":"survey","level":"yellow","at":"2026-10-09T00:00:00+08:00",)"
        R"("due":"2026-10-10T00:00:00+08:00","elapsed_s":86400,"remaining_s":86400,"provisional":false})");
  event r;
  r.kind = event_kind::rejected;
  r.at = at("2026-10-09T00:00");
  r.line = 4;
  r.code = "unknown_case";
  r.detail = "unknown case 'X'";
  CHECK(to_json(r) == R"({"type":"rejected","case":"","at":"2026-10-09T00:00:00+08:00","line":4,"code":"unknown_case",)"
                      R"("reason":"unknown case 'X'"})");
}

TEST_CASE("jsonl: replay rejects bad lines by number and keeps everything accepted") {
  std::istringstream in(
      R"({"type":"open","case":"W-1","at":"2026-10-12T09:00:00+08:00","policy":"kunming-water-490","variant":"no-external"}

{"type":"start","case":"W-1","step":"survey","at":"2026-10-12T10:00:00+08:00"}
not json
{"type":"start","case":"W-1","step":"survey","at":"2026-10-12T10:00:00+08:00"}
{"type":"complete","case":"W-1","step":"connect","at":"2026-10-12T11:00:00+08:00"}
{"type":"start","case":"W-1","step":"connect","at":"2026-10-12T10:30:00+08:00"}
{"type":"tick","at":"2026-10-14T00:00:00+08:00"}
)");
  vector_sink out;
  engine e(cal(), builtin_policies(), out);
  const auto stats = replay(in, "cmds.jsonl", e, out);
  CHECK(stats.lines == 7);
  CHECK(stats.accepted == 3);
  CHECK(stats.duplicates == 1);
  CHECK(stats.rejected == 3);
  std::vector<std::string> lines;
  for (const auto& ev : out.events) lines.push_back(to_json(ev));
  REQUIRE(lines.size() == 7);
  CHECK(lines[0].starts_with(R"({"type":"case_opened","case":"W-1",)"));
  CHECK(lines[3].starts_with(
      R"({"type":"rejected","case":"","at":"2026-10-12T10:00:00+08:00","line":4,"code":"malformed","reason":"malformed JSON)"));
  CHECK(
      lines[4] ==
      R"j({"type":"rejected","case":"W-1","at":"2026-10-12T11:00:00+08:00","line":6,"code":"bad_transition","reason":"step 'connect' has not started (not started)"})j");
  CHECK(
      lines[5] ==
      R"({"type":"rejected","case":"W-1","at":"2026-10-12T11:00:00+08:00","line":7,"code":"out_of_order","reason":"at 2026-10-12T10:30:00+08:00 is before the latest instant seen, 2026-10-12T11:00:00+08:00"})");
  CHECK(lines[6].starts_with(
      R"({"type":"warning","case":"W-1","step":"survey","level":"yellow","at":"2026-10-14T00:00:00+08:00")"));
}
