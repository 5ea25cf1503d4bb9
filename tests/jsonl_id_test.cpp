// Command ids in JSON Lines (jsonl.hpp): read with the command, checked as any field, honoured by
// replay as the durable store honours them.
#include <doctest/doctest.h>
#include <stdlib.h>
#include <dueday/jsonl.hpp>
#include <dueday/store.hpp>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "detail/command_json.hpp"
#include "support.hpp"

using namespace dueday;
using dueday::test::cal;

namespace {

// The message parse_command refuses a line with, or "accepted: <id>" with the id it read.
std::string read_id(const std::string& line) {
  std::string id = "not set";
  try {
    (void)parse_command(line, "ids.jsonl", 3, id);
  } catch (const parse_error& e) {
    return std::string(e.what()) + " [id " + id + "]";
  }
  return "accepted: " + id;
}

const std::string tick = R"({"type":"tick","at":"2026-10-08T15:00:00+08:00")";

// The events replay writes for `text`, and its counts.
std::string replayed(const std::string& text, replay_stats& stats) {
  std::istringstream in(text);
  std::ostringstream out;
  jsonl_sink sink(out);
  engine e(cal(), builtin_policies(), sink);
  stats = replay(in, "t", e, sink);
  sink.flush();
  return out.str();
}

}  // namespace

TEST_CASE("jsonl ids: a line's id comes with its command, and a line without one gives none") {
  CHECK(read_id(tick + R"(,"id":"feeder-7/000042"})") == "accepted: feeder-7/000042");
  CHECK(read_id(tick + "}") == "accepted: ");
  // Any text but controls, up to 128 bytes: 42 three-byte characters and two bytes make 128.
  std::string chinese;
  for (int i = 0; i < 42; ++i) chinese += "案";
  CHECK(chinese.size() == 126);
  CHECK(read_id(tick + R"(,"id":")" + chinese + R"(ab"})") == "accepted: " + chinese + "ab");
  // Escapes are read: \" and \\ and \u6848 (案) are part of the id, not controls.
  CHECK(read_id(tick + R"(,"id":"a\"b\\c\u6848"})") == "accepted: a\"b\\c案");
  // The plain form parse_command has always had still reads a line with an id.
  CHECK(parse_command(tick + R"(,"id":"x"})", "t", 1).kind == command_kind::tick);
}

TEST_CASE("jsonl ids: a bad id is a bad field, named with source and line") {
  CHECK(read_id(tick + R"(,"id":7})") == "ids.jsonl:3: id must be a string, not number [id ]");
  CHECK(read_id(tick + R"(,"id":null})") == "ids.jsonl:3: id must be a string, not null [id ]");
  CHECK(read_id(tick + R"(,"id":["a"]})") == "ids.jsonl:3: id must be a string, not array [id ]");
  CHECK(read_id(tick + R"(,"id":""})") == "ids.jsonl:3: id is empty [id ]");
  CHECK(read_id(tick + R"(,"id":")" + std::string(129, 'x') + R"("})") ==
        "ids.jsonl:3: id is 129 bytes long (at most 128) [id ]");
  CHECK(read_id(tick + R"(,"id":")" + std::string(128, 'x') + R"("})") == "accepted: " + std::string(128, 'x'));
  // Controls: C0 (a newline, BEL), DEL and C1 (U+0085, next line) are refused, shown escaped.
  CHECK(read_id(tick + R"(,"id":"a\nb"})") == R"(ids.jsonl:3: id 'a\nb' holds a control character [id ])");
  CHECK(read_id(tick + R"(,"id":"a\u0007"})") == R"(ids.jsonl:3: id 'a\u0007' holds a control character [id ])");
  CHECK(read_id(tick + ",\"id\":\"a\x7f\"}") == R"(ids.jsonl:3: id 'a\u007f' holds a control character [id ])");
  CHECK(read_id(tick + R"(,"id":"\u0085z"})") == R"(ids.jsonl:3: id '\u0085z' holds a control character [id ])");
  // U+00A0 (C2 A0) is the first code point after C1: no control.
  CHECK(read_id(tick + R"(,"id":"\u00a0"})") == "accepted: \xc2\xa0");
  CHECK(read_id(tick + R"(,"id":"a","id":"b"})") == "ids.jsonl:3: duplicate key 'id' [id ]");
}

TEST_CASE("jsonl ids: a line refused for another fault still gives its id") {
  CHECK(read_id(R"({"type":"start","case":"W","id":"c-9","step":"s"})") == "ids.jsonl:3: missing field 'at' [id c-9]");
  CHECK(read_id(R"({"type":"tick","type":"tick","id":"c-9","at":"2026-10-08"})") ==
        "ids.jsonl:3: duplicate key 'type' [id c-9]");
  CHECK(read_id(R"({"id":"c-9",)").starts_with("ids.jsonl:3: malformed JSON ("));
  CHECK(read_id(R"({"id":"c-9",)").ends_with("[id ]"));  // not JSON: nothing was read
}

TEST_CASE("jsonl ids: the simdjson reader and the nlohmann reader read ids alike") {
  detail::command_reader reader;
  const std::vector<std::string> lines = {
      tick + R"(,"id":"c-1"})",        tick + R"(,"id":7})",        tick + R"(,"id":""})",
      tick + R"(,"id":"a\tb"})",       tick + R"(,"id":"\u6848"})", R"({"type":"start","id":"c-2"})",
      tick + R"(,"id":"a","id":"a"})",
  };
  for (const std::string& line : lines) {
    INFO(line);
    command fast, dom;
    std::string why_fast, why_dom, id_fast = "x", id_dom = "y";
    CHECK(reader.read(line, false, fast, why_fast, &id_fast) == detail::read_command_dom(line, dom, why_dom, &id_dom));
    CHECK(why_fast == why_dom);
    CHECK(id_fast == id_dom);
  }
  CHECK(reader.fallbacks() == 0);
}

TEST_CASE("jsonl ids: replay answers a repeated id as a duplicate, whatever the line says") {
  // Line 2 repeats line 1's id with another case: a duplicate, not opened. Line 3 is malformed
  // with id c-3: it records nothing, so line 4 with c-3 opens W-2. Line 5 has no id.
  const std::string text =
      R"({"id":"c-1","type":"open","case":"W-1","at":"2026-09-28T10:00:00+08:00","policy":"kunming-water-490","variant":"no-external"})"
      "\n"
      R"({"id":"c-1","type":"open","case":"W-9","at":"2026-09-28T10:00:00+08:00","policy":"kunming-water-490","variant":"no-external"})"
      "\n"
      R"({"id":"c-3","type":"open","case":"W-2","at":"2026-09-28T10:00:00+08:00"})"
      "\n"
      R"({"id":"c-3","type":"open","case":"W-2","at":"2026-09-28T10:00:00+08:00","policy":"kunming-water-490","variant":"no-external"})"
      "\n"
      R"({"type":"start","case":"W-9","step":"survey","at":"2026-09-28T11:00:00+08:00"})"
      "\n";
  replay_stats stats;
  const std::string events = replayed(text, stats);
  CHECK(stats.lines == 5);
  CHECK(stats.accepted == 2);    // lines 1 and 4
  CHECK(stats.duplicates == 1);  // line 2
  CHECK(stats.rejected == 2);    // line 3 (no policy) and line 5 (W-9 was never opened)
  CHECK(events.find(R"("case":"W-9","at":"2026-09-28T10:00:00+08:00")") == std::string::npos);
  CHECK(events.find(R"("type":"case_opened","case":"W-2")") != std::string::npos);
  CHECK(events.find(R"("line":3,"code":"malformed","reason":"missing field 'policy'")") != std::string::npos);
  CHECK(events.find(R"("line":5,"code":"unknown_case")") != std::string::npos);
}

TEST_CASE("jsonl ids: replay and the durable store raise the same events for a stream with repeated ids") {
  // Every line is a command (none blank or malformed) and the repeated ids come last, so the
  // store's journal positions are replay's line numbers and even the rejected events agree.
  std::vector<std::string> lines = {
      R"({"id":"a","type":"open","case":"W-1","at":"2026-09-28T10:00:00+08:00","policy":"kunming-water-490","variant":"no-external"})",
      R"({"id":"b","type":"start","case":"W-1","step":"survey","at":"2026-09-30T10:00:00+08:00"})",
      R"({"id":"c","type":"start","case":"W-7","step":"survey","at":"2026-09-30T10:00:00+08:00"})",
      R"({"type":"tick","at":"2026-10-12T09:00:00+08:00"})",
      R"({"id":"b","type":"complete","case":"W-1","step":"survey","at":"2026-10-12T09:00:00+08:00"})",
  };
  std::string text;
  for (const auto& l : lines) text += l + "\n";
  replay_stats stats;
  const std::string expected = replayed(text, stats);
  CHECK(stats.duplicates == 1);
  CHECK(stats.rejected == 1);

  std::string pattern = (std::filesystem::temp_directory_path() / "dueday-ids-XXXXXX").string();
  REQUIRE(mkdtemp(pattern.data()) != nullptr);
  const std::filesystem::path dir = pattern;
  {
    durable_engine d(std::make_unique<sqlite_storage>(dir / "s.db"), cal(), builtin_policies());
    std::vector<command> commands;
    std::vector<std::string> ids;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      std::string id;
      commands.push_back(parse_command(lines[i], "t", static_cast<std::int64_t>(i + 1), id));
      ids.push_back(id);
    }
    const auto outs = d.apply(commands, ids);
    CHECK(outs[4].result == outcome::status::duplicate);
    std::string outbox;
    for (const auto& e : d.storage().read_events(0, 1000)) outbox += e.json + "\n";
    CHECK(outbox == expected);
    // Yellow at 10-09 00:00 and red at 10-10 00:00 raised by the tick: the complete never applied.
    CHECK(expected.find(R"("type":"overdue","case":"W-1")") != std::string::npos);
    CHECK(expected.find(R"("type":"step_completed")") == std::string::npos);
  }
  std::filesystem::remove_all(dir);
}
