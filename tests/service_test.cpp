// dueday serve, in process: each endpoint through httplib's client against a live service on a
// loopback port (service_edge_test.cpp has auth, limits and malformed requests).
#include "service/service.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>

#include "monitor/status.hpp"
#include "service_support.hpp"

namespace {

using namespace dueday::test;
using dueday::service::clock_mode;

// The events of a store's outbox as GET /v1/events must give them: seq and key first.
std::string expected_lines(dueday::storage& s, std::uint64_t after, std::size_t limit) {
  std::string out;
  for (const auto& e : s.read_events(after, limit))
    out += "{\"seq\":" + std::to_string(e.sequence) + ",\"key\":" + e.key + "," + e.json.substr(1) + "\n";
  return out;
}

// Posts the lines in requests of `batch`; returns the answers, concatenated.
std::string post_all(httplib::Client& c, const std::vector<std::string>& lines, std::size_t from, std::size_t to,
                     std::size_t batch) {
  std::string answers;
  for (std::size_t i = from; i < to; i += batch) {
    std::string body;
    for (std::size_t k = i; k < std::min(to, i + batch); ++k) body += lines[k];
    const auto r = c.Post("/v1/commands", body, "application/x-ndjson");
    REQUIRE(r);
    REQUIRE(r->status == 200);
    answers += r->body;
  }
  return answers;
}

TEST_CASE("service: commands answer one outcome line each, as dueday run prints them") {
  live_service s;
  auto c = s.client();
  const std::string open =
      R"({"type":"open","id":"a1","case":"W-1","at":"2026-09-28T10:00","policy":"kunming-water-490","variant":"no-external"})";
  const std::string body = open + "\n\n" + open + "\n" + "{\"type\":\"start\"}\n" +
                           R"({"type":"start","case":"W-9","step":"survey","at":"2026-09-29T10:00"})" + "\n";
  const auto r = c.Post("/v1/commands", body, "application/x-ndjson");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->get_header_value("Content-Type") == "application/x-ndjson");
  // Line 2 is blank; line 3 repeats the id; line 4 is no command (no instant); line 5 names no
  // known case (refused, it still moves the engine's time to its instant).
  CHECK(r->body ==
        "{\"line\":1,\"id\":\"a1\",\"outcome\":\"accepted\"}\n"
        "{\"line\":3,\"id\":\"a1\",\"outcome\":\"duplicate\"}\n"
        "{\"line\":4,\"outcome\":\"rejected\",\"code\":\"malformed\",\"reason\":\"missing field 'at'\"}\n"
        "{\"line\":5,\"outcome\":\"rejected\",\"code\":\"unknown_case\",\"reason\":\"unknown case 'W-9'\"}\n");
  // The same as a JSON array: elements are numbered from 1; the id is known by now.
  const auto a = c.Post("/v1/commands", "[ " + open + " ,\n {\"type\":\"tick\",\"at\":\"2026-09-29T11:00\"} ]",
                        "application/json");
  REQUIRE(a);
  CHECK(a->body == "{\"line\":1,\"id\":\"a1\",\"outcome\":\"duplicate\"}\n{\"line\":2,\"outcome\":\"accepted\"}\n");
  // Durable before the answer: a reader sees the two commands journaled (open, tick) and the
  // rejection's event.
  auto reader = s.reader();
  CHECK(reader->position() == 3);
  const auto empty = c.Post("/v1/commands", "", "application/x-ndjson");
  REQUIRE(empty);
  CHECK(empty->status == 200);
  CHECK(empty->body.empty());
}

TEST_CASE("service: the October stream posted in batches leaves the outbox a replay writes, byte for byte") {
  live_service s;
  auto c = s.client();
  const auto lines = october_lines();
  const std::string answers = post_all(c, lines, 0, lines.size(), 100);
  CHECK(std::count(answers.begin(), answers.end(), '\n') == static_cast<std::ptrdiff_t>(lines.size()));
  auto reader = s.reader();
  CHECK(outbox_of(*reader) == october_replay());
  // GET /v1/events pages through the same outbox, seq and key first, as dueday events prints it.
  std::string got;
  std::uint64_t after = 0;
  for (;;) {
    const auto r = c.Get(("/v1/events?after=" + std::to_string(after) + "&limit=500").c_str());
    REQUIRE(r);
    REQUIRE(r->status == 200);
    if (r->body.empty()) break;
    CHECK(r->body == expected_lines(*reader, after, 500));
    got += r->body;
    after += static_cast<std::uint64_t>(std::count(r->body.begin(), r->body.end(), '\n'));
  }
  CHECK(after == reader->last_sequence());
  CHECK(got == expected_lines(*reader, 0, 1'000'000));
}

TEST_CASE("service: concurrent requests are group-committed: the outbox is a replay of the journal's order") {
  live_service s;
  const auto lines = october_lines();
  // Eight feeders, each every eighth line, in batches of 5: their requests interleave (commands
  // come out of time order and some are refused out_of_order: the point is the order the store
  // applied), and those queued while the writer is busy are applied together.
  constexpr std::size_t feeders = 8;
  std::vector<std::vector<std::string>> shares(feeders);
  for (std::size_t i = 0; i < lines.size(); ++i) shares[i % feeders].push_back(lines[i]);
  std::vector<std::thread> threads;
  std::atomic<std::size_t> answered{0};
  for (std::size_t f = 0; f < feeders; ++f) {
    threads.emplace_back([&, f] {
      auto c = s.client();
      const std::string a = post_all(c, shares[f], 0, shares[f].size(), 5);
      answered += static_cast<std::size_t>(std::count(a.begin(), a.end(), '\n'));
    });
  }
  for (auto& t : threads) t.join();
  CHECK(answered == lines.size());
  auto reader = s.reader();
  std::string journal;
  reader->read_journal(0, [&](const dueday::journal_entry& e) { journal += e.command + "\n"; });
  std::istringstream in(journal);
  std::ostringstream text;
  dueday::jsonl_sink out(text);
  dueday::engine e(cal(), dueday::builtin_policies(), out);
  (void)dueday::replay(in, "journal", e, out);
  out.flush();
  CHECK(outbox_of(*reader) == text.str());
  CHECK(reader->position() == lines.size());  // no line is malformed or repeats an id
}

TEST_CASE("service: a long poll is woken by the commit of a new event, else answers empty at its end") {
  live_service s;
  auto c = s.client();
  const auto lines = october_lines();
  (void)post_all(c, lines, 0, 10, 10);
  const std::uint64_t last = s.reader()->last_sequence();
  const auto started = std::chrono::steady_clock::now();
  auto empty = c.Get(("/v1/events?after=" + std::to_string(last) + "&wait=0.3").c_str());
  REQUIRE(empty);
  CHECK(empty->status == 200);
  CHECK(empty->body.empty());
  CHECK(std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(250));

  std::optional<httplib::Result> polled;
  std::chrono::steady_clock::duration took{};
  std::thread poll([&] {
    auto p = s.client();
    const auto t0 = std::chrono::steady_clock::now();
    polled.emplace(p.Get(("/v1/events?after=" + std::to_string(last) + "&wait=8").c_str()));
    took = std::chrono::steady_clock::now() - t0;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  (void)post_all(c, lines, 10, 11, 1);
  poll.join();
  REQUIRE(polled);
  REQUIRE(*polled);
  CHECK((*polled)->status == 200);
  CHECK((*polled)->body == expected_lines(*s.reader(), last, 1000));
  CHECK_FALSE((*polled)->body.empty());
  CHECK(took < std::chrono::seconds(4));
}

TEST_CASE("service: a consumer's acknowledgement, by body or query, only moves forward") {
  live_service s;
  auto c = s.client();
  const auto lines = october_lines();
  (void)post_all(c, lines, 0, 20, 20);
  const std::uint64_t last = s.reader()->last_sequence();
  REQUIRE(last >= 5);
  auto r = c.Post("/v1/consumers/sms/ack", "{\"seq\":5}", "application/json");
  REQUIRE(r);
  CHECK(r->body == "{\"consumer\":\"sms\",\"acknowledged\":5}\n");
  r = c.Post("/v1/consumers/sms/ack?seq=3", "", "application/json");
  REQUIRE(r);
  CHECK(r->body == "{\"consumer\":\"sms\",\"acknowledged\":5}\n");
  r = c.Post(("/v1/consumers/sms/ack?seq=" + std::to_string(last + 1)).c_str(), "", "application/json");
  REQUIRE(r);
  CHECK(r->status == 409);
  CHECK(r->body ==
        "{\"error\":\"seq " + std::to_string(last + 1) + " is past the last event (" + std::to_string(last) + ")\"}\n");
  CHECK(s.reader()->acknowledged("sms") == 5);
  const auto m = c.Get("/metrics");
  REQUIRE(m);
  CHECK(m->body.find("dueday_consumer_lag_events{consumer=\"sms\"} " + std::to_string(last - 5) + "\n") !=
        std::string::npos);
}

TEST_CASE("service: cases answer the figures of dueday status --json; an unknown case is a 404") {
  live_service s;
  auto c = s.client();
  const auto lines = october_lines();
  (void)post_all(c, lines, 0, lines.size(), 250);
  const auto t = c.Post("/v1/tick", "{\"at\":\"2026-11-02T09:00\"}", "application/json");
  REQUIRE(t);
  CHECK(t->status == 200);
  CHECK(t->body.starts_with("{\"at\":\"2026-11-02T09:00:00+08:00\",\"outcome\":\"accepted\",\"events\":"));
  // What dueday status --json --at 2026-11-02T09:00 prints (the manual clock judges at the engine's
  // time), from a reader of the store beside the service.
  dueday::durable_engine d(s.reader(), cal(), dueday::builtin_policies());
  dueday::monitor::query q;
  q.at = at("2026-11-02T09:00");
  q.case_id = "KM-2026-0145";
  const auto status = [&] {
    return dueday::monitor::to_json(dueday::monitor::gather(d, cal(), dueday::builtin_policies(), q)) + "\n";
  };
  const std::string one = status();
  q.case_id.clear();
  q.at_risk_only = true;
  q.limit = 2;
  const std::string risky = status();
  const auto r1 = c.Get("/v1/cases/KM-2026-0145");
  const auto r2 = c.Get("/v1/cases?at_risk=1&limit=2");
  const auto r3 = c.Get("/v1/cases/KM-NONE");
  const auto r4 = c.Get("/v1/cases?at_risk=maybe");
  REQUIRE((r1 && r2 && r3 && r4));
  CHECK(r1->body == one);
  CHECK(r2->body == risky);
  CHECK(nlohmann::json::parse(r2->body)["at_risk"].size() == 2);
  CHECK(r3->status == 404);
  CHECK(r3->body == "{\"error\":\"no case 'KM-NONE'\"}\n");
  CHECK(r4->status == 400);
  CHECK(r4->body == "{\"error\":\"at_risk: 'maybe' is not 1, 0, true or false\"}\n");
}

TEST_CASE("service: the system clock raises an alert when it falls due, with no request") {
  // The due instant of the first alert after the first 40 October commands, worked out by an
  // engine of our own; the service's clock is set 1.5 s before it.
  const auto lines = october_lines();
  dueday::vector_sink sink;
  dueday::engine e(cal(), dueday::builtin_policies(), sink);
  for (std::size_t i = 0; i < 40; ++i) (void)e.apply(dueday::parse_command(lines[i], "t", 1));
  const auto due = e.next_due();
  REQUIRE(due);
  auto clock = std::make_shared<shifted_clock>();
  clock->offset_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::time_point(*due) -
                                                                           std::chrono::system_clock::now())
                         .count() -
                     1500;
  dueday::service::options o = manual_options();
  o.mode = clock_mode::system;
  o.clock = [clock] { return (*clock)(); };
  live_service s(o);
  auto c = s.client();
  (void)post_all(c, lines, 0, 40, 40);
  const std::uint64_t last = s.reader()->last_sequence();
  const auto r = c.Get(("/v1/events?after=" + std::to_string(last) + "&wait=6").c_str());
  REQUIRE(r);
  const auto first = nlohmann::json::parse(r->body.substr(0, r->body.find('\n')));
  CHECK(first["type"] == "warning");
  CHECK(first["at"] == dueday::format_instant(*due));
  const auto tick = c.Post("/v1/tick", "{\"at\":\"2026-10-01T00:00\"}", "application/json");
  REQUIRE(tick);
  CHECK(tick->status == 409);
  const auto m = c.Get("/metrics");
  REQUIRE(m);
  CHECK(m->body.find("dueday_clock_ticks_total 1\n") != std::string::npos);
}

TEST_CASE("service: /metrics counts the events raised, by type and level, as the outbox holds them") {
  live_service s;
  auto c = s.client();
  const auto lines = october_lines();
  (void)post_all(c, lines, 0, lines.size(), 100);
  // A manual tick is applied in a task between batches: its events are counted too.
  const auto t = c.Post("/v1/tick", "{\"at\":\"2026-11-20T09:00\"}", "application/json");
  REQUIRE(t);
  REQUIRE(t->status == 200);
  // The counts worked out from the stored events themselves, read with nlohmann.
  std::map<std::pair<std::string, std::string>, int> want;
  for (const auto& e : s.reader()->read_events(0, 1'000'000)) {
    const auto j = nlohmann::json::parse(e.json);
    ++want[{j.at("type").get<std::string>(), j.value("level", std::string())}];
  }
  REQUIRE(want.size() > 2);
  CHECK(std::any_of(want.begin(), want.end(), [](const auto& w) { return !w.first.second.empty(); }));
  const auto m = c.Get("/metrics");
  REQUIRE(m);
  std::size_t counted = 0;
  for (std::size_t p = m->body.find("\ndueday_events_total{"); p != std::string::npos;
       p = m->body.find("\ndueday_events_total{", p + 1))
    ++counted;
  CHECK(counted == want.size());
  for (const auto& [k, n] : want) {
    const std::string line =
        "dueday_events_total{type=\"" + k.first + "\",level=\"" + k.second + "\"} " + std::to_string(n) + "\n";
    CHECK_MESSAGE(m->body.find(line) != std::string::npos, line);
  }
}

TEST_CASE("service: the writer checkpoints once checkpoint_every commands are due, after half a second of quiet") {
  auto o = manual_options();
  o.checkpoint_every = 30;
  live_service s(o);
  auto c = s.client();
  const auto lines = october_lines();
  (void)post_all(c, lines, 0, 20, 20);  // 20 journaled: none due
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  CHECK_FALSE(s.reader()->checkpoint_position().has_value());
  (void)post_all(c, lines, 20, 40, 20);  // 40 journaled, 30 due: written once the writer is quiet
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!s.reader()->checkpoint_position() && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(s.reader()->position() == 40);
  CHECK(s.reader()->checkpoint_position() == std::optional<std::uint64_t>(40));
}

}  // namespace
