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
  bool gone = false;  // past its deadline, or its lease refused: dropped at the end of the step
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
  // What a call for the partition may take: no attempt starts at or after the deadline.
  [[nodiscard]] call_limit limit(const owned_partition& o) const { return {deadline(o), options.clock}; }
  // Whether the partition may still be written for now; when not, it is marked to be dropped.
  bool held(owned_partition& o) {
    if (!o.gone && options.clock() >= deadline(o)) o.gone = true;
    return !o.gone;
  }
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

  // Drops every partition marked gone.
  void drop_gone() {
    for (auto it = owned.begin(); it != owned.end();) {
      if (!it->second.gone) {
        ++it;
        continue;
      }
      ++counts(it->second.p).lost;
      ++stats.lost;
      it = owned.erase(it);
    }
  }

  void step(instant wall_now) {
    const time_point mono_now = options.clock();
    if (!announced || mono_now - *announced >= renew_after()) {
      if (guarded([&] { log.announce(options.name); })) announced = mono_now;
    }
    expire();
    renew();
    balance();
    for (auto& [index, o] : owned) run(o, wall_now);
    drop_gone();
  }

  // Stops applying every partition whose lease could have expired by now.
  void expire() {
    for (auto& entry : owned) (void)held(entry.second);
    drop_gone();
  }

  void renew() {
    for (auto& entry : owned) {
      owned_partition& o = entry.second;  // not a structured binding: the lambda below captures it
      const time_point sent = options.clock();
      if (sent - o.sent < renew_after() || !held(o)) continue;
      std::optional<lease> l;
      if (!guarded([&] { l = log.renew(o.p, options.name, o.held, limit(o)); })) continue;  // holds until its deadline
      if (!l) {
        o.gone = true;
        continue;
      }
      o.held = *l;
      o.sent = sent;
    }
    drop_gone();
  }

  // Gives up the partitions over the fair share, takes free ones up to it.
  void balance() {
    std::vector<std::string> live;
    if (!guarded([&] { live = log.live_workers(); })) return;
    const bool listed = std::find(live.begin(), live.end(), options.name) != live.end();
    const std::size_t workers = live.size() + (listed ? 0 : 1);
    const std::uint32_t total = log.partitions();
    std::size_t share = (total + workers - 1) / workers;
    if (options.max_partitions != 0) share = std::min<std::size_t>(share, options.max_partitions);
    while (owned.size() > share) {
      const auto last = std::prev(owned.end());
      if (!give_up(last->second)) break;
      if (last->second.gone) {
        drop_gone();
      } else {
        ++counts(last->second.p).released;
        owned.erase(last);
      }
    }
    if (owned.size() >= share) return;
    std::vector<std::string> holders;
    if (!guarded([&] { holders = log.holders(); })) return;
    const auto start = static_cast<std::uint32_t>(fnv1a_64(options.name) % total);
    for (std::uint32_t i = 0; i < total && owned.size() < share; ++i) {
      const std::uint32_t q = (start + i) % total;
      if (q >= holders.size() || !holders[q].empty() || owned.count(q) != 0) continue;
      std::optional<lease> l;
      const time_point sent = options.clock();
      if (!guarded([&] { l = log.acquire(partition{q}, options.name); }) || !l) continue;
      owned_partition& o = owned[q];
      o.p = partition{q};
      o.held = *l;
      o.sent = sent;
      ++counts(o.p).acquired;
      load(o);
    }
  }

  // Publishes what is pending, checkpoints and releases; false when a call failed (kept then). A
  // partition past its deadline (or whose checkpoint a newer owner's refused) is marked gone.
  bool give_up(owned_partition& o) {
    if (!held(o)) return true;
    if (o.runner) {
      if (!publish(o)) return o.gone;
      if (o.since_checkpoint != 0 && !write_checkpoint(o)) return o.gone;
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
    if (!held(o)) return false;
    std::size_t dropped = 0;
    if (!guarded([&] { dropped = log.publish_events(o.p, o.pending, limit(o)); })) return false;
    partition_stats& c = counts(o.p);
    c.events += o.pending.size();
    c.duplicates += dropped;
    stats.events += o.pending.size();
    stats.duplicates += dropped;
    o.pending.clear();
    return true;
  }

  // false when not written; refused (a newer owner's checkpoint is there): the partition is gone.
  bool write_checkpoint(owned_partition& o) {
    if (!held(o)) return false;
    bool written = false;
    if (!guarded([&] { written = log.write_checkpoint(o.p, o.runner->checkpoint(), o.held, limit(o)); })) return false;
    if (!written) {
      o.gone = true;
      return false;
    }
    o.since_checkpoint = 0;
    ++counts(o.p).checkpoints;
    return true;
  }

  void run(owned_partition& o, instant wall_now) {
    if (!held(o)) return;
    if (!o.runner) load(o);
    if (!o.runner || !publish(o)) return;
    std::vector<logged_command> got;
    if (!guarded([&] {
          got = log.read_commands(o.p, o.runner->sequence(), options.read_batch, options.read_wait, limit(o));
        })) {
      return;
    }
    if (!got.empty()) {
      if (!held(o)) return;  // the read took the partition's remaining time
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
      const time_point applied_at = options.clock();
      if (o.since_checkpoint == 0) o.first_unchecked = applied_at;
      o.since_checkpoint += applied;
      o.last_applied = applied_at;
      if (!publish(o)) return;
    }
    o.first_read = false;
    if (got.size() < options.read_batch) tick(o, wall_now);
    const time_point now = options.clock();
    const bool by_count = options.checkpoint_every != 0 && o.since_checkpoint >= options.checkpoint_every;
    const bool by_idle = now - o.last_applied >= options.checkpoint_idle;
    const bool by_age = options.checkpoint_age > milliseconds(0) && now - o.first_unchecked >= options.checkpoint_age;
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
    if (!held(o)) return;
    const std::string json = fmt::format(R"({{"type":"tick","at":"{}"}})", format_instant(at));
    const std::string id = fmt::format("tick-{}-{}", o.p.index, at.time_since_epoch().count());
    bool stored = false;
    if (!guarded([&] { stored = log.publish_command(o.p, json, id, limit(o)); })) return;
    o.last_tick = at;
    if (stored) ++counts(o.p).ticks;
  }

  void stop() {
    expire();
    for (auto& [index, o] : owned) {
      if (give_up(o) && !o.gone) ++counts(o.p).released;
    }
    drop_gone();
    owned.clear();
  }
};

worker::worker(transport& log, calendar cal, policy_set policies, worker_options options) {
  if (options.name.empty()) throw std::invalid_argument("dueday::cluster::worker: the name is empty");
  if (options.read_batch == 0) throw std::invalid_argument("dueday::cluster::worker: read_batch must be at least 1");
  if (!options.clock) throw std::invalid_argument("dueday::cluster::worker: no clock given");
  p_ = std::make_unique<impl>(log, std::move(cal), std::move(policies), std::move(options));
  const milliseconds ttl = p_->ttl();
  const milliseconds margin = p_->margin();
  const milliseconds call = log.call_timeout();
  if (margin <= call || margin >= ttl - p_->renew_after()) {
    throw std::invalid_argument(fmt::format(
        "dueday::cluster::worker: lease_margin {} ms must be more than the transport's call timeout ({} ms) and less "
        "than lease_ttl - lease_ttl / 3 ({} ms)",
        margin.count(), call.count(), (ttl - p_->renew_after()).count()));
  }
}
worker::~worker() = default;

void worker::step(instant wall_now) { p_->step(wall_now); }
void worker::stop() { p_->stop(); }

std::vector<partition> worker::owned() const {
  std::vector<partition> out;
  for (const auto& [index, o] : p_->owned) out.push_back(o.p);
  return out;
}

const worker_stats& worker::stats() const noexcept { return p_->stats; }
const worker_options& worker::options() const noexcept { return p_->options; }

}  // namespace dueday::cluster
