// The shipped October 2026 example, replayed through the library: properties every run must have.
#include <doctest/doctest.h>
#include <dueday/jsonl.hpp>
#include <dueday/snapshot.hpp>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "support.hpp"

using namespace dueday;

namespace {

struct run {
  vector_sink out;
  replay_stats stats;
  std::string text;
  std::string snapshot;
};

run replay_example(std::size_t split_at = 0) {
  std::ifstream in(DUEDAY_EXAMPLES_DIR "/october-2026/commands.jsonl");
  REQUIRE(in);
  run r;
  engine e(test::cal(), builtin_policies(), r.out);
  if (split_at == 0) {
    r.stats = replay(in, "commands.jsonl", e, r.out);
  } else {
    // Half the stream, a snapshot, a restored engine for the rest.
    std::stringstream head, tail;
    std::string line;
    for (std::size_t i = 0; std::getline(in, line); ++i) (i < split_at ? head : tail) << line << '\n';
    (void)replay(head, "commands.jsonl", e, r.out);
    r.snapshot = snapshot(e);
    engine restored = restore(r.snapshot, test::cal(), builtin_policies(), r.out);
    (void)replay(tail, "commands.jsonl", restored, r.out, static_cast<std::int64_t>(split_at));
  }
  for (const auto& ev : r.out.events) r.text += to_json(ev) + "\n";
  return r;
}

}  // namespace

TEST_CASE("example: the October month replays with its one late delivery rejected and two repeats ignored") {
  const run r = replay_example();
  CHECK(r.stats.lines > 900);
  CHECK(r.stats.rejected == 1);
  CHECK(r.stats.duplicates == 2);
  std::map<event_kind, int> kinds;
  for (const auto& e : r.out.events) ++kinds[e.kind];
  CHECK(kinds[event_kind::case_opened] > 150);
  CHECK(kinds[event_kind::out_of_scope] > 10);
  CHECK(kinds[event_kind::step_waiting] > 5);  // connection waiting for permits
  CHECK(kinds[event_kind::step_paused] > 10);  // pauses for the customer
  CHECK(kinds[event_kind::case_completed] > 50);
  CHECK(kinds[event_kind::case_cancelled] > 0);
  CHECK(kinds[event_kind::overdue] > 0);
  CHECK(kinds[event_kind::escalation] > 0);
}

TEST_CASE("example: events come in time order and each alert once per clock and level") {
  const run r = replay_example();
  std::set<std::tuple<std::string, std::string, std::string>> alerts;
  for (std::size_t i = 0; i < r.out.events.size(); ++i) {
    const event& e = r.out.events[i];
    if (i > 0 && e.kind != event_kind::rejected) CHECK(r.out.events[i - 1].at <= e.at);
    if (e.kind == event_kind::warning || e.kind == event_kind::overdue || e.kind == event_kind::escalation) {
      CHECK(alerts.emplace(e.case_id, e.step, e.level).second);
      CHECK(e.due);
    }
  }
}

TEST_CASE("example: the same input gives byte-identical events, also through a snapshot") {
  const run a = replay_example();
  CHECK(replay_example().text == a.text);
  const run b = replay_example(500);
  CHECK(b.snapshot.size() > 1000);
  CHECK(b.text == a.text);
}
