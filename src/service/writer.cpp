// The writer thread (writer.hpp).
#include "writer.hpp"

#include <dueday/error.hpp>

#include <algorithm>
#include <iterator>
#include <optional>
#include <span>
#include <string_view>

namespace dueday::service {

namespace {

using std::chrono::system_clock;

// How long the writer waits for more work before it writes a checkpoint that is due.
constexpr std::chrono::milliseconds checkpoint_quiet{500};

// The value of a top-level string field of a stored event (to_json's form: "field":"value", the
// value free of quotes needing escapes for type and level), or "". `mark` is `"field":"`.
constexpr std::string_view type = R"("type":")", level = R"("level":")";
std::string field(std::string_view json, std::string_view mark) {
  const auto p = json.find(mark);
  if (p == std::string_view::npos) return {};
  const auto start = p + mark.size();
  const auto end = json.find('"', start);
  return end == std::string_view::npos ? std::string() : std::string(json.substr(start, end - start));
}

// The event's type and level from its idempotency key, [case, clock, kind, level, ...] (store.hpp):
// four strings at its start, read without scanning the event's JSON for a "level" it may not
// have. Nullopt when the key does not start so (then the JSON's fields are read).
std::optional<std::pair<std::string, std::string>> kind_and_level(std::string_view key) {
  std::size_t i = 1;
  std::string_view got[4];
  if (key.empty() || key[0] != '[') return std::nullopt;
  for (auto& part : got) {
    if (i >= key.size() || key[i] != '"') return std::nullopt;
    const std::size_t start = ++i;
    while (i < key.size() && key[i] != '"') i += key[i] == '\\' ? 2U : 1U;
    if (i >= key.size()) return std::nullopt;
    part = key.substr(start, i - start);
    if (++i >= key.size() || key[i] != ',') return std::nullopt;
    ++i;
  }
  if (got[2].find('\\') != std::string_view::npos || got[3].find('\\') != std::string_view::npos) return std::nullopt;
  return std::pair(std::string(got[2]), std::string(got[3]));
}

void count(event_counts& counts, const dueday::outbox_event& e) {
  if (auto k = kind_and_level(e.key)) {
    ++counts[*k];
  } else {
    ++counts[{field(e.json, type), field(e.json, level)}];
  }
}

}  // namespace

writer::writer(dueday::durable_engine engine, clock_mode mode, clock_fn clock, std::uint64_t checkpoint_every,
               std::uint64_t checkpoint_patience)
    : engine_(std::move(engine)),
      mode_(mode),
      clock_(std::move(clock)),
      checkpoint_every_(checkpoint_every),
      checkpoint_patience_(std::max<std::uint64_t>(checkpoint_patience, 1)) {
  checkpointed_ = engine_.storage().checkpoint_position().value_or(0);
  last_sequence_ = engine_.storage().last_sequence();
  next_due_ = engine_.engine().next_due();
  thread_ = std::thread([this] { loop(); });
}

writer::~writer() { stop(); }

void writer::submit(job& j) {
  std::unique_lock lock(mutex_);
  if (stop_requested_) throw dueday::error("the service is stopping");
  queue_.push_back(&j);
  work_.notify_one();
  done_.wait(lock, [&] { return j.done; });
  if (j.error) std::rethrow_exception(j.error);
}

std::vector<dueday::outcome> writer::apply(std::vector<dueday::command> commands, std::vector<std::string> ids) {
  if (ids.empty()) ids.resize(commands.size());
  job j;
  j.count = commands.size();
  j.commands = std::move(commands);
  j.ids = std::move(ids);
  submit(j);
  return std::move(j.outcomes);
}

void writer::run(const std::function<void(dueday::durable_engine&)>& task) {
  job j;
  j.task = &task;
  submit(j);
}

std::uint64_t writer::wait_beyond(std::uint64_t after, std::chrono::steady_clock::time_point until) {
  std::unique_lock lock(events_mutex_);
  events_.wait_until(lock, until, [&] { return last_sequence_.load() > after || released_.load(); });
  return last_sequence_.load();
}

void writer::release_waiters() {
  {
    const std::lock_guard lock(events_mutex_);
    released_ = true;
  }
  events_.notify_all();
}

event_counts writer::events() const {
  const std::lock_guard lock(events_mutex_);
  return counts_;
}

void writer::stop() {
  {
    const std::lock_guard lock(mutex_);
    stop_requested_ = true;
  }
  work_.notify_one();
  release_waiters();
  if (thread_.joinable()) thread_.join();
}

void writer::loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (queue_.empty()) {
      if (stop_requested_) break;
      std::optional<system_clock::duration> wait;  // until the next alert falls due
      if (mode_ == clock_mode::system && next_due_) {
        wait = system_clock::time_point(*next_due_) - clock_();
        if (*wait <= system_clock::duration::zero()) {
          lock.unlock();
          tick_if_due();
          lock.lock();
          continue;
        }
        // At most a minute at a time: a clock set forward is noticed.
        wait = std::min<system_clock::duration>(*wait, std::chrono::minutes(1));
      }
      const auto ready = [&] { return !queue_.empty() || stop_requested_; };
      if (checkpoint_every_ != 0 && uncheckpointed() >= checkpoint_every_) {
        // A checkpoint is due: written once no work came for checkpoint_quiet (and no alert fell
        // due meanwhile), so that it holds up few requests.
        const system_clock::duration quiet = checkpoint_quiet;
        if (!work_.wait_for(lock, wait ? std::min(*wait, quiet) : quiet, ready) && (!wait || *wait >= quiet)) {
          lock.unlock();
          checkpoint_now();
          lock.lock();
        }
        continue;
      }
      if (wait) {
        work_.wait_for(lock, *wait, ready);
      } else {
        work_.wait(lock, ready);
      }
      continue;
    }
    std::vector<job*> jobs(queue_.begin(), queue_.end());
    queue_.clear();
    lock.unlock();
    process(jobs);
    lock.lock();
    for (job* j : jobs) j->done = true;
    next_due_ = engine_.engine().next_due();
    done_.notify_all();
    // Under a load that never leaves the writer quiet, at checkpoint_patience times the interval,
    // after the answers (the requests just answered are not held up by it).
    if (checkpoint_every_ != 0 && uncheckpointed() / checkpoint_patience_ >= checkpoint_every_) {
      lock.unlock();
      checkpoint_now();
      lock.lock();
    }
  }
  lock.unlock();
  try {
    engine_.checkpoint();
  } catch (const std::exception& e) {
    checkpoint_error_ = e.what();
  }
}

void writer::process(std::vector<job*>& jobs) {
  for (auto first = jobs.begin(); first != jobs.end();) {
    if ((*first)->task != nullptr) {
      try {
        (*(*first)->task)(engine_);
      } catch (...) {
        (*first)->error = std::current_exception();
      }
      published();  // a task may have applied a tick or acknowledged
      ++first;
      continue;
    }
    const auto last = std::find_if(first, jobs.end(), [](const job* j) { return j->task != nullptr; });
    commit(first, last);
    first = last;
  }
}

void writer::commit(std::vector<job*>::iterator first, std::vector<job*>::iterator last) {
  std::vector<dueday::command> commands;
  std::vector<std::string> ids;
  for (auto it = first; it != last; ++it) {
    // Moved, not copied (strings of every command, on the writer thread): the submitter waits
    // for the outcomes only.
    commands.insert(commands.end(), std::make_move_iterator((*it)->commands.begin()),
                    std::make_move_iterator((*it)->commands.end()));
    ids.insert(ids.end(), std::make_move_iterator((*it)->ids.begin()), std::make_move_iterator((*it)->ids.end()));
  }
  try {
    std::vector<dueday::outcome> outcomes = engine_.apply(commands, ids);
    auto next = outcomes.begin();
    for (auto it = first; it != last; ++it) {
      const auto n = static_cast<std::ptrdiff_t>((*it)->count);
      (*it)->outcomes.assign(std::make_move_iterator(next), std::make_move_iterator(next + n));
      next += n;
    }
  } catch (...) {  // nothing of the batch is stored
    for (auto it = first; it != last; ++it) (*it)->error = std::current_exception();
  }
  published();
}

std::uint64_t writer::uncheckpointed() const noexcept {
  const std::uint64_t p = engine_.position();
  return p - std::min(p, checkpointed_);
}

void writer::checkpoint_now() {
  try {
    engine_.checkpoint();
  } catch (const std::exception&) {  // the commands are stored: tried again checkpoint_every later
  }
  checkpointed_ = engine_.position();
}

void writer::tick_if_due() {
  const auto due = engine_.engine().next_due();
  const auto now = std::chrono::floor<std::chrono::seconds>(clock_());
  if (due && *due <= now) {
    dueday::command tick;
    tick.kind = dueday::command_kind::tick;
    tick.at = now;
    try {
      if (engine_.apply(std::span<const dueday::command>(&tick, 1)).front().accepted()) ++ticks_;
    } catch (const std::exception&) {  // a store failure: tried again with the next work
    }
    published();
  }
  const std::lock_guard lock(mutex_);
  next_due_ = engine_.engine().next_due();
  // A tick that raised nothing (refused: an instant past the calendar's projection; or the store
  // failed) leaves the same instant due: wait for work rather than spin on it.
  if (next_due_ && due && *next_due_ <= now) next_due_.reset();
}

void writer::published() {
  std::uint64_t last = 0;
  try {
    last = engine_.storage().last_sequence();
  } catch (const std::exception&) {
    return;
  }
  const std::uint64_t before = last_sequence_.load();
  if (last <= before) return;
  // Counted from the batch's events in memory (the last apply's); read back from the store only
  // those it does not hold (none unless a task applied twice): reading every event back cost the
  // writer a query and a copy of each between two commits.
  const auto fresh = engine_.last_events();
  const auto first = std::find_if(fresh.begin(), fresh.end(), [&](const auto& e) { return e.sequence > before; });
  const std::uint64_t upto = first == fresh.end() ? last : first->sequence - 1;
  event_counts counted;
  try {
    for (std::uint64_t after = before; after < upto;) {
      const auto batch = engine_.storage().read_events(after, 1000);
      if (batch.empty()) break;
      for (const auto& e : batch) {
        if (e.sequence > upto) break;
        count(counted, e);
      }
      after = batch.back().sequence;
    }
  } catch (const std::exception&) {  // counts are figures only: the events are stored
  }
  for (auto it = first; it != fresh.end(); ++it) count(counted, *it);
  {
    const std::lock_guard lock(events_mutex_);
    for (const auto& [k, n] : counted) counts_[k] += n;
    last_sequence_ = last;
  }
  events_.notify_all();
}

}  // namespace dueday::service
