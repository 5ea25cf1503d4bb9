// memory_transport: the logs as vectors, de-duplication as a set plus the order ids were stored
// in (to forget the oldest when the window is bounded), leases judged by the test's time.
#include "cluster/memory_transport.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <stdexcept>
#include <unordered_set>
#include <utility>

namespace dueday::cluster {

namespace {

using time_point = std::chrono::steady_clock::time_point;

// The ids (keys) a log remembers: all, or the last `window` stored.
class dedup {
 public:
  explicit dedup(std::size_t window) : window_(window) {}
  // Whether `id` is new; records it when it is.
  bool insert(const std::string& id) {
    if (!seen_.insert(id).second) return false;
    if (window_ != 0) {
      order_.push_back(id);
      if (order_.size() > window_) {
        seen_.erase(order_.front());
        order_.pop_front();
      }
    }
    return true;
  }

 private:
  std::size_t window_;
  std::unordered_set<std::string> seen_;
  std::deque<std::string> order_;
};

struct held_lease {
  std::string holder;  // "" when never held or released
  std::uint64_t revision = 0;
  time_point expires{};
  std::size_t history = 0;  // index of the holding in the history
};

struct one_partition {
  explicit one_partition(std::size_t window) : command_ids(window), event_keys(window) {}
  std::vector<logged_command> commands;
  std::vector<keyed_event> events;
  dedup command_ids;
  dedup event_keys;
  std::optional<partition_checkpoint> checkpoint;
  std::uint64_t checkpoint_lease = 0;  // the revision of the lease it was written under
  held_lease lease;
};

}  // namespace

struct memory_transport::impl {
  explicit impl(const memory_transport_options& o) : options(o) {
    for (std::uint32_t i = 0; i < o.partitions; ++i) parts.emplace_back(o.dedup_window);
  }
  memory_transport_options options;
  std::string name = "memory";
  std::vector<one_partition> parts;
  time_point now{};
  std::size_t failures = 0;
  std::uint64_t revision = 0;
  std::size_t duplicate_commands = 0;
  std::size_t duplicate_events = 0;
  std::map<std::string, time_point, std::less<>> announced;
  std::vector<lease_holding> history;

  one_partition& at(partition p) {
    if (p.index >= parts.size()) {
      throw std::out_of_range("memory_transport: partition " + std::to_string(p.index) + " out of range");
    }
    return parts[p.index];
  }
  // Every interface call: throws when a failure was injected.
  void call() {
    if (failures == 0) return;
    --failures;
    throw transport_error("transport memory: injected failure");
  }
  [[nodiscard]] bool live(const held_lease& l) const { return !l.holder.empty() && now < l.expires; }
};

memory_transport::memory_transport(memory_transport_options options) {
  if (options.partitions == 0) throw std::invalid_argument("memory_transport: partitions must be at least 1");
  if (options.lease_ttl < std::chrono::milliseconds(1)) {
    throw std::invalid_argument("memory_transport: lease_ttl must be at least 1 ms");
  }
  p_ = std::make_unique<impl>(options);
}
memory_transport::~memory_transport() = default;

const std::string& memory_transport::name() const noexcept { return p_->name; }
std::uint32_t memory_transport::partitions() const noexcept { return p_->options.partitions; }
std::chrono::milliseconds memory_transport::lease_ttl() const noexcept { return p_->options.lease_ttl; }
std::chrono::milliseconds memory_transport::call_timeout() const noexcept { return p_->options.call_timeout; }

bool memory_transport::publish_command(partition p, std::string_view json, std::string_view id,
                                       const call_limit& /*limit*/) {
  const std::lock_guard lock(m_);
  p_->call();
  one_partition& part = p_->at(p);
  if (!id.empty() && !part.command_ids.insert(std::string(id))) {
    ++p_->duplicate_commands;
    return false;
  }
  part.commands.push_back({part.commands.size() + 1, std::string(json)});
  return true;
}

std::vector<logged_command> memory_transport::read_commands(partition p, std::uint64_t sequence, std::size_t max,
                                                            std::chrono::milliseconds /*wait*/,
                                                            const call_limit& /*limit*/) {
  const std::lock_guard lock(m_);
  p_->call();
  const one_partition& part = p_->at(p);
  std::vector<logged_command> out;
  for (std::uint64_t s = sequence; s < part.commands.size() && out.size() < max; ++s) out.push_back(part.commands[s]);
  return out;
}

std::size_t memory_transport::publish_events(partition p, std::span<const keyed_event> events,
                                             const call_limit& /*limit*/) {
  const std::lock_guard lock(m_);
  p_->call();
  one_partition& part = p_->at(p);
  std::size_t dropped = 0;
  for (const keyed_event& e : events) {
    if (part.event_keys.insert(e.key)) {
      part.events.push_back(e);
    } else {
      ++dropped;
    }
  }
  p_->duplicate_events += dropped;
  return dropped;
}

bool memory_transport::write_checkpoint(partition p, const partition_checkpoint& c, lease held,
                                        const call_limit& /*limit*/) {
  const std::lock_guard lock(m_);
  p_->call();
  one_partition& part = p_->at(p);
  if (part.checkpoint && part.checkpoint_lease > held.revision) return false;
  part.checkpoint = c;
  part.checkpoint_lease = held.revision;
  return true;
}

std::optional<partition_checkpoint> memory_transport::read_checkpoint(partition p) {
  const std::lock_guard lock(m_);
  p_->call();
  return p_->at(p).checkpoint;
}

std::optional<lease> memory_transport::acquire(partition p, std::string_view worker) {
  const std::lock_guard lock(m_);
  p_->call();
  held_lease& l = p_->at(p).lease;
  if (p_->live(l)) return std::nullopt;
  l.holder = std::string(worker);
  l.revision = ++p_->revision;
  l.expires = p_->now + p_->options.lease_ttl;
  l.history = p_->history.size();
  p_->history.push_back({p, l.holder, p_->now, l.expires, false});
  return lease{l.revision};
}

std::optional<lease> memory_transport::renew(partition p, std::string_view worker, lease held,
                                             const call_limit& /*limit*/) {
  const std::lock_guard lock(m_);
  p_->call();
  held_lease& l = p_->at(p).lease;
  // An older revision of the worker's own: a renew whose answer was lost came first.
  if (!p_->live(l) || l.holder != worker || l.revision < held.revision) return std::nullopt;
  l.revision = ++p_->revision;
  l.expires = p_->now + p_->options.lease_ttl;
  p_->history[l.history].until = l.expires;
  return lease{l.revision};
}

void memory_transport::release(partition p, lease held) {
  const std::lock_guard lock(m_);
  p_->call();
  held_lease& l = p_->at(p).lease;
  if (!p_->live(l) || l.revision != held.revision) return;
  l.holder.clear();
  p_->history[l.history].until = p_->now;
  p_->history[l.history].released = true;
}

std::vector<std::string> memory_transport::holders() {
  const std::lock_guard lock(m_);
  p_->call();
  std::vector<std::string> out;
  for (const one_partition& part : p_->parts) out.push_back(p_->live(part.lease) ? part.lease.holder : std::string());
  return out;
}

void memory_transport::announce(std::string_view worker) {
  const std::lock_guard lock(m_);
  p_->call();
  const auto it = p_->announced.find(worker);
  if (it == p_->announced.end()) {
    p_->announced.emplace(std::string(worker), p_->now);
  } else {
    it->second = p_->now;
  }
}

std::vector<std::string> memory_transport::live_workers() {
  const std::lock_guard lock(m_);
  p_->call();
  std::vector<std::string> out;
  for (const auto& [worker, at] : p_->announced)
    if (p_->now < at + p_->options.lease_ttl) out.push_back(worker);
  return out;
}

void memory_transport::set_now(std::chrono::steady_clock::time_point now) {
  const std::lock_guard lock(m_);
  p_->now = now;
}

void memory_transport::fail_next(std::size_t calls) {
  const std::lock_guard lock(m_);
  p_->failures = calls;
}

std::vector<logged_command> memory_transport::commands(partition p) const {
  const std::lock_guard lock(m_);
  return p_->at(p).commands;
}

std::vector<keyed_event> memory_transport::events(partition p) const {
  const std::lock_guard lock(m_);
  return p_->at(p).events;
}

std::size_t memory_transport::duplicate_commands() const {
  const std::lock_guard lock(m_);
  return p_->duplicate_commands;
}

std::size_t memory_transport::duplicate_events() const {
  const std::lock_guard lock(m_);
  return p_->duplicate_events;
}

std::vector<lease_holding> memory_transport::lease_history() const {
  const std::lock_guard lock(m_);
  return p_->history;
}

}  // namespace dueday::cluster
