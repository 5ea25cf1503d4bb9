// The engine's event buffer (how long a burst's room is kept) and the JSON Lines sink's writer
// over many events (the texts it remembers as UTF-8 from one event to the next).
#include "engine/event_buffer.hpp"  // first: proves the header stands alone

#include <doctest/doctest.h>
#include <dueday/jsonl.hpp>

#include <array>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using namespace dueday;
using dueday::detail::event_buffer;

namespace {

// One command that adds n events to the buffer.
void command_with(event_buffer& b, std::size_t n) {
  const event_buffer::scope s(b);
  for (std::size_t i = 0; i < n; ++i) (void)b.add();
}

}  // namespace

TEST_CASE("event buffer: a burst's room stays for 8 quiet commands per event of it, then goes") {
  event_buffer b;
  command_with(b, 100);
  CHECK_FALSE(b.holds_burst());  // within the 4096 events always kept
  const std::size_t burst = 5000;
  command_with(b, burst);
  CHECK(b.holds_burst());
  // 8 * 5000 = 40,000 commands in a row within the usual room: the 40,000th gives it back.
  for (std::size_t n = 1; n < 40'000; ++n) command_with(b, 1);
  CHECK(b.holds_burst());
  command_with(b, 1);
  CHECK_FALSE(b.holds_burst());
  // A burst in between starts the count again.
  command_with(b, burst);
  for (std::size_t n = 1; n < 20'000; ++n) command_with(b, 0);
  command_with(b, 4097);
  for (std::size_t n = 1; n < 40'000; ++n) command_with(b, 0);
  CHECK(b.holds_burst());
  command_with(b, 0);
  CHECK_FALSE(b.holds_burst());
}

TEST_CASE("event buffer: a room over 65,536 events goes after 1,024 quiet commands") {
  event_buffer b;
  command_with(b, 70'000);
  CHECK(b.holds_burst());
  for (std::size_t n = 1; n < 1024; ++n) command_with(b, 1);
  CHECK(b.holds_burst());
  command_with(b, 1);
  CHECK_FALSE(b.holds_burst());
  // A burst in between starts the count again.
  command_with(b, 70'000);
  for (std::size_t n = 1; n < 512; ++n) command_with(b, 0);
  command_with(b, 4097);
  for (std::size_t n = 1; n < 1024; ++n) command_with(b, 0);
  CHECK(b.holds_burst());
  command_with(b, 0);
  CHECK_FALSE(b.holds_burst());
}

TEST_CASE("jsonl sink: one writer over many events writes each as to_json does alone") {
  // Texts that repeat (a writer remembers texts it found to be UTF-8) next to ill-formed ones of
  // the same length and start, and escapes after multi-byte characters.
  const std::array<std::string, 9> texts = {"供水企业",
                                            "供水企\xe4\xb8\xff",
                                            "供水企业\n",
                                            "自然资源和规划局",
                                            "自然资源和规划\xed\xa0\x80",
                                            "KM-2026-10-0000001",
                                            "é\"é\\é",
                                            "\xc3",
                                            ""};
  std::mt19937 rng(8);
  const auto text = [&] { return texts[rng() % texts.size()]; };
  std::vector<event> events;
  for (int i = 0; i < 400; ++i) {
    event e;
    e.kind = static_cast<event_kind>(rng() % (static_cast<unsigned>(event_kind::rejected) + 1));
    e.at = instant{std::chrono::seconds{1'791'000'000 + static_cast<std::int64_t>(rng() % 1'000'000)}};
    e.case_id = text();
    e.step = text();
    e.unit = text();
    e.detail = text();
    if (rng() % 2) e.due = e.at + std::chrono::hours{static_cast<int>(rng() % 200)};
    events.push_back(e);
  }
  std::string expected;
  for (const event& e : events) expected += to_json(e) + "\n";
  std::ostringstream out;
  {
    jsonl_sink sink(out);
    sink.on_events(std::span<const event>(events).first(150));
    for (std::size_t i = 150; i < events.size(); ++i) sink.on_event(events[i]);
  }
  CHECK(out.str() == expected);
}
