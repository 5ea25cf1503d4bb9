// engine::apply over a span of commands (what replay uses, with the cases ahead prefetched) is
// apply() on each in turn: the same outcomes, events and state, whatever the hints it keeps.
#include <doctest/doctest.h>
#include <dueday/jsonl.hpp>
#include <dueday/snapshot.hpp>

#include <algorithm>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "support.hpp"

using namespace dueday;

namespace {

std::vector<command> example_commands() {
  std::ifstream in(DUEDAY_EXAMPLES_DIR "/october-2026/commands.jsonl");
  REQUIRE(in);
  std::vector<command> v;
  std::int64_t line = 0;
  for (std::string text; std::getline(in, text);) v.push_back(parse_command(text, "commands.jsonl", ++line));
  return v;
}

struct outcome_record {
  outcome::status result;
  reject_code code;
  std::string reason;
  instant at;
  friend bool operator==(const outcome_record&, const outcome_record&) = default;
};

outcome_record record(const outcome& o) { return {o.result, o.code, o.reason, o.at}; }

struct run {
  vector_sink out;
  std::vector<outcome_record> outcomes;
  std::vector<std::size_t> events_after;  // events delivered once command i had applied
  std::string state;
};

run one_by_one(const std::vector<command>& commands, std::size_t count) {
  run r;
  engine e(test::cal(), builtin_policies(), r.out);
  for (std::size_t i = 0; i < count; ++i) {
    r.outcomes.push_back(record(e.apply(commands[i])));
    r.events_after.push_back(r.out.events.size());
  }
  r.state = snapshot(e);
  return r;
}

}  // namespace

TEST_CASE("engine batch: apply over a span gives the outcomes, events and state of apply on each") {
  const auto commands = example_commands();
  REQUIRE(commands.size() > 900);
  const run expected = one_by_one(commands, commands.size());
  CHECK(std::count_if(expected.outcomes.begin(), expected.outcomes.end(),
                      [](const auto& o) { return o.result != outcome::status::accepted; }) >= 3);

  // Whole, and in runs of every length from 1 to 9 (the hints span the ends of runs).
  for (std::size_t run_length :
       {commands.size(), std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{5}, std::size_t{9}}) {
    CAPTURE(run_length);
    run got;
    engine e(test::cal(), builtin_policies(), got.out);
    for (std::size_t from = 0; from < commands.size(); from += run_length) {
      const std::size_t n = std::min(run_length, commands.size() - from);
      std::size_t next = 0;
      e.apply(std::span<const command>(commands).subspan(from, n), [&](std::size_t i, const outcome& o) {
        CHECK(i == next++);
        // Command i's events are with the sink before done(i) is called, and no later command's.
        CHECK(got.out.events.size() == expected.events_after[from + i]);
        got.outcomes.push_back(record(o));
      });
      CHECK(next == n);
    }
    got.state = snapshot(e);
    CHECK(got.outcomes == expected.outcomes);
    CHECK(got.out.events == expected.out.events);
    CHECK(got.state == expected.state);
  }
}

TEST_CASE("engine batch: a throw from done stops the run after that command") {
  const auto commands = example_commands();
  const std::size_t stop = 200;
  const run expected = one_by_one(commands, stop + 1);
  run got;
  engine e(test::cal(), builtin_policies(), got.out);
  CHECK_THROWS_AS(e.apply(commands,
                          [&](std::size_t i, const outcome& o) {
                            got.outcomes.push_back(record(o));
                            if (i == stop) throw std::runtime_error("host stops");
                          }),
                  std::runtime_error);
  CHECK(got.outcomes == expected.outcomes);
  CHECK(got.out.events == expected.out.events);
  CHECK(snapshot(e) == expected.state);
}

TEST_CASE("engine batch: hints left from another run over the same memory are never taken for answers") {
  // One buffer of commands, refilled between runs with other cases at the same addresses: the
  // ring of hints still holds the first run's hashes and case numbers when the second starts.
  const auto commands = example_commands();
  std::vector<command> buffer(commands.begin(), commands.begin() + 40);
  run got;
  engine e(test::cal(), builtin_policies(), got.out);
  e.apply(buffer, [&](std::size_t, const outcome& o) { got.outcomes.push_back(record(o)); });
  for (std::size_t from = 40; from < commands.size(); from += 40) {
    const std::size_t n = std::min<std::size_t>(40, commands.size() - from);
    std::copy_n(commands.begin() + static_cast<std::ptrdiff_t>(from), n, buffer.begin());
    e.apply(std::span<const command>(buffer).first(n),
            [&](std::size_t, const outcome& o) { got.outcomes.push_back(record(o)); });
  }
  const run expected = one_by_one(commands, commands.size());
  CHECK(got.outcomes == expected.outcomes);
  CHECK(got.out.events == expected.out.events);
  CHECK(snapshot(e) == expected.state);
}
