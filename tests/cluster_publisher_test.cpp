// The publisher (cluster/publisher.hpp) over the in-memory transport: routing by the documented
// hash, ticks to every partition (or a range), duplicates by id, lines that are no command.
#include "cluster/publisher.hpp"  // first: proves the header stands alone

#include <doctest/doctest.h>
#include <dueday/jsonl.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include "cluster/memory_transport.hpp"

namespace {

using dueday::cluster::memory_transport;
using dueday::cluster::partition;
using dueday::cluster::partition_range;
using dueday::cluster::publisher;
using dueday::cluster::transport_error;
using namespace std::chrono_literals;

std::string open_line(const std::string& case_id, const std::string& id = "") {
  return R"({"type":"open",)" + (id.empty() ? std::string() : R"("id":")" + id + R"(",)") + R"("case":")" + case_id +
         R"(","at":"2026-09-28T10:00:00+08:00","policy":"kunming-water-490","variant":"no-external"})";
}
const std::string tick_line = R"({"type":"tick","at":"2026-10-01T00:00:00+08:00"})";

// How many commands each partition's log holds.
std::vector<std::size_t> counts(const memory_transport& t) {
  std::vector<std::size_t> n;
  for (std::uint32_t p = 0; p < t.partitions(); ++p) n.push_back(t.commands(partition{p}).size());
  return n;
}

}  // namespace

// FNV-1a 64 worked out in dueday/partition.hpp's table: "a" is 0xaf63dc4c8601ec8c (mod 16: its last
// hex digit, c = 12; mod 10: 12638187200555641996 ends in 6) and "foobar" 0x85944171f73967e8
// (mod 16: 8; mod 10: 9625390261332436968 ends in 8).
TEST_CASE("publisher: a case's command goes to fnv1a_64(case) mod P, with its line as given") {
  memory_transport t16({.partitions = 16});
  publisher feed16(t16);
  const auto a = feed16.publish_line(open_line("a"), "in", 1);
  CHECK(a.published());
  CHECK(a.to == partition_range{12, 12});
  CHECK_FALSE(a.tick());
  CHECK_FALSE(a.duplicate());
  CHECK(feed16.publish_line(open_line("foobar"), "in", 2).to == partition_range{8, 8});
  REQUIRE(t16.commands(partition{12}).size() == 1);
  CHECK(t16.commands(partition{12})[0].json == open_line("a"));
  CHECK(t16.commands(partition{8}).size() == 1);
  CHECK(t16.commands(partition{0}).empty());

  memory_transport t10({.partitions = 10});
  publisher feed10(t10);
  CHECK(feed10.publish_line(open_line("a"), "in", 1).to == partition_range{6, 6});
  CHECK(feed10.publish_line(open_line("foobar"), "in", 2).to == partition_range{8, 8});
}

TEST_CASE("publisher: a tick goes to every partition, or to the range given") {
  memory_transport t({.partitions = 4});
  publisher all(t);
  const auto a = all.publish_line(tick_line, "in", 7);
  CHECK(a.tick());
  CHECK(a.to == partition_range{0, 3});
  CHECK(a.to.size() == 4);
  CHECK(a.duplicates == 0);
  CHECK(counts(t) == std::vector<std::size_t>{1, 1, 1, 1});

  publisher some(t, partition_range{1, 2});
  CHECK(some.publish_line(tick_line, "in", 8).to == partition_range{1, 2});
  CHECK(counts(t) == std::vector<std::size_t>{1, 2, 2, 1});
  // A case's command is not held to the tick range: "a" is in partition 0xaf63dc4c8601ec8c mod 4 = 0.
  CHECK(some.publish_line(open_line("a"), "in", 9).to == partition_range{0, 0});
  // A tick to a range of one partition is still a tick; a case's command there is not.
  publisher one(t, partition_range{3, 3});
  const auto b = one.publish_line(tick_line, "in", 10);
  CHECK(b.tick());
  CHECK(b.to == partition_range{3, 3});
  memory_transport single({.partitions = 1});
  publisher only(single);
  CHECK(only.publish_line(tick_line, "in", 11).tick());
  CHECK_FALSE(only.publish_line(open_line("a"), "in", 12).tick());

  CHECK_THROWS_AS(publisher(t, partition_range{2, 4}), std::invalid_argument);
  CHECK_THROWS_AS(publisher(t, partition_range{2, 1}), std::invalid_argument);
}

TEST_CASE("publisher: a command sent again with its id is answered as a duplicate, stored once") {
  memory_transport t({.partitions = 16});
  publisher feed(t);
  CHECK_FALSE(feed.publish_line(open_line("a", "f-1"), "in", 1).duplicate());
  const auto again = feed.publish_line(open_line("a", "f-1"), "in", 2);
  CHECK(again.published());
  CHECK(again.id == "f-1");
  CHECK(again.duplicates == 1);
  CHECK(again.duplicate());
  CHECK(t.commands(partition{12}).size() == 1);
  // Without an id nothing is a duplicate.
  CHECK_FALSE(feed.publish_line(open_line("a"), "in", 3).duplicate());
  CHECK_FALSE(feed.publish_line(open_line("a"), "in", 4).duplicate());
  CHECK(t.commands(partition{12}).size() == 3);
  // A tick with an id: once per partition; sent again, every partition drops it.
  const std::string tick = R"({"type":"tick","id":"t-1","at":"2026-10-01T00:00:00+08:00"})";
  CHECK(feed.publish_line(tick, "in", 5).duplicates == 0);
  const auto tick_again = feed.publish_line(tick, "in", 6);
  CHECK(tick_again.duplicates == 16);
  CHECK(tick_again.duplicate());
  CHECK(t.commands(partition{12}).size() == 4);
}

TEST_CASE("publisher: a batch publishes every line in order, and a line that is no command names its line") {
  memory_transport t({.partitions = 16});
  publisher feed(t);
  const std::string text = open_line("a") + "\n\n  \n" + R"({"type":"open","case":"a"})" + "\n" + tick_line + "\r\n" +
                           open_line("foobar") + "\nnot json";
  const auto answers = feed.publish_lines(text, "batch.jsonl", 10);
  REQUIRE(answers.size() == 5);  // the two blank lines are skipped, their numbers counted
  CHECK(answers[0].line == 10);
  CHECK(answers[0].to.first == 12);
  CHECK(answers[1].line == 13);
  CHECK_FALSE(answers[1].published());
  CHECK(answers[1].error.starts_with("batch.jsonl:13: "));
  CHECK(answers[2].line == 14);
  CHECK(answers[2].tick());
  CHECK(answers[3].line == 15);
  CHECK(answers[3].to.first == 8);
  CHECK(answers[4].line == 16);
  CHECK(answers[4].error.starts_with("batch.jsonl:16: "));
  // Partition 12: "a", the tick; 8: the tick, "foobar"; the others: the tick. Nothing of the bad lines.
  CHECK(t.commands(partition{12}).size() == 2);
  CHECK(t.commands(partition{8}).size() == 2);
  CHECK(t.commands(partition{8})[1].json == open_line("foobar"));
  CHECK(t.commands(partition{3}).size() == 1);
  CHECK(t.commands(partition{3})[0].json == tick_line);  // the line's "\r" is not published
}

TEST_CASE("publisher: a transport failure stops a batch naming the line, and the lines before it stay published") {
  memory_transport t({.partitions = 16});
  publisher feed(t);
  const std::string text = open_line("a") + "\n" + open_line("foobar") + "\n";
  CHECK_NOTHROW((void)feed.publish_line(open_line("a"), "in", 1));
  t.fail_next(1);
  CHECK_THROWS_WITH_AS((void)feed.publish_lines(text, "batch.jsonl"),
                       "transport memory: injected failure (at batch.jsonl:1; the lines before it were published)",
                       transport_error);
  t.fail_next(0);
  const auto answers = feed.publish_lines(text, "batch.jsonl");
  CHECK(answers.size() == 2);
  CHECK(t.commands(partition{12}).size() == 2);
}
