// partition_runner: replay's rules (jsonl.cpp) over a partition's logged commands, the events
// keyed as durable_engine keys them (store.hpp).
#include "cluster/partition_runner.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "dueday/error.hpp"
#include "dueday/jsonl.hpp"
#include "dueday/snapshot.hpp"
#include "dueday/store.hpp"

namespace dueday::cluster {

namespace {

class collecting_sink final : public event_sink {
 public:
  void on_event(const event& e) override { events.push_back(e); }
  void on_events(std::span<const event> batch) override { events.insert(events.end(), batch.begin(), batch.end()); }
  std::vector<event> events;
};

// As replay: a line of blanks, tabs and carriage returns is no command.
bool blank(std::string_view line) { return line.find_first_not_of(" \t\r") == std::string_view::npos; }

}  // namespace

struct partition_runner::impl {
  impl(calendar c, policy_set p, engine_options o)
      : fingerprint(c.fingerprint()), eng(std::move(c), std::move(p), sink, o) {}
  impl(const partition_checkpoint& from, calendar c, policy_set p, engine_options o)
      : fingerprint(c.fingerprint()),
        eng(restore(from.snapshot, std::move(c), std::move(p), sink, o)),
        sequence(from.sequence),
        commands(from.commands) {}

  collecting_sink sink;  // before the engine, which holds a reference to it
  std::string fingerprint;
  dueday::engine eng;
  std::uint64_t sequence = 0;
  std::uint64_t commands = 0;
  const std::string source = "partition log";

  // The key's line and n (store.hpp): the command's ordinal in the partition and the event's
  // ordinal among that command's events, both the same whoever replays the partition.
  void emit(const event& e, std::uint64_t n, std::vector<keyed_event>& out) const {
    out.push_back({idempotency_key(e, fingerprint, commands, n), to_json(e)});
  }

  void refused(const command* c, instant at, reject_code code, std::string_view reason, std::uint64_t n,
               std::vector<keyed_event>& out) const {
    event r;
    r.kind = event_kind::rejected;
    r.at = at;
    if (c) r.case_id = c->case_id;
    r.line = static_cast<std::int64_t>(commands);
    r.code = to_string(code);
    r.detail = reason;
    emit(r, n, out);
  }

  std::vector<keyed_event> apply(std::span<const logged_command> logged) {
    std::vector<keyed_event> out;
    for (const logged_command& l : logged) {
      if (l.sequence <= sequence) continue;  // applied already
      sequence = l.sequence;
      ++commands;
      if (blank(l.json)) continue;
      command c;
      try {
        c = parse_command(l.json, source, static_cast<std::int64_t>(commands));
      } catch (const parse_error& x) {
        refused(nullptr, eng.now(), reject_code::malformed, x.message(), 1, out);
        continue;
      }
      sink.events.clear();
      const outcome o = eng.apply(c);
      std::uint64_t n = 0;
      for (const event& e : sink.events) emit(e, ++n, out);
      sink.events.clear();
      if (o.rejected()) refused(&c, o.at, o.code, o.reason, ++n, out);
    }
    return out;
  }
};

partition_runner::partition_runner(calendar cal, policy_set policies, engine_options options)
    : p_(std::make_unique<impl>(std::move(cal), std::move(policies), options)) {}
partition_runner::partition_runner(const partition_checkpoint& from, calendar cal, policy_set policies,
                                   engine_options options)
    : p_(std::make_unique<impl>(from, std::move(cal), std::move(policies), options)) {}
partition_runner::partition_runner(partition_runner&&) noexcept = default;
partition_runner& partition_runner::operator=(partition_runner&&) noexcept = default;
partition_runner::~partition_runner() = default;

std::vector<keyed_event> partition_runner::apply(std::span<const logged_command> commands) {
  return p_->apply(commands);
}

partition_checkpoint partition_runner::checkpoint() const { return {p_->sequence, p_->commands, snapshot(p_->eng)}; }

std::uint64_t partition_runner::sequence() const noexcept { return p_->sequence; }
std::uint64_t partition_runner::commands() const noexcept { return p_->commands; }
const dueday::engine& partition_runner::engine() const noexcept { return p_->eng; }

}  // namespace dueday::cluster
