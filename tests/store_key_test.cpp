// The outbox's idempotency keys (store.hpp): [case, clock, kind, level, due, calendar, at, line, n],
// unique by construction. Each expected key is worked out from the engine's rules in the test.
#include <doctest/doctest.h>
#include <dueday/io.hpp>
#include <dueday/jsonl.hpp>
#include <dueday/store.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cluster_support.hpp"
#include "key_stream.hpp"
#include "store_support.hpp"
#include "support.hpp"

using namespace dueday;
using namespace dueday::test;

namespace {

// Every event of the outbox, in order.
std::vector<outbox_event> all_events(storage& s) {
  std::vector<outbox_event> out;
  for (;;) {
    auto batch = s.read_events(out.size(), 500);
    if (batch.empty()) return out;
    out.insert(out.end(), batch.begin(), batch.end());
  }
}

// The key without its last two numbers (line and n): what the keys of earlier versions, whose line
// was 0 for all but refusals, had for any event that is not a refusal.
std::string without_position(const std::string& key) {
  const auto n = key.rfind(',');
  const auto line = key.rfind(',', n - 1);
  return key.substr(0, line);
}

// What replay writes for these lines, each line ending in a newline.
std::string replayed(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& l : replay_lines(lines, cal(), builtin_policies())) text += l + "\n";
  return text;
}

}  // namespace

TEST_CASE("store keys: a key names case, clock, kind, level, due, calendar, instant, line and n") {
  event e;
  e.kind = event_kind::warning;
  e.case_id = "KM-1";
  e.step = "survey";
  e.level = "yellow";
  e.at = test::at("2026-10-09T00:00");
  e.due = test::at("2026-10-10T00:00");
  CHECK(idempotency_key(e, "abc", 17, 1) ==
        R"(["KM-1","survey","warning","yellow","2026-10-10T00:00:00+08:00","abc","2026-10-09T00:00:00+08:00",17,1])");
  e.due.reset();
  e.kind = event_kind::rejected;
  e.line = 12;  // the event's own line is not the key's: the position given is
  CHECK(idempotency_key(e, "abc", 18446744073709551615U, 3) ==
        R"(["KM-1","survey","rejected","yellow",null,"abc","2026-10-09T00:00:00+08:00",18446744073709551615,3])");
}

TEST_CASE("store keys: a step completed, the next started and completed at one instant: two overall pauses, two keys") {
  // no-external: survey and connect (2 working days each) count to the overall clock. Completing
  // survey pauses the overall clock; starting connect resumes it at the same instant, so nothing
  // is counted, and completing connect pauses it again with the same due instant.
  const std::vector<std::string> lines = {
      R"({"type":"open","case":"W-1","at":"2026-10-13T09:00:00+08:00","policy":"kunming-water-490","variant":"no-external"})",
      R"({"type":"start","case":"W-1","step":"survey","at":"2026-10-13T09:30:00+08:00"})",
      R"({"type":"complete","case":"W-1","step":"survey","at":"2026-10-13T11:00:00+08:00"})",
      R"({"type":"start","case":"W-1","step":"connect","at":"2026-10-13T11:00:00+08:00"})",
      R"({"type":"complete","case":"W-1","step":"connect","at":"2026-10-13T11:00:00+08:00"})"};
  std::vector<command> commands;
  commands.reserve(lines.size());
  for (const std::string& l : lines) commands.push_back(parse_command(l, "t", 1));
  store_dir dir;
  durable_engine d(sqlite_at(dir.path / "s.db"), cal(), builtin_policies());
  (void)d.apply(std::span(commands).first(2));
  (void)d.apply(std::span(commands).subspan(2));
  const std::vector<outbox_event> events = all_events(d.storage());
  CHECK(outbox_of(d.storage()) == replayed(lines));  // the events themselves are replay's
  // 1: case_opened; 2: survey and overall started; 3: survey completed, overall paused; 4: connect
  // started, overall resumed; 5: connect completed, overall paused, case completed.
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"case_opened", ",1,1]"}, {"step_started", ",2,1]"},  {"step_started", ",2,2]"}, {"step_completed", ",3,1]"},
      {"step_paused", ",3,2]"}, {"step_started", ",4,1]"},  {"step_resumed", ",4,2]"}, {"step_completed", ",5,1]"},
      {"step_paused", ",5,2]"}, {"case_completed", ",5,3]"}};
  REQUIRE(events.size() == expected.size());
  std::set<std::string> keys;
  for (std::size_t i = 0; i < events.size(); ++i) {
    CAPTURE(events[i].key);
    CHECK(events[i].key.find(fmt::format(R"(,"{}",)", expected[i].first)) != std::string::npos);
    CHECK(events[i].key.ends_with(expected[i].second));
    keys.insert(events[i].key);
  }
  CHECK(keys.size() == events.size());
  // The two pauses agree on everything but the command that raised them.
  CHECK(events[4].key.starts_with(R"(["W-1","overall","step_paused","",")"));
  CHECK(events[4].json.find(R"("detail":"survey completed")") != std::string::npos);
  CHECK(events[8].json.find(R"("detail":"connect completed")") != std::string::npos);
  CHECK(without_position(events[4].key) == without_position(events[8].key));
}

TEST_CASE("store keys: refusals never journaled have line 0 and their sequence number as n") {
  store_dir dir;
  durable_engine d(sqlite_at(dir.path / "s.db"), cal(), builtin_policies());
  command bad;
  bad.kind = command_kind::open;
  bad.case_id = "W-\xff";  // not UTF-8: no JSON line carries it
  bad.at = test::at("2026-10-13T09:00");
  bad.policy = "kunming-water-490";
  bad.variant = "no-external";
  command good = bad;
  good.case_id = "W-1";
  // Two refusals of one case at one instant, the open of W-1, a third refusal.
  const std::vector<command> batch = {bad, bad, good, bad};
  (void)d.apply(batch);
  const std::vector<outbox_event> events = all_events(d.storage());
  REQUIRE(events.size() == 4);
  CHECK(events[0].key.ends_with(",0,1]"));
  CHECK(events[1].key.ends_with(",0,2]"));
  CHECK(events[2].key.ends_with(",1,1]"));  // the open: journal position 1
  CHECK(events[3].key.ends_with(",0,4]"));
  CHECK(without_position(events[0].key) == without_position(events[1].key));
  CHECK(events[0].key != events[1].key);
  CHECK(events[0].json.find(R"("line":0)") != std::string::npos);  // the event's own line is unchanged
  CHECK(d.position() == 1);
}

TEST_CASE("store keys: over a long stream with many commands at one instant, no two events share a key") {
  const std::vector<std::string> lines = same_instant_stream(120, 5);
  std::vector<command> commands;
  std::vector<std::string> ids;
  for (const std::string& l : lines) {
    commands.push_back(parse_command(l, "stream", 1));
    ids.push_back(fmt::format("c{}", commands.size()));
  }
  store_dir dir;
  durable_engine d(sqlite_at(dir.path / "s.db"), cal(), builtin_policies());
  for (std::size_t i = 0; i < commands.size(); i += 37) {
    const std::size_t n = std::min<std::size_t>(37, commands.size() - i);
    (void)d.apply(std::span(commands).subspan(i, n), std::span(ids).subspan(i, n));
  }
  const std::vector<outbox_event> events = all_events(d.storage());
  CHECK(outbox_of(d.storage()) == replayed(lines));
  std::set<std::string> keys;
  std::map<std::string, int> old_style;  // without line and n, refusals aside
  std::uint64_t line = 0;
  std::uint64_t n = 0;
  for (const outbox_event& e : events) {
    CAPTURE(e.key);
    keys.insert(e.key);
    if (e.json.find(R"("type":"rejected")") == std::string::npos) ++old_style[without_position(e.key)];
    // line and n: positions 1, 2, ... in order, n counting 1, 2, ... within each.
    const std::string tail = e.key.substr(without_position(e.key).size());
    const auto comma = tail.rfind(',');
    const std::uint64_t l = std::stoull(tail.substr(1, comma - 1));
    const std::uint64_t k = std::stoull(tail.substr(comma + 1));
    CHECK(l >= line);
    CHECK(l <= commands.size());
    CHECK(k == (l == line ? n + 1 : 1));
    line = l;
    n = k;
  }
  CHECK(keys.size() == events.size());
  std::size_t repeats = 0;
  for (const auto& [key, count] : old_style) repeats += static_cast<std::size_t>(count - 1);
  CHECK(repeats > 10);               // the stream does raise events that only their command tells apart
  CHECK(events.size() >= 10 * 120);  // each case: opened 1, each step started 2 and completed 2, closed 1
}
