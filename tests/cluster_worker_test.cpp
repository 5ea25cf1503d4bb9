// Cluster workers (cluster/worker.hpp) on the in-memory transport, driven by a simulated clock:
// killed, added, stalled past their leases, with transport failures; every partition's events
// must end up exactly replay's of its commands, and no partition applied by two workers at once.
#include "cluster/worker.hpp"  // first: proves the header stands alone

#include <doctest/doctest.h>
#include <dueday/partition.hpp>

#include <random>
#include <string>
#include <string_view>

#include "cluster_simulation.hpp"

using namespace dueday::test::cluster_sim;

TEST_CASE("worker: one worker applies every partition, ticks at next_due and checkpoints when idle") {
  cluster c(4);
  worker& w = c.add("solo");
  const std::string open =
      R"({"type":"open","case":"W-1","at":"2026-03-02T08:00:00+08:00","policy":"kunming-water-490","variant":"no-external"})";
  const partition p{dueday::partition_of("W-1", 4)};
  REQUIRE(c.t.publish_command(p, open, ""));
  REQUIRE(
      c.t.publish_command(p, R"({"type":"start","case":"W-1","step":"survey","at":"2026-03-02T08:00:00+08:00"})", ""));
  c.round(100ms, 0min);
  CHECK(w.owned().size() == 4);  // ceil(4 / 1)
  CHECK(w.stats().commands == 2);
  const auto first = c.t.events(p);  // case_opened; step_started for the survey and the overall clock
  REQUIRE(first.size() == 3);
  CHECK(first[0].json.find(R"({"type":"case_opened")") == 0);
  CHECK(first[1].json.find(R"({"type":"step_started","case":"W-1","step":"survey")") == 0);
  CHECK(first[2].json.find(R"({"type":"step_started","case":"W-1","step":"overall")") == 0);
  // Days later (wall) the survey's alerts are due: ticks bring them, through the log.
  for (int i = 0; i < 40; ++i) c.round(100ms, 180min);
  bool overdue = false;
  for (const keyed_event& e : c.t.events(p))
    overdue = overdue || e.json.find(R"("type":"overdue")") != std::string::npos;
  CHECK(overdue);
  const auto logged = c.t.commands(p);
  CHECK(logged.size() > 2);
  CHECK(logged.back().json.find(R"({"type":"tick","at":")") == 0);
  // Idle (wall frozen: no more ticks) for checkpoint_idle: the checkpoint covers every command.
  for (int i = 0; i < 25; ++i) c.round(100ms, 0min);
  const auto cp = c.t.read_checkpoint(p);
  REQUIRE(cp.has_value());
  CHECK(cp->sequence == logged.size());
  CHECK(cp->commands == logged.size());
  check_events(c.t);
  check_exclusive(c.t, c.touches);
}

TEST_CASE("worker: a worker stalled past its lease's deadline stops at once, before anyone takes over") {
  cluster c(2);
  worker& a = c.add("a");
  for (int i = 0; i < 5; ++i) c.round(250ms, 1min);
  REQUIRE(a.owned().size() == 2);
  worker& b = c.add("b");
  // a stalls 2.5 s: past its deadline (sent + 3 s - 0.75 s), not yet past the lease itself.
  c.round(2500ms, 1min, [](const std::string& n) { return n == "a"; });
  CHECK(b.owned().empty());  // the leases still stand
  c.round(250ms, 1min, [](const std::string& n) { return n == "b"; });
  CHECK(a.owned().empty());  // dropped before applying anything (its leases are still held in the log)
  CHECK(a.stats().lost == 2);
  for (int i = 0; i < 20; ++i) c.round(250ms, 1min);
  CHECK(a.owned().size() + b.owned().size() == 2);
  CHECK(a.owned().size() == 1);
  check_exclusive(c.t, c.touches);
}

TEST_CASE("worker: three workers, killed, added, stalled and failing, give each partition replay's events once") {
  constexpr std::uint32_t partitions = 16;
  cluster c(partitions);
  c.add("w1");
  c.add("w2");
  c.add("w3");
  dueday::test::stream_maker make(2026, 200);
  std::mt19937 rng(11);
  std::uint64_t published = 0;
  const auto feed = [&] {
    for (auto k = rng() % 5; k > 0; --k) {
      auto [line, case_id] = make.next(std::chrono::floor<std::chrono::seconds>(c.wall));
      const std::uint32_t p =
          case_id.empty() ? static_cast<std::uint32_t>(rng() % partitions) : dueday::partition_of(case_id, partitions);
      for (;;) {  // a feeder retries what failed
        try {
          c.t.publish_command(partition{p}, line, "");
          break;
        } catch (const dueday::cluster::transport_error&) {
        }
      }
      ++published;
    }
  };
  std::string stalled;
  int stalled_until = 0;
  for (int r = 0; r < 900; ++r) {
    if (r == 150) c.kill("w1");
    if (r == 250) c.add("w4", 5);
    if (r == 350 || r == 650) {  // a stall past the lease (3.5 s), then one past the deadline only (2.5 s)
      stalled = "w2";
      stalled_until = r + (r == 350 ? 14 : 10);
    }
    if (r == 450) c.kill("w3");
    if (r == 550) c.add("w5");
    feed();
    if (r % 37 == 0) c.t.fail_next(1 + rng() % 3);  // the workers' next calls
    // w2, first to step, resumes with its announce and renewals failing: it must not apply on.
    if (r == stalled_until) c.t.fail_next(7);
    c.round(250ms, 5min, [&](const std::string& n) { return n == stalled && r < stalled_until; });
  }
  // Quiet: no more commands, wall time frozen (no more ticks); every backlog is applied and checkpointed.
  for (int r = 0; r < 60; ++r) c.round(250ms, 0min);
  c.t.fail_next(0);
  check_events(c.t);
  check_exclusive(c.t, c.touches);
  std::uint64_t logged = 0;
  for (std::uint32_t i = 0; i < partitions; ++i) {
    const auto n = c.t.commands(partition{i}).size();
    logged += n;
    const auto cp = c.t.read_checkpoint(partition{i});
    REQUIRE(cp.has_value());
    CHECK(cp->sequence == n);
  }
  const auto s = c.total();
  MESSAGE("commands published: ", published, ", logged (with ticks): ", logged, ", applied: ", s.commands,
          ", takeovers: ", s.takeovers, ", leases lost: ", s.lost, ", transport errors: ", s.transport_errors,
          ", duplicate events dropped by the log: ", c.t.duplicate_events());
  CHECK(logged > published);    // the workers' ticks
  CHECK(s.commands >= logged);  // partitions taken over re-apply from their checkpoints
  CHECK(s.takeovers >= 10);     // w1's and w3's partitions, and w2's after its stalls
  CHECK(s.lost >= 8);           // w2 dropped its partitions twice
  CHECK(s.transport_errors > 0);
  // Each worker still stepped holds a share: ceil(16 / 3) at most, all 16 held.
  std::size_t held = 0;
  for (const auto& [name, w] : c.workers) {
    CHECK(w->owned().size() <= 6);
    held += w->owned().size();
  }
  CHECK(held == partitions);
}

TEST_CASE("worker: a partition never idle is checkpointed after checkpoint_age; stop checkpoints and releases") {
  memory_transport t({.partitions = 1, .lease_ttl = 3000ms, .dedup_window = 0});
  worker_options o;
  o.name = "busy";
  o.checkpoint_every = 1000;
  o.checkpoint_idle = 10s;
  o.checkpoint_age = 2s;
  o.tick_every = 0s;
  time_point mono{};
  o.clock = [&mono] { return mono; };
  worker w(t, dueday::test::cal(), dueday::builtin_policies(), o);
  dueday::instant wall = dueday::test::at("2026-03-02T08:00:00");
  const auto round = [&] {
    mono += 250ms;
    wall += 1min;
    t.set_now(mono);
    REQUIRE(t.publish_command(partition{0}, fmt::format(R"({{"type":"tick","at":"{}"}})", dueday::format_instant(wall)),
                              ""));
    w.step(wall);
  };
  for (int i = 0; i < 8; ++i) round();  // first applied at 250 ms, last at 2 s: not yet 2 s old
  CHECK_FALSE(t.read_checkpoint(partition{0}).has_value());
  round();  // 2.25 s: the first command not checkpointed was applied 2 s ago
  auto cp = t.read_checkpoint(partition{0});
  REQUIRE(cp.has_value());
  CHECK(cp->sequence == 9);
  round();
  round();
  w.stop();
  CHECK(w.owned().empty());
  CHECK(t.holders() == std::vector<std::string>{""});
  cp = t.read_checkpoint(partition{0});
  REQUIRE(cp.has_value());
  CHECK(cp->sequence == 11);
  CHECK(w.stats().partitions.at(0).released == 1);
  CHECK(w.stats().partitions.at(0).checkpoints == 2);
}

namespace {
const std::string open_w1 =
    R"({"type":"open","case":"W-1","at":"2026-03-02T08:00:00+08:00","policy":"kunming-water-490","variant":"no-external"})";
const std::string start_w1 = R"({"type":"start","case":"W-1","step":"survey","at":"2026-03-02T08:00:00+08:00"})";
bool is_write(std::string_view what) {
  return what == "publish_events" || what == "write_checkpoint" || what == "publish_command";
}
}  // namespace

TEST_CASE("worker: after a call that outlasted its lease, the worker writes nothing more for the partition") {
  cluster c(1);
  const partition p{0};
  worker& a = c.add("a");
  for (int i = 0; i < 4; ++i) c.round(250ms, 0min);
  REQUIRE(a.owned().size() == 1);
  worker& b = c.add("b");
  REQUIRE(c.t.publish_command(p, open_w1, ""));
  const std::uint64_t applied = a.stats().commands;  // its own tick at 08:00
  bool slow = true;
  std::size_t from = 0;
  c.views["a"]->before = [&](std::string_view what, partition) {
    if (what != "read_commands" || !slow) return;
    slow = false;
    // The read takes 3.5 s: a's lease (renewed at most 1 s ago, for 3 s) expires meanwhile, and b
    // takes the partition over, applies the open and publishes its events; then a start comes.
    for (int i = 0; i < 14; ++i) c.round(250ms, 0min, [](const std::string& n) { return n == "a"; });
    CHECK(b.owned().size() == 1);
    CHECK(c.t.publish_command(p, start_w1, ""));
    from = c.touches.size();
  };
  c.round(250ms, 0min);  // a's read comes back with the open and the start, 3.5 s late
  REQUIRE_FALSE(slow);
  for (std::size_t i = from; i < c.touches.size(); ++i) {
    CAPTURE(c.touches[i].what);
    CHECK_FALSE((c.touches[i].worker == "a" && is_write(c.touches[i].what)));
  }
  CHECK(a.owned().empty());
  CHECK(a.stats().commands == applied);  // applied nothing more: past its deadline
  CHECK(a.stats().partitions.at(0).lost == 1);
  for (int i = 0; i < 12; ++i) c.round(250ms, 0min);
  CHECK(b.owned().size() == 1);
  check_events(c.t);
}

TEST_CASE("worker: a checkpoint that reaches the log after a newer owner's is refused, and the partition dropped") {
  cluster c(1);
  const partition p{0};
  REQUIRE(c.t.publish_command(p, open_w1, ""));
  worker& a = c.add("a");
  c.round(250ms, 0min);  // a applies the open (and publishes a tick at 08:00, applied next round)
  worker& b = c.add("b");
  bool slow = true;
  c.views["a"]->before = [&](std::string_view what, partition) {
    if (what != "write_checkpoint" || !slow) return;
    slow = false;
    // This write takes 7 s (far longer than any call may: the fence's case). Meanwhile b takes the
    // partition over, applies a start too, and checkpoints 2 s after (checkpoint_idle).
    CHECK(c.t.publish_command(p, start_w1, ""));
    for (int i = 0; i < 28; ++i) c.round(250ms, 0min, [](const std::string& n) { return n == "a"; });
    CHECK(b.owned().size() == 1);
    CHECK(b.stats().partitions.at(0).checkpoints == 1);
  };
  for (int i = 0; i < 12 && slow; ++i) c.round(250ms, 0min);  // a checkpoints 2 s after its last command
  REQUIRE_FALSE(slow);
  const auto logged = c.t.commands(p);
  REQUIRE(logged.size() == 3);  // the open, a's tick, the start (b's tick at the same second: dropped)
  const auto cp = c.t.read_checkpoint(p);
  REQUIRE(cp.has_value());
  CHECK(cp->sequence == 3);  // b's, not a's (after 2)
  CHECK(a.owned().empty());
  CHECK(a.stats().partitions.at(0).lost == 1);
  CHECK(a.stats().partitions.at(0).checkpoints == 0);
  check_events(c.t);
}

TEST_CASE("worker: a renew applied whose answer was lost keeps the lease (the next renew recovers it)") {
  cluster c(2);
  worker& a = c.add("a");
  for (int i = 0; i < 4; ++i) c.round(250ms, 0min);
  REQUIRE(a.owned().size() == 2);
  c.views["a"]->lost_renew_replies = 2;  // both partitions' next renews
  for (int i = 0; i < 20; ++i) c.round(250ms, 0min);
  CHECK(c.views["a"]->lost_renew_replies == 0);
  CHECK(a.owned().size() == 2);
  CHECK(a.stats().lost == 0);
  CHECK(a.stats().transport_errors == 2);
  CHECK(c.t.lease_history().size() == 2);  // held all along: never acquired again
  check_exclusive(c.t, c.touches);
}

TEST_CASE("worker: lease_margin must outlast one call and end before the renew; a clock is required") {
  memory_transport t({.partitions = 1, .lease_ttl = 3000ms, .dedup_window = 0, .call_timeout = 800ms});
  worker_options o;
  o.name = "w";
  o.clock = [] { return time_point{}; };
  const auto make = [&] { worker w(t, dueday::test::cal(), dueday::builtin_policies(), o); };
  // 0: 3000 / 4 = 750 ms, not more than a call's 800 ms; the renew comes 1000 ms after, so at most 1999.
  const char* range =
      "dueday::cluster::worker: lease_margin {} ms must be more than the transport's call timeout (800 ms) and less "
      "than lease_ttl - lease_ttl / 3 (2000 ms)";
  CHECK_THROWS_WITH_AS(make(), fmt::format(fmt::runtime(range), 750).c_str(), std::invalid_argument);
  o.lease_margin = 800ms;
  CHECK_THROWS_WITH_AS(make(), fmt::format(fmt::runtime(range), 800).c_str(), std::invalid_argument);
  o.lease_margin = 801ms;
  CHECK_NOTHROW(make());
  o.lease_margin = 1999ms;
  CHECK_NOTHROW(make());
  o.lease_margin = 2000ms;
  CHECK_THROWS_WITH_AS(make(), fmt::format(fmt::runtime(range), 2000).c_str(), std::invalid_argument);
  o.lease_margin = 1000ms;
  o.clock = nullptr;
  CHECK_THROWS_WITH_AS(make(), "dueday::cluster::worker: no clock given", std::invalid_argument);
}
