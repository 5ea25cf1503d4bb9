// The load-and-kill test of `dueday serve` (issue 11, point 5): 16 clients post commands in batches
// while 4 consumers long-poll /v1/events and acknowledge, and the server is SIGKILLed at random
// many times and restarted on the same store and port. At the end:
// - every command id is in the journal exactly once, and every answer a client read agrees with
//   it (accepted or rejected with its code as the replay says; a duplicate only for a resent batch);
// - the outbox holds, byte for byte, the events of an uninterrupted `dueday replay` of the
//   journal's commands in journal order (with 16 posters there is no other order: the service's
//   journal is the order of truth, and each client's cases are its own, so the order across
//   clients changes no case's own story);
// - each consumer has taken exactly the outbox's events, in order, none missing, none twice.
//
//   load_kill_test DUEDAY WORK_DIR [--kills K] [--commands N] [--batch B] [--clients C]
//                  [--consumers M] [--seed S] [--seconds T]
//
// Each client sends about N commands of its own cases (ids "k<client>-<n>", cases
// "L<client>-<n>"), batches of 1 to 2B-1, one batch in flight; it stamps a batch when first sent
// with a model time that moves 4 hours every 250 ms of the test (so alerts fall due), and resends a
// batch with no answer whole, as it was, until answered. A consumer keeps only what its
// acknowledgement covers: after a failure it asks the service where it stands (an ack of 0) and
// goes on from there. Kills: a quarter at a random instant after a restart (while the store opens
// and recovers), the others a random delay after a random share of the load was answered. The
// seed (printed) replays the commands and kill points; the timing differs. Fails past T seconds.
#include <httplib.h>
#include <dueday/io.hpp>
#include <dueday/store.hpp>

#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <thread>

#include "load_parts.hpp"
#include "monitor/lines.hpp"

namespace {

using namespace load;
using std::chrono::milliseconds;
using steady = std::chrono::steady_clock;

struct settings {
  std::string dueday, work;
  int kills = 24, commands = 2000, batch = 20, clients = 16, consumers = 4, seconds = 120, keep = 0;
  std::uint64_t seed = 0;
};

struct shared {
  const settings* s = nullptr;
  int port = 0;
  std::string token;
  steady::time_point start;
  std::atomic<long> answered{0};  // commands answered (first time, duplicates too)
  std::atomic<bool> clients_done{false};
  std::atomic<std::uint64_t> final_sequence{UINT64_MAX};  // consumers stop once there
};

std::unique_ptr<httplib::Client> connect(const shared& g) {
  auto c = std::make_unique<httplib::Client>("127.0.0.1", g.port);
  c->set_connection_timeout(1);
  c->set_read_timeout(10);
  c->set_write_timeout(5);
  c->set_keep_alive(true);
  c->set_tcp_nodelay(true);  // no Nagle delay between the request's headers and body
  c->set_bearer_token_auth(g.token.c_str());
  return c;
}

// The model time of a batch first sent now: 2026-10-08 09:00, then 4 hours later every 250 ms.
std::string stamp(const shared& g) {
  const auto steps = std::chrono::duration_cast<milliseconds>(steady::now() - g.start).count() / 250;
  return dueday::format_instant(dueday::parse_instant("2026-10-08T09:00:00+08:00") + std::chrono::hours(4 * steps));
}

void run_client(shared& g, client& c) {
  auto http = connect(g);
  for (int b = 0; c.sent < g.s->commands; ++b) {
    std::vector<planned> batch = c.plan.next_batch(b, g.s->batch);
    c.sent += static_cast<int>(batch.size());
    const std::string body = c.body(batch, stamp(g), b % 3 == 0);
    for (int attempt = 0;; ++attempt) {
      expect(attempt < 20000, "client {}: a batch never answered", c.k);
      const auto t0 = steady::now();
      const auto res = http->Post("/v1/commands", body, "application/x-ndjson");
      if (res && res->status == 200) {
        c.latency_ms.push_back(std::chrono::duration<double, std::milli>(steady::now() - t0).count());
        c.take_answer(batch, res->body, attempt > 0);
        g.answered += static_cast<long>(batch.size());
        break;
      }
      // No answer (the service was killed, or 503 while it stops): the whole batch again.
      check(!res || res->status == 503, "client " + std::to_string(c.k) + ": status " +
                                            std::to_string(res ? res->status : 0) + ": " + (res ? res->body : ""));
      if (attempt == 0) {
        ++c.resent_batches;
        c.resent_commands += static_cast<long>(batch.size());
      }
      std::this_thread::sleep_for(milliseconds(3));
      http = connect(g);
    }
  }
}

// Lines of a /v1/events answer, checked to follow `after` one by one.
std::vector<std::string> event_lines(const std::string& body, std::uint64_t after, const std::string& who) {
  std::vector<std::string> lines;
  std::istringstream in(body);
  for (std::string line; std::getline(in, line);) {
    const auto seq = nlohmann::json::parse(line).at("seq").get<std::uint64_t>();
    expect(seq == after + lines.size() + 1, "{}: event {} after {} (a gap or a repeat)", who, seq,
           after + lines.size());
    lines.push_back(line + "\n");
  }
  return lines;
}

void run_consumer(shared& g, consumer& c) {
  auto http = connect(g);
  const std::string ack = "/v1/consumers/" + c.name + "/ack";
  std::uint64_t pos = 0;             // acknowledged: c.taken holds events 1..pos
  std::vector<std::string> pending;  // events pos+1, ... read but not yet acknowledged
  bool unsure = true;                // after a failure: ask the service where we stand
  std::mt19937_64 rng(g.s->seed ^ (std::uint64_t{0x9e3779b97f4a7c15} * static_cast<std::uint64_t>(c.k + 1)));
  while (pos < g.final_sequence.load()) {
    if (unsure) {  // an ack of 0 changes nothing and says what the service holds for us
      const auto r = http->Post(ack + "?seq=0");
      if (!r || r->status != 200) {
        std::this_thread::sleep_for(milliseconds(3));
        http = connect(g);
        continue;
      }
      const auto held = nlohmann::json::parse(r->body).at("acknowledged").get<std::uint64_t>();
      check(held >= pos && held <= pos + pending.size(),
            c.name + ": the service holds " + std::to_string(held) + ", it took " + std::to_string(pos));
      c.take(pending, static_cast<std::size_t>(held - pos));  // an ack stored before its answer was lost
      pos = held;
      pending.clear();
      unsure = false;
    }
    const auto limit = 1 + rng() % 400;
    const auto r = http->Get("/v1/events?after=" + std::to_string(pos) + "&limit=" + std::to_string(limit) + "&wait=1");
    if (!r || r->status != 200) {
      check(!r || r->status == 503, c.name + ": status " + (r ? std::to_string(r->status) + ": " + r->body : ""));
      unsure = true;
      continue;
    }
    pending = event_lines(r->body, pos, c.name);
    if (pending.empty()) continue;
    c.compare_refetched(pos, pending);
    const auto a = http->Post(ack, "{\"seq\":" + std::to_string(pos + pending.size()) + "}", "application/json");
    if (!a || a->status != 200) {
      unsure = true;
      continue;
    }
    expect(nlohmann::json::parse(a->body).at("acknowledged") == pos + pending.size(), "{}: ack {}", c.name, a->body);
    c.take(pending, pending.size());
    pos += pending.size();
    pending.clear();
  }
}

}  // namespace

int main(int argc, char** argv) {
  settings s;
  if (argc < 3) fail("usage: load_kill_test DUEDAY WORK_DIR [--kills K] [--commands N] [--batch B] ...");
  s.dueday = argv[1];
  s.work = argv[2];
  s.seed = static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
  for (int i = 3; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const long long v = std::atoll(argv[i + 1]);
    const std::map<std::string, int*> ints{
        {"--kills", &s.kills},         {"--commands", &s.commands}, {"--batch", &s.batch}, {"--clients", &s.clients},
        {"--consumers", &s.consumers}, {"--seconds", &s.seconds},   {"--keep", &s.keep}};
    if (k == "--seed")
      s.seed = static_cast<std::uint64_t>(v);
    else if (ints.count(k) != 0 && v > 0)
      *ints.at(k) = static_cast<int>(v);
    else
      fail("bad option " + k + " " + argv[i + 1]);
  }
  std::printf("load test: seed %llu (rerun with --seed %llu)\n", static_cast<unsigned long long>(s.seed),
              static_cast<unsigned long long>(s.seed));
  std::fflush(stdout);
  watchdog(s.seconds);
  const fs::path work = s.work, db = work / "load.db", log = work / "serve-stderr.txt";
  fs::remove_all(work);
  fs::create_directories(work);
  shared g;
  g.s = &s;
  std::mt19937_64 rng(s.seed);
  g.token = "load-test-" + std::to_string(rng());
  std::ofstream(work / "token") << g.token << "\n";

  serve_test::server_process server;
  auto start = [&](int port) {
    server.start({s.dueday, "serve", "--db", db.string(), "--clock", "manual", "--listen",
                  "127.0.0.1:" + std::to_string(port), "--token-file", (work / "token").string(), "--threads",
                  std::to_string(s.clients + s.consumers + 4), "--checkpoint-every", "3000"},
                 log);
    set_child(server.pid());
  };
  start(0);
  g.port = server.wait_serving(milliseconds(20000));
  check(g.port > 0, "dueday serve did not say where it serves: " + read_text(log));

  std::vector<client> clients;
  std::vector<consumer> consumers;
  std::vector<std::thread> threads;
  clients.reserve(static_cast<std::size_t>(s.clients));
  consumers.reserve(static_cast<std::size_t>(s.consumers));
  threads.reserve(clients.capacity() + consumers.capacity());
  for (int k = 0; k < s.clients; ++k) clients.emplace_back(k, s.seed);
  for (int k = 0; k < s.consumers; ++k) consumers.emplace_back(k);
  g.start = steady::now();
  for (auto& c : clients) threads.emplace_back([&] { run_client(g, c); });
  for (auto& c : consumers) threads.emplace_back([&] { run_consumer(g, c); });

  // The kills: after a random share of the load (about total / (kills + 2) each, so that the last
  // comes well before the load ends), or (a quarter) a random instant after a restart.
  const long total = static_cast<long>(s.commands) * s.clients;
  long early = 0;
  for (int kill = 0; kill < s.kills; ++kill) {
    const bool at_start = kill > 0 && rng() % 4 == 0;
    if (at_start) {
      std::this_thread::sleep_for(std::chrono::microseconds(rng() % 60000));
      early += server.serving_port() ? 0 : 1;
    } else {
      if (kill > 0) check(server.wait_serving(milliseconds(20000)) == g.port, "a restart did not serve");
      const long share = total / (s.kills + 2);
      const long until = g.answered.load() + share / 4 + static_cast<long>(rng() % static_cast<std::uint64_t>(share));
      while (g.answered.load() < until) {
        check(g.answered.load() < total, "the load ended before kill " + std::to_string(kill + 1));
        std::this_thread::sleep_for(milliseconds(1));
      }
      std::this_thread::sleep_for(std::chrono::microseconds(rng() % 20000));
    }
    check(g.answered.load() < total, "the load ended before kill " + std::to_string(kill + 1));
    server.signal(SIGKILL);
    const auto status = server.wait(milliseconds(10000));
    check(status && WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL,
          "dueday serve ended before its kill: " + read_text(log));
    start(g.port);
  }
  check(server.wait_serving(milliseconds(20000)) == g.port, "the last restart did not serve");
  for (int k = 0; k < s.clients; ++k) threads[static_cast<std::size_t>(k)].join();
  const double load_s = std::chrono::duration<double>(steady::now() - g.start).count();
  g.clients_done = true;
  {
    dueday::sqlite_options reader;
    reader.read_only = true;
    g.final_sequence = dueday::sqlite_storage(db, reader).last_sequence();
  }
  for (std::size_t k = static_cast<std::size_t>(s.clients); k < threads.size(); ++k) threads[k].join();
  server.signal(SIGTERM);
  const auto status = server.wait(milliseconds(20000));
  check(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0, "SIGTERM: dueday serve did not exit 0");
  set_child(-1);
  check_log(log);

  const verdict v = verify(s.dueday, work, db, clients, consumers);
  std::vector<double> latency;
  long resent_batches = 0, resent = 0, duplicates = 0;
  for (const auto& c : clients) {
    latency.insert(latency.end(), c.latency_ms.begin(), c.latency_ms.end());
    resent_batches += c.resent_batches;
    resent += c.resent_commands;
    duplicates += c.duplicates;
  }
  long refetched = 0;
  for (const auto& c : consumers) refetched += c.refetched;
  std::printf(
      "load test: %d clients, %d consumers: %zu commands (%zu accepted, %zu rejected), %zu events, in %.1f s: "
      "%.0f commands/s; request latency p50 %.1f ms, p99 %.1f ms\n"
      "load test: %d kills (%ld while the store opened), %ld batches resent (%ld commands), %ld duplicates caught, "
      "%ld events read again by consumers after a kill; every consumer took the %zu events once, in order\n",
      s.clients, s.consumers, v.commands, v.accepted, v.commands - v.accepted, v.events, load_s,
      static_cast<double>(v.commands) / load_s, serve_test::quantile(latency, 0.5), serve_test::quantile(latency, 0.99),
      s.kills, early, resent_batches, resent, duplicates, refetched, v.events);
  if (duplicates == 0) fail("no resent command was caught as a duplicate");
  if (s.keep == 0) fs::remove_all(work);
  return 0;
}
