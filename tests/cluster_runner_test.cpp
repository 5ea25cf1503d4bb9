// The partition hash (partition.hpp) and one partition's engine (cluster/partition_runner.hpp),
// held to `dueday replay` of the partition's commands.
#include <dueday/partition.hpp>  // first: proves the header stands alone

#include <doctest/doctest.h>
#include <dueday/store.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "cluster/memory_transport.hpp"
#include "cluster/partition_runner.hpp"
#include "cluster_support.hpp"
#include "key_stream.hpp"
#include "support.hpp"

namespace {

using dueday::partition_of;
using dueday::cluster::keyed_event;
using dueday::cluster::logged_command;
using dueday::cluster::partition_runner;

std::vector<std::string> jsons(const std::vector<dueday::cluster::keyed_event>& events) {
  std::vector<std::string> out;
  out.reserve(events.size());
  for (const auto& e : events) out.push_back(e.json);
  return out;
}

}  // namespace

TEST_CASE("partition_of: FNV-1a 64 of the id's bytes, modulo P") {
  // The FNV reference's published vectors.
  static_assert(dueday::fnv1a_64("") == 0xcbf29ce484222325ULL);
  static_assert(dueday::fnv1a_64("a") == 0xaf63dc4c8601ec8cULL);
  static_assert(dueday::fnv1a_64("foobar") == 0x85944171f73967e8ULL);
  // "a" by hand: (0xcbf29ce484222325 xor 0x61) * 0x100000001b3 = 0xcbf29ce484222344 * (2^40 + 0x1b3)
  // mod 2^64; its low 16 bits are 0x2344 * 0x1b3 mod 2^16 = 0x3bec8c mod 2^16 = 0xec8c.
  CHECK((dueday::fnv1a_64("a") & 0xffffU) == (0x2344U * 0x1b3U) % 0x10000U);
  // mod 64: the low 6 bits (0x25 = 100101 -> 37; 0x8c = 10001100 -> 001100 = 12; 0xe8 -> 101000 = 40).
  CHECK(partition_of("", 64) == 37);
  CHECK(partition_of("a", 64) == 12);
  CHECK(partition_of("foobar", 64) == 40);
  // mod 10: the last decimal digit of 14695981039346656037, 12638187200555641996, 9625390261332436968.
  CHECK(partition_of("", 10) == 7);
  CHECK(partition_of("a", 10) == 6);
  CHECK(partition_of("foobar", 10) == 8);
  // mod 3: 9625390261332436968's digits sum to 87, a multiple of 3.
  CHECK(partition_of("foobar", 3) == 0);
  CHECK(partition_of("anything", 1) == 0);
  // A UTF-8 id: its bytes e6 98 86 e6 98 8e 2d 32 ..., hashed by an independent script to
  // 0x9d21903b95e21d29 (low 6 bits 101001 = 41).
  CHECK(dueday::fnv1a_64("昆明-2026-000123") == 0x9d21903b95e21d29ULL);
  CHECK(partition_of("昆明-2026-000123", 64) == 41);
  CHECK_THROWS_AS((void)partition_of("a", 0), std::invalid_argument);
}

TEST_CASE("partition_of: a command goes to its case's partition; a tick to none") {
  dueday::command c;
  c.kind = dueday::command_kind::pause;
  c.case_id = "foobar";
  CHECK(partition_of(c, 64) == std::optional<std::uint32_t>(40));
  c.kind = dueday::command_kind::tick;
  CHECK_FALSE(partition_of(c, 64).has_value());
  CHECK_THROWS_AS((void)partition_of(c, 0), std::invalid_argument);
}

TEST_CASE("partition_of: 64,000 sequential ids spread within 10% of even over 64 partitions") {
  std::map<std::uint32_t, int> count;
  for (int i = 0; i < 64000; ++i) ++count[partition_of(fmt::format("W-{:06}", i), 64)];
  REQUIRE(count.size() == 64);
  for (const auto& [p, n] : count) {
    CHECK(n > 900);
    CHECK(n < 1100);
  }
}

TEST_CASE("partition runner: line numbers count every command of the partition, blank and malformed too") {
  partition_runner r(dueday::test::cal(), dueday::builtin_policies());
  const std::vector<logged_command> log = {
      {3,
       R"({"type":"open","case":"W-1","at":"2026-03-02T09:00:00+08:00","policy":"kunming-water-490","variant":"no-external"})"},
      {5, R"({"type":"open","case":)"},
      {9, "  "},
      {12, R"({"type":"pause","case":"W-9","step":"survey","at":"2026-03-02T10:00:00+08:00"})"}};
  const auto events = r.apply(log);
  REQUIRE(events.size() == 3);  // case_opened, then the two refusals
  CHECK(events[0].json.find(R"("type":"case_opened")") != std::string::npos);
  CHECK(events[1].json.find(R"("type":"rejected")") != std::string::npos);
  CHECK(events[1].json.find(R"("line":2)") != std::string::npos);
  CHECK(events[1].json.find(R"("code":"malformed")") != std::string::npos);
  CHECK(events[2].json.find(R"("line":4)") != std::string::npos);
  CHECK(events[2].json.find(R"("code":"unknown_case")") != std::string::npos);
  CHECK(r.sequence() == 12);
  CHECK(r.commands() == 4);
  // Read again from an older sequence: what was applied is skipped.
  CHECK(r.apply(log).empty());
  CHECK(r.commands() == 4);
  // The keys are the store's (store.hpp): each names its command's line and its ordinal among
  // that command's events; the refusals are their commands' only events.
  CHECK(events[0].key.ends_with(",1,1]"));
  CHECK(events[1].key.ends_with(",2,1]"));
  CHECK(events[2].key.ends_with(",4,1]"));
}

TEST_CASE("partition runner: each partition's events are, byte for byte, replay's of its commands") {
  constexpr std::uint32_t partitions = 8;
  dueday::test::stream_maker make(12, 120);
  dueday::instant t = dueday::test::at("2026-03-02T08:00:00");
  std::map<std::uint32_t, std::vector<std::string>> lines;
  std::mt19937 rng(7);
  for (int i = 0; i < 3000; ++i) {
    t += std::chrono::minutes(rng() % 40);
    auto [line, case_id] = make.next(t);
    const std::uint32_t p =
        case_id.empty() ? static_cast<std::uint32_t>(rng() % partitions) : partition_of(case_id, partitions);
    lines[p].push_back(line);
  }
  REQUIRE(lines.size() == partitions);
  std::size_t rejected = 0;
  std::size_t warnings = 0;
  for (const auto& [index, own] : lines) {
    const std::uint32_t p = index;  // CAPTURE takes no structured binding under Clang
    CAPTURE(p);
    const std::vector<std::string> expected =
        dueday::test::replay_lines(own, dueday::test::cal(), dueday::builtin_policies());
    std::vector<logged_command> log;
    for (std::size_t i = 0; i < own.size(); ++i) log.push_back({10 * (i + 1), own[i]});  // sequences with gaps
    // Applied in uneven pieces, checkpointed and restored in the middle.
    const std::size_t half = log.size() / 2;
    std::vector<std::string> got;
    partition_runner first(dueday::test::cal(), dueday::builtin_policies());
    for (std::size_t at = 0; at < half; at += 7) {
      const auto part = std::span<const logged_command>(log).subspan(at, std::min<std::size_t>(7, half - at));
      for (const std::string& e : jsons(first.apply(part))) got.push_back(e);
    }
    const dueday::cluster::partition_checkpoint c = first.checkpoint();
    CHECK(c.sequence == 10 * half);
    CHECK(c.commands == half);
    partition_runner second(c, dueday::test::cal(), dueday::builtin_policies());
    const auto rest = second.apply(std::span<const logged_command>(log).subspan(half / 2));  // overlaps: skipped
    for (const std::string& e : jsons(rest)) got.push_back(e);
    CHECK(second.commands() == log.size());
    CHECK(got == expected);
    std::set<std::string> keys;
    for (const auto& e : rest) keys.insert(e.key);
    CHECK(keys.size() == rest.size());
    for (const std::string& e : expected) {
      if (e.find(R"("type":"rejected")") != std::string::npos) ++rejected;
      if (e.find(R"("type":"warning")") != std::string::npos) ++warnings;
    }
  }
  // The stream exercises refusals and alerts, not only the happy path.
  CHECK(rejected > 50);
  CHECK(warnings > 20);
}

TEST_CASE(
    "partition runner: events told apart only by their command keep keys of their own, the same after a takeover") {
  using namespace std::chrono_literals;
  const std::vector<std::string> lines = dueday::test::same_instant_stream(60, 9);
  const std::vector<std::string> expected =
      dueday::test::replay_lines(lines, dueday::test::cal(), dueday::builtin_policies());
  std::vector<logged_command> log;
  for (std::size_t i = 0; i < lines.size(); ++i) log.push_back({i + 1, lines[i]});
  dueday::cluster::memory_transport t({.partitions = 1, .lease_ttl = 3000ms, .dedup_window = 0});
  const dueday::cluster::partition p{0};
  // The first owner applies two thirds of the log, checkpointing after the first, and publishes
  // every event: the log drops none of them.
  const std::size_t third = log.size() / 3;
  partition_runner first(dueday::test::cal(), dueday::builtin_policies());
  const std::vector<keyed_event> early = first.apply(std::span(log).first(third));
  const dueday::cluster::partition_checkpoint c = first.checkpoint();
  const std::vector<keyed_event> late = first.apply(std::span(log).subspan(third, third));
  CHECK(t.publish_events(p, early) == 0);
  CHECK(t.publish_events(p, late) == 0);
  // It dies; the next owner replays from the checkpoint and publishes again what the first had
  // published after it: the same keys, so the log drops exactly those.
  partition_runner second(c, dueday::test::cal(), dueday::builtin_policies());
  const std::vector<keyed_event> again = second.apply(std::span(log).subspan(third));
  REQUIRE(again.size() > late.size());
  for (std::size_t i = 0; i < late.size(); ++i) {
    CHECK(again[i].key == late[i].key);
    CHECK(again[i].json == late[i].json);
  }
  CHECK(t.publish_events(p, again) == late.size());
  CHECK(jsons(t.events(p)) == expected);
  CHECK(t.duplicate_events() == late.size());
  // The stream does repeat every field of a key but its line and n (lines with a step paused twice
  // at one instant, say), within the first owner's events too.
  std::map<std::string, int> repeated;
  for (const keyed_event& e : early) {
    if (e.json.find(R"("type":"rejected")") != std::string::npos) continue;
    const auto n = e.key.rfind(',');
    ++repeated[e.key.substr(0, e.key.rfind(',', n - 1))];
  }
  CHECK(std::any_of(repeated.begin(), repeated.end(), [](const auto& r) { return r.second > 1; }));
}

TEST_CASE("partition runner: a checkpoint that is no snapshot is refused with restore()'s message") {
  const dueday::cluster::partition_checkpoint bad{4, 2, "{}"};
  CHECK_THROWS_AS(partition_runner(bad, dueday::test::cal(), dueday::builtin_policies()), dueday::error);
}
