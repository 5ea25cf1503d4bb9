#include <doctest/doctest.h>
#include <dueday/jsonl.hpp>  // first: proves the header stands alone

#include <sstream>

#include "support.hpp"

using namespace dueday;
using dueday::test::at;

namespace {

std::vector<event> read(const std::string& text, const std::string& source = "events.jsonl") {
  std::istringstream in(text);
  return read_events(in, source);
}

}  // namespace

TEST_CASE("read_events: to_json of every event kind reads back equal") {
  std::vector<event> all;
  for (int k = 0; k <= static_cast<int>(event_kind::rejected); ++k) {
    event e;
    e.kind = static_cast<event_kind>(k);
    e.at = at("2026-10-09T16:50");
    e.case_id = "KM-\"1\"\n";
    if (e.kind == event_kind::rejected) {
      e.line = 7;
      e.code = "unknown_case";
      e.detail = "no such case";
    } else if (e.kind == event_kind::case_opened) {
      e.detail = "no-external";
    } else if (e.kind != event_kind::case_cancelled && e.kind != event_kind::out_of_scope) {
      e.step = "survey";
      e.due = at("2026-10-10T00:00");
      e.elapsed = working_time{86400};
      e.remaining = working_time{-3600};
      e.provisional = k % 2 == 0;
      if (e.kind == event_kind::warning) e.level = "yellow";
      if (e.kind == event_kind::deadline_changed) e.previous_due = at("2026-10-09T00:00");
      if (e.kind == event_kind::step_completed || e.kind == event_kind::case_completed) e.on_time = false;
      if (e.kind == event_kind::step_paused) e.detail = "客户不在现场";
    } else {
      e.detail = "why";
    }
    all.push_back(e);
  }
  std::string text;
  for (const event& e : all) text += to_json(e) + "\n";
  CHECK(read(text) == all);
}

TEST_CASE("read_events: unit, policy and district are read when present, and may be absent") {
  const auto v = read(
      R"({"type":"case_opened","case":"W-1","at":"2026-10-09T09:00:00+08:00","variant":"external","policy":"kunming-water-490","district":"五华区"})"
      "\n\n"
      R"({"type":"step_started","case":"W-1","step":"survey","unit":"一供水公司","at":"2026-10-09T10:00:00+08:00","due":"2026-10-15T00:00:00+08:00","elapsed_s":0,"remaining_s":345600,"provisional":false})"
      "\r\n"
      R"({"type":"step_started","case":"W-1","step":"overall","at":"2026-10-09T10:00:00+08:00","host":{"x":[1]}})");
  REQUIRE(v.size() == 3);
  CHECK(v[0].policy == "kunming-water-490");
  CHECK(v[0].district == "五华区");
  CHECK(v[0].detail == "external");
  CHECK(v[1].unit == "一供水公司");
  CHECK(v[1].remaining == working_time{345600});
  CHECK(v[2].unit.empty());
  CHECK_FALSE(v[2].due);
}

TEST_CASE("read_events: a bad line names the file and line") {
  const std::string ok = R"({"type":"tick_never","case":"W","at":"2026-10-09T09:00:00+08:00"})";
  CHECK_THROWS_WITH_AS(read("\n" + ok), "events.jsonl:2: unknown event type 'tick_never'", parse_error);
  CHECK_THROWS_WITH_AS(read(R"({"type":"warning","case":"W"})"), "events.jsonl:1: missing field 'at'", parse_error);
  CHECK_THROWS_WITH_AS(read(R"({"type":"warning","case":"W","at":"2026-10-32T00:00:00+08:00"})"),
                       "events.jsonl:1: at: bad date-time '2026-10-32T00:00:00+08:00' (expected ISO 8601 such as "
                       "2026-09-28T10:00:00+08:00)",
                       parse_error);
  CHECK_THROWS_WITH_AS(read(R"({"type":"warning","case":"W","at":"2026-10-09T00:00:00+08:00","elapsed_s":"1"})"),
                       "events.jsonl:1: elapsed_s must be an integer", parse_error);
  CHECK_THROWS_WITH_AS(read(R"({"type":"warning","case":"W","at":"2026-10-09T00:00:00+08:00"} x)"),
                       doctest::Contains("expected end of input"), parse_error);
  CHECK_THROWS_AS(read("{\"type\":\n"), parse_error);
  CHECK_THROWS_WITH_AS(read("[1]"), doctest::Contains("events.jsonl:1: malformed JSON"), parse_error);
  // Untrusted text is escaped and cut: the message stays one line.
  try {
    (void)read(R"({"type":"a\nb","case":"W","at":"2026-10-09T00:00:00+08:00"})", "f");
    FAIL("no throw");
  } catch (const parse_error& e) {
    CHECK(std::string(e.what()) == "f:1: unknown event type 'a\\nb'");
    CHECK(e.line() == 1);
  }
}
