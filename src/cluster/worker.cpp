// worker: leases, fair shares and the apply loop over a transport (see worker.hpp for the rules).
#include "cluster/worker.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <optional>
#include <stdexcept>
#include <utility>

#include "cluster/partition_runner.hpp"
#include "dueday/error.hpp"
#include "dueday/format.hpp"
#include "dueday/partition.hpp"

namespace dueday::cluster {

namespace {

using time_point = std::chrono::steady_clock::time_point;
using std::chrono::milliseconds;

struct owned_partition {
  partition p;
  lease held;
  time_point sent{};                       // when the last successful acquire or renew was sent
  std::optional<partition_runner> runner;  // nullopt until loaded
  std::vector<keyed_event> pending;        // events applied but not yet published
  std::uint64_t since_checkpoint = 0;      // commands applied since the last checkpoint
  time_point last_applied{};
  time_point first_unchecked{};      // when the first command since the last checkpoint was applied
  std::optional<instant> last_tick;  // the last tick this worker published here
  bool takeover_counted = false;
  bool first_read = true;
};

}  // namespace

struct worker::impl {
  impl(transport& t, calendar c, policy_set p, worker_options o)
      : log(t), cal(std::move(c)), policies(std::move(p)), options(std::move(o)) {}

  transport& log;
  calendar cal;
  policy_set policies;
  worker_options options;
  worker_stats stats;
  std::map<std::uint32_t, owned_partition> owned;
  std::optional<time_point> announced;

  [[nodiscard]] milliseconds ttl() const { return log.lease_ttl(); }
  [[nodiscard]] milliseconds margin() const {
    return options.lease_margin > milliseconds(0) ? options.lease_margin : ttl() / 4;
  }
  [[nodiscard]] milliseconds renew_after() const { return ttl() / 3; }
  [[nodiscard]] time_point deadline(const owned_partition& o) const { return o.sent + ttl() - margin(); }
  partition_stats& counts(partition p) { return stats.partitions[p.index]; }

  void failed(const error& x) {
    ++stats.transport_errors;
    stats.last_error = x.what();
  }
  // Runs one transport call; false (counted) when it threw transport_error.
  bool guarded(const std::function<void()>& call) {
    try {
      call();
      return true;
    } catch (const transport_error& x) {
      failed(x);
      return false;
    }
  }

  void drop(std::uint32_t index) {
    ++counts(partition{index}).lost;
    ++stats.lost;
    owned.erase(index);
  }

  void step(instant wall_now, time_point mono_now) {
    if (!announced || mono_now - *announced >= renew_after()) {
      if (guarded([&] { log.announce(options.name); })) announced = mono_now;
    }
    expire(mono_now);
    renew(mono_now);
    balance(mono_now);
    for (auto& [index, o] : owned) run(o, wall_now, mono_now);
  }

  // Stops applying every partition whose lease could have expired by now.
  void expire(time_point mono_now) {
    std::vector<std::uint32_t> gone;
    for (const auto& [index, o] : owned)
      if (mono_now >= deadline(o)) gone.push_back(index);
    for (const std::uint32_t index : gone) drop(index);
  }

  void renew(time_point mono_now) {
    std::vector<std::uint32_t> gone;
    for (auto& entry : owned) {
      owned_partition& o = entry.second;  // not a structured binding: the lambda below captures it
      if (mono_now - o.sent < renew_after()) continue;
      std::optional<lease> l;
      if (!guarded([&] { l = log.renew(o.p, options.name, o.held); })) continue;  // holds until its deadline
      if (!l) {
        gone.push_back(entry.first);
        continue;
      }
      o.held = *l;
      o.sent = mono_now;
    }
    for (const std::uint32_t index : gone) drop(index);
  }

  // Gives up the partitions over the fair share, takes free ones up to it.
  void balance(time_point mono_now) {
    std::vector<std::string> live;
    if (!guarded([&] { live = log.live_workers(); })) return;
    const bool listed = std::find(live.begin(), live.end(), options.name) != live.end();
    const std::size_t workers = live.size() + (listed ? 0 : 1);
    const std::uint32_t total = log.partitions();
    std::size_t share = (total + workers - 1) / workers;
    if (options.max_partitions != 0) share = std::min<std::size_t>(share, options.max_partitions);
    while (owned.size() > share) {
      const auto last = std::prev(owned.end());
      if (!give_up(last->second, mono_now)) break;
      ++counts(last->second.p).released;
      owned.erase(last);
    }
    if (owned.size() >= share) return;
    std::vector<std::string> holders;
    if (!guarded([&] { holders = log.holders(); })) return;
    const auto start = static_cast<std::uint32_t>(fnv1a_64(options.name) % total);
    for (std::uint32_t i = 0; i < total && owned.size() < share; ++i) {
      const std::uint32_t q = (start + i) % total;
      if (q >= holders.size() || !holders[q].empty() || owned.count(q) != 0) continue;
      std::optional<lease> l;
      if (!guarded([&] { l = log.acquire(partition{q}, options.name); }) || !l) continue;
      owned_partition& o = owned[q];
      o.p = partition{q};
      o.held = *l;
      o.sent = mono_now;
      ++counts(o.p).acquired;
      load(o);
    }
  }

  // Publishes what is pending, checkpoints and releases; false when a call failed (kept then).
  bool give_up(owned_partition& o, time_point mono_now) {
    if (mono_now >= deadline(o)) return true;  // dropped by expire() next step anyway
    if (o.runner) {
      if (!publish(o)) return false;
      if (o.since_checkpoint != 0 && !write_checkpoint(o)) return false;
    }
    (void)guarded([&] { log.release(o.p, o.held); });  // if this failed, the lease expires
    return true;
  }

  // The partition's runner from its checkpoint, or empty; left unloaded (tried again next step)
  // when the checkpoint cannot be read or restored.
  void load(owned_partition& o) {
    try {
      std::optional<partition_checkpoint> c = log.read_checkpoint(o.p);
      if (c) {
        o.runner.emplace(*c, cal, policies, options.engine);
        o.takeover_counted = true;
        ++counts(o.p).takeovers;
        ++stats.takeovers;
      } else {
        o.runner.emplace(cal, policies, options.engine);
      }
    } catch (const error& x) {  // transport_error, or a snapshot restore() refused
      failed(x);
    }
  }

  bool publish(owned_partition& o) {
    if (o.pending.empty()) return true;
    std::size_t dropped = 0;
    if (!guarded([&] { dropped = log.publish_events(o.p, o.pending); })) return false;
    partition_stats& c = counts(o.p);
    c.events += o.pending.size();
    c.duplicates += dropped;
    stats.events += o.pending.size();
    stats.duplicates += dropped;
    o.pending.clear();
    return true;
  }

  bool write_checkpoint(owned_partition& o) {
    if (!guarded([&] { log.write_checkpoint(o.p, o.runner->checkpoint()); })) return false;
    o.since_checkpoint = 0;
    ++counts(o.p).checkpoints;
    return true;
  }

  void run(owned_partition& o, instant wall_now, time_point mono_now) {
    if (!o.runner) load(o);
    if (!o.runner || !publish(o)) return;
    std::vector<logged_command> got;
    if (!guarded([&] { got = log.read_commands(o.p, o.runner->sequence(), options.read_batch, options.read_wait); })) {
      return;
    }
    if (!got.empty()) {
      if (o.first_read && !o.takeover_counted) {
        o.takeover_counted = true;
        ++counts(o.p).takeovers;
        ++stats.takeovers;
      }
      const std::uint64_t before = o.runner->commands();
      try {
        o.pending = o.runner->apply(got);
      } catch (...) {  // the runner is of no further use: the next step reloads the checkpoint
        o.runner.reset();
        o.pending.clear();
        o.since_checkpoint = 0;
        throw;
      }
      const std::uint64_t applied = o.runner->commands() - before;
      counts(o.p).commands += applied;
      stats.commands += applied;
      if (o.since_checkpoint == 0) o.first_unchecked = mono_now;
      o.since_checkpoint += applied;
      o.last_applied = mono_now;
      if (!publish(o)) return;
    }
    o.first_read = false;
    if (got.size() < options.read_batch) tick(o, wall_now);
    const bool by_count = options.checkpoint_every != 0 && o.since_checkpoint >= options.checkpoint_every;
    const bool by_idle = mono_now - o.last_applied >= options.checkpoint_idle;
    const bool by_age =
        options.checkpoint_age > milliseconds(0) && mono_now - o.first_unchecked >= options.checkpoint_age;
    if (o.since_checkpoint != 0 && (by_count || by_idle || by_age)) (void)write_checkpoint(o);
  }

  // Publishes a tick at the wall time's second when one is due (see worker.hpp).
  void tick(owned_partition& o, instant wall_now) {
    if (!options.ticks) return;
    const instant at = std::chrono::floor<std::chrono::seconds>(wall_now);
    const dueday::engine& e = o.runner->engine();
    if (at < e.now() || (o.last_tick && at <= *o.last_tick)) return;
    const std::optional<instant> next = e.next_due();
    const bool due = next && *next <= at;
    const bool periodic =
        options.tick_every > std::chrono::seconds(0) && (!o.last_tick || at - *o.last_tick >= options.tick_every);
    if (!due && !periodic) return;
    const std::string json = fmt::format(R"({{"type":"tick","at":"{}"}})", format_instant(at));
    const std::string id = fmt::format("tick-{}-{}", o.p.index, at.time_since_epoch().count());
    bool stored = false;
    if (!guarded([&] { stored = log.publish_command(o.p, json, id); })) return;
    o.last_tick = at;
    if (stored) ++counts(o.p).ticks;
  }

  void stop(time_point mono_now) {
    expire(mono_now);
    for (auto& [index, o] : owned) {
      if (give_up(o, mono_now)) ++counts(o.p).released;
    }
    owned.clear();
  }
};

worker::worker(transport& log, calendar cal, policy_set policies, worker_options options) {
  if (options.name.empty()) throw std::invalid_argument("dueday::cluster::worker: the name is empty");
  if (options.read_batch == 0) throw std::invalid_argument("dueday::cluster::worker: read_batch must be at least 1");
  p_ = std::make_unique<impl>(log, std::move(cal), std::move(policies), std::move(options));
}
worker::~worker() = default;

void worker::step(instant wall_now, std::chrono::steady_clock::time_point mono_now) { p_->step(wall_now, mono_now); }
void worker::stop(std::chrono::steady_clock::time_point mono_now) { p_->stop(mono_now); }

std::vector<partition> worker::owned() const {
  std::vector<partition> out;
  for (const auto& [index, o] : p_->owned) out.push_back(o.p);
  return out;
}

const worker_stats& worker::stats() const noexcept { return p_->stats; }
const worker_options& worker::options() const noexcept { return p_->options; }

}  // namespace dueday::cluster
