// The cluster tests' simulation (cluster_worker_test.cpp): workers on one in-memory transport,
// each through a view that notes its touches of the partitions' logs, driven by a simulated
// clock; and the checks every such run must pass (events exactly replay's, no partition applied
// by two workers at once).
#pragma once

#include <doctest/doctest.h>
#include <dueday/policy.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/memory_transport.hpp"
#include "cluster/worker.hpp"
#include "cluster_support.hpp"
#include "support.hpp"

namespace dueday::test::cluster_sim {

using namespace std::chrono_literals;
using dueday::cluster::call_limit;
using dueday::cluster::keyed_event;
using dueday::cluster::lease;
using dueday::cluster::logged_command;
using dueday::cluster::memory_transport;
using dueday::cluster::partition;
using dueday::cluster::partition_checkpoint;
using dueday::cluster::worker;
using dueday::cluster::worker_options;
using time_point = std::chrono::steady_clock::time_point;

// A worker's touch of a partition's logs: when, what.
struct touch {
  std::string worker;
  partition p;
  time_point at;
  std::string_view what;
};

// One worker's view of the shared memory transport, noting each time it reads or writes a
// partition's logs, by the simulated time when the call reaches the log. `before` (when set) runs
// first in each call on a partition's logs: a slow call moves the time on there, and other workers
// may step meanwhile. `lost_renew_replies`: that many renews are applied, and their answers lost.
class recording_transport final : public dueday::cluster::transport {
 public:
  recording_transport(memory_transport& t, std::string name, const time_point& now, std::vector<touch>& touches)
      : t_(t), name_(std::move(name)), now_(now), touches_(touches) {}
  const std::string& name() const noexcept override { return t_.name(); }
  std::uint32_t partitions() const noexcept override { return t_.partitions(); }
  std::chrono::milliseconds call_timeout() const noexcept override { return t_.call_timeout(); }
  bool publish_command(partition p, std::string_view json, std::string_view id, const call_limit& l) override {
    note(p, "publish_command", l);
    return t_.publish_command(p, json, id, l);
  }
  std::vector<logged_command> read_commands(partition p, std::uint64_t s, std::size_t max,
                                            std::chrono::milliseconds wait, const call_limit& l) override {
    note(p, "read_commands", l);
    return t_.read_commands(p, s, max, wait, l);
  }
  std::size_t publish_events(partition p, std::span<const keyed_event> events, const call_limit& l) override {
    note(p, "publish_events", l);
    return t_.publish_events(p, events, l);
  }
  bool write_checkpoint(partition p, const partition_checkpoint& c, lease held, const call_limit& l) override {
    note(p, "write_checkpoint", l);
    return t_.write_checkpoint(p, c, held, l);
  }
  std::optional<partition_checkpoint> read_checkpoint(partition p) override { return t_.read_checkpoint(p); }
  std::optional<lease> acquire(partition p, std::string_view w) override {
    auto l = t_.acquire(p, w);
    if (l) note(p, "acquire", {});
    return l;
  }
  std::optional<lease> renew(partition p, std::string_view w, lease held, const call_limit& l) override {
    auto renewed = t_.renew(p, w, held, l);
    if (renewed && lost_renew_replies > 0) {
      --lost_renew_replies;
      throw dueday::cluster::transport_error("transport memory: the answer was lost");
    }
    return renewed;
  }
  void release(partition p, lease held) override {
    t_.release(p, held);
    note(p, "release", {});
  }
  std::vector<std::string> holders() override { return t_.holders(); }
  std::chrono::milliseconds lease_ttl() const noexcept override { return t_.lease_ttl(); }
  void announce(std::string_view w) override { t_.announce(w); }
  std::vector<std::string> live_workers() override { return t_.live_workers(); }

  std::function<void(std::string_view what, partition p)> before;
  int lost_renew_replies = 0;

 private:
  void note(partition p, const char* what, const call_limit& l) {
    // A call on a partition's logs starts before its limit: the worker gives its lease's deadline.
    if (std::string_view{what} != "acquire" && std::string_view{what} != "release") {
      CHECK(static_cast<bool>(l.clock));
      CHECK(l.deadline > now_);
    }
    if (before) before(what, p);
    touches_.push_back({name_, p, now_, what});
  }
  memory_transport& t_;
  std::string name_;
  const time_point& now_;
  std::vector<touch>& touches_;
};

// Every touch of a partition's logs fell inside a lease its worker held then, and no two workers'
// holdings of one partition overlap: no partition was ever applied by two workers at once.
inline void check_exclusive(const memory_transport& t, const std::vector<touch>& touches) {
  const auto history = t.lease_history();
  for (std::size_t i = 0; i < history.size(); ++i) {
    for (std::size_t j = i + 1; j < history.size(); ++j) {
      const auto& a = history[i];
      const auto& b = history[j];
      if (a.p != b.p) continue;
      CAPTURE(a.p.index);
      CHECK((a.until <= b.from || b.until <= a.from));
    }
  }
  std::size_t outside = 0;
  // By time: within a holding, its end included only for one ended by its release (the worker's
  // last touches come before its release, at the same instant).
  for (const touch& x : touches) {
    if (x.what == "acquire" || x.what == "release") continue;
    bool held = false;
    for (const auto& h : history) {
      held = held || (h.p == x.p && h.worker == x.worker && h.from <= x.at &&
                      (x.at < h.until || (h.released && x.at == h.until)));
    }
    if (!held) ++outside;
  }
  // By the order of the calls: only the last worker that acquired a partition, and has not
  // released it, touches it.
  std::map<std::uint32_t, std::string> owner;
  for (const touch& x : touches) {
    if (x.what == "acquire") {
      owner[x.p.index] = x.worker;
    } else if (x.what == "release") {
      CHECK(owner[x.p.index] == x.worker);
      owner[x.p.index].clear();
    } else if (owner[x.p.index] != x.worker) {
      ++outside;
    }
  }
  CHECK(outside == 0);
}

// Every partition's events are exactly replay's of its commands, and its checkpoint covers them all.
inline void check_events(const memory_transport& t) {
  for (std::uint32_t i = 0; i < t.partitions(); ++i) {
    CAPTURE(i);
    std::vector<std::string> lines;
    for (const logged_command& c : t.commands(partition{i})) lines.push_back(c.json);
    std::vector<std::string> got;
    for (const keyed_event& e : t.events(partition{i})) got.push_back(e.json);
    CHECK(got == dueday::test::replay_lines(lines, dueday::test::cal(), dueday::builtin_policies()));
  }
}

// The simulation: the transport, the workers (each on its recording view) and the clocks.
struct cluster {
  explicit cluster(std::uint32_t partitions) : t({.partitions = partitions, .lease_ttl = 3000ms, .dedup_window = 0}) {}
  memory_transport t;
  time_point mono{};
  dueday::instant wall = dueday::test::at("2026-03-02T08:00:00");
  std::vector<touch> touches;
  std::map<std::string, std::unique_ptr<recording_transport>> views;
  std::map<std::string, std::unique_ptr<worker>> workers;  // those stepped
  std::map<std::string, std::unique_ptr<worker>> dead;

  worker& add(const std::string& name, std::uint32_t max_partitions = 0) {
    views[name] = std::make_unique<recording_transport>(t, name, mono, touches);
    worker_options o;
    o.name = name;
    o.max_partitions = max_partitions;
    o.checkpoint_every = 40;
    o.checkpoint_idle = 2s;
    o.tick_every = 30min;
    o.read_batch = 20;
    o.clock = [this] { return mono; };
    return *(workers[name] =
                 std::make_unique<worker>(*views[name], dueday::test::cal(), dueday::builtin_policies(), o));
  }
  void kill(const std::string& name) {
    dead[name] = std::move(workers[name]);
    workers.erase(name);
  }
  // One round: the clocks move on, then each worker not stalled steps.
  void round(std::chrono::milliseconds mono_step, std::chrono::minutes wall_step,
             const std::function<bool(const std::string&)>& stalled = nullptr) {
    mono += mono_step;
    wall += wall_step;
    t.set_now(mono);
    for (auto& [name, w] : workers)
      if (!stalled || !stalled(name)) w->step(wall);
  }
  [[nodiscard]] dueday::cluster::worker_stats total() const {
    dueday::cluster::worker_stats s;
    for (const auto* m : {&workers, &dead}) {
      for (const auto& [name, w] : *m) {
        s.commands += w->stats().commands;
        s.takeovers += w->stats().takeovers;
        s.lost += w->stats().lost;
        s.transport_errors += w->stats().transport_errors;
      }
    }
    return s;
  }
};

}  // namespace dueday::test::cluster_sim
