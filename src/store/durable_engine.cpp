// durable_engine: an engine over a storage (store.hpp). Commands are journaled as JSON lines in
// jsonl.hpp's form (journal_text.hpp writes them, the events and their keys) and read back through
// parse_command, checkpoints are snapshots (snapshot.hpp) read back through restore: nothing read
// back from a store is trusted.
#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "dueday/jsonl.hpp"
#include "dueday/snapshot.hpp"
#include "dueday/store.hpp"
#include "store/journal_text.hpp"

namespace dueday {

namespace {

using detail::journal_line;
using detail::text_writer;

// Entries appended in place: the strings of a cleared batch keep their room for the next one, so
// a batch of a thousand commands allocates nothing once the first batches have run.
template <class T>
class reused {
 public:
  void clear() noexcept { n_ = 0; }
  T& next() {
    if (n_ == v_.size()) v_.emplace_back();
    return v_[n_++];
  }
  void drop_last() noexcept { --n_; }
  [[nodiscard]] std::span<const T> view() const noexcept { return {v_.data(), n_}; }
  [[nodiscard]] bool empty() const noexcept { return n_ == 0; }

 private:
  std::vector<T> v_;
  std::size_t n_ = 0;
};

// Collects a command's events; discards them while the journal is re-applied.
class collecting_sink final : public event_sink {
 public:
  void on_event(const event& e) override {
    if (keep) events.push_back(e);
  }
  void on_events(std::span<const event> batch) override {
    if (keep) events.insert(events.end(), batch.begin(), batch.end());
  }
  std::vector<event> events;
  bool keep = true;
};

std::vector<std::string> policy_names(const policy_set& p) {
  std::vector<std::string> out;
  for (const sla_policy& s : p.all()) out.push_back(s.id + "@" + s.version);
  return out;
}

std::string joined(const std::vector<std::string>& v) { return fmt::format("{}", fmt::join(v, ", ")); }

}  // namespace

std::string idempotency_key(const event& e, std::string_view calendar_fingerprint, std::uint64_t position,
                            std::uint64_t ordinal) {
  std::string key;
  text_writer().key(e, calendar_fingerprint, position, ordinal, key);
  return key;
}

struct durable_engine::impl {
  impl(std::unique_ptr<dueday::storage> s, calendar c, policy_set p, durable_options o)
      : store(std::move(s)),
        cal(std::move(c)),
        policies(std::move(p)),
        options(o),
        fingerprint(cal.fingerprint()),
        eng(load()) {}

  std::unique_ptr<dueday::storage> store;
  calendar cal;
  policy_set policies;
  durable_options options;
  std::string fingerprint;
  collecting_sink sink;
  text_writer text;
  std::uint64_t position = 0;      // the journal's last position, as the engine has applied it
  std::uint64_t sequence = 0;      // the outbox's last sequence number
  std::uint64_t checkpointed = 0;  // the latest checkpoint's position
  std::string checkpoint_error;
  // A batch's journal entries and events, kept from batch to batch (reused).
  reused<journal_entry> journal;
  reused<outbox_event> outbox;
  std::string again;   // journal_line's room
  std::string broken;  // why this engine can no longer be used ("" while it can)
  dueday::engine eng;

  [[nodiscard]] std::string where() const { return fmt::format("store {}", store->name()); }

  void check_identity() {
    const std::vector<std::string> mine = policy_names(policies);
    const auto id = store->identity();
    if (!id) {
      store->initialize({0, fingerprint, mine});
      return;
    }
    if (id->calendar != fingerprint) {
      throw store_error(fmt::format("{}: created with calendar {}, opened with calendar {}", where(),
                                    quote(id->calendar), quote(fingerprint)));
    }
    if (id->policies != mine) {
      throw store_error(fmt::format("{}: created with policies {}, opened with {}", where(),
                                    quote(joined(id->policies), 200), quote(joined(mine), 200)));
    }
  }

  // The engine as the storage holds it: the latest checkpoint, then the journal after it.
  dueday::engine load() {
    check_identity();
    sink.keep = false;
    std::optional<dueday::engine> e;
    // The checkpoint, the journal after it and the position of one state, even beside a writer.
    store->read_together([&] { e.emplace(load_state()); });
    sink.keep = true;
    sink.events.clear();
    return std::move(*e);
  }

  dueday::engine load_state() {
    std::optional<dueday::engine> e;
    std::optional<std::uint64_t> cp;
    try {
      // Piece by piece, case by case: neither the checkpoint's text nor its whole state is ever in memory.
      snapshot_restorer reader(cal, policies, sink, options.engine);
      cp = store->read_checkpoint([&](std::string_view part) { reader.feed(part); });
      if (cp) e.emplace(reader.finish());
    } catch (const store_error&) {
      throw;
    } catch (const error& x) {  // a refused snapshot (the store's own failures are store_error)
      const auto at = store->checkpoint_position();
      throw store_error(
          fmt::format("{}: checkpoint at position {}: {}", where(), at ? std::to_string(*at) : "?", x.what()));
    }
    if (!cp) e.emplace(cal, policies, sink, options.engine);
    std::uint64_t pos = cp.value_or(0);
    const std::string source = fmt::format("{} journal", store->name());
    store->read_journal(pos, [&](const journal_entry& j) {
      if (j.position != pos + 1) {
        throw store_error(fmt::format("{}: the journal skips from position {} to {}", where(), pos, j.position));
      }
      (void)e->apply(parse_command(j.command, source, static_cast<std::int64_t>(j.position)));
      pos = j.position;
    });
    const std::uint64_t stored = store->position();
    if (pos != stored) {
      throw store_error(fmt::format("{}: the journal ends at position {}, the store says {}", where(), pos, stored));
    }
    position = pos;
    sequence = store->last_sequence();
    checkpointed = cp.value_or(0);
    return std::move(*e);
  }

  // After a failed batch: the engine as the storage holds it again.
  void reload() {
    try {
      eng = load();
    } catch (const std::exception& x) {
      broken = x.what();
    }
  }

  std::vector<outcome> apply(std::span<const command> commands, std::span<const std::string> ids) {
    outbox.clear();  // last_events(): this batch's only
    if (!broken.empty()) throw store_error(fmt::format("{}: unusable after a failed reload: {}", where(), broken));
    if (!ids.empty() && ids.size() != commands.size()) {
      throw std::invalid_argument("dueday::durable_engine::apply: ids must be empty or one per command");
    }
    for (const std::string& id : ids) {  // as a JSON Lines command's id (jsonl.hpp)
      if (std::any_of(id.begin(), id.end(), [](char ch) { return static_cast<unsigned char>(ch) < 0x20; }))
        throw std::invalid_argument("dueday::durable_engine::apply: an id holds a control character");
    }
    std::vector<outcome> outs;
    outs.reserve(commands.size());
    journal.clear();
    outbox.clear();
    std::uint64_t pos = position;
    std::uint64_t seq = sequence;
    std::string why;
    // line and n: the key's (store.hpp), the command's journal position and the event's ordinal
    // among its events.
    const auto emit = [&](const event& e, std::uint64_t line, std::uint64_t n) {
      outbox_event& o = outbox.next();
      o.sequence = ++seq;
      text.key(e, fingerprint, line, n, o.key);
      text.event_json(e, o.json);
    };
    const auto refused = [&](const command& c, const outcome& o, std::uint64_t line, std::uint64_t n) {
      event r;
      r.kind = event_kind::rejected;
      r.at = o.at;
      r.case_id = c.case_id;
      r.line = static_cast<std::int64_t>(line);
      r.code = to_string(o.code);
      r.detail = o.reason;
      emit(r, line, n);
    };
    try {
      // Ids already journaled, asked for in one go: usually none, after a feeder's restart a few.
      std::unordered_set<std::string_view> batch_ids;
      std::vector<std::string> known;
      if (!ids.empty()) {
        std::vector<std::string_view> asked;
        for (const std::string& id : ids)
          if (!id.empty()) asked.emplace_back(id);
        known = store->known_ids(asked);
        batch_ids.insert(known.begin(), known.end());
      }
      for (std::size_t i = 0; i < commands.size(); ++i) {
        const command& c = commands[i];
        const std::string_view id = ids.empty() ? std::string_view() : std::string_view(ids[i]);
        if (!id.empty() && batch_ids.count(id) != 0) {  // journaled, or earlier in this batch
          outs.push_back({outcome::status::duplicate, reject_code::none, {}, eng.now()});
          continue;
        }
        journal_entry& j = journal.next();
        if (!journal_line(text, c, j.command, again, why)) {
          // As replay does with a line it cannot read: refused, time unchanged, not journaled.
          journal.drop_last();
          outs.push_back({outcome::status::rejected, reject_code::malformed, why, eng.now()});
          refused(c, outs.back(), 0, seq + 1);  // never journaled: line 0, n its sequence number
          continue;
        }
        sink.events.clear();
        outs.push_back(eng.apply(c));
        j.position = ++pos;
        j.id.assign(id);
        std::uint64_t n = 0;
        for (const event& e : sink.events) emit(e, pos, ++n);
        if (outs.back().rejected()) refused(c, outs.back(), pos, ++n);
        if (!id.empty()) batch_ids.insert(id);
      }
      sink.events.clear();
      if (!journal.empty() || !outbox.empty()) store->append(position, journal.view(), outbox.view());
    } catch (...) {
      sink.events.clear();
      outbox.clear();                 // nothing of the batch is stored: last_events() is empty
      if (pos != position) reload();  // the engine applied commands the storage does not hold
      throw;
    }
    position = pos;
    sequence = seq;
    if (options.checkpoint_every != 0 && position - checkpointed >= options.checkpoint_every) {
      try {
        checkpoint();
        checkpoint_error.clear();
      } catch (const std::exception& x) {
        checkpoint_error = x.what();
      }
    }
    return outs;
  }

  void checkpoint() {
    if (!broken.empty()) throw store_error(fmt::format("{}: unusable after a failed reload: {}", where(), broken));
    if (position == checkpointed && store->checkpoint_position() == position) return;
    // Case by case from the engine into the storage's parts: neither the state nor its JSON is
    // ever whole in memory.
    store->write_checkpoint(position, [&](const chunk_sink& out) { write_snapshot_json(eng, out); });
    checkpointed = position;
    if (options.trim_journal) (void)store->trim_journal(position);  // its failure: the next checkpoint's trim
  }
};

durable_engine::durable_engine(std::unique_ptr<dueday::storage> store, calendar cal, policy_set policies,
                               durable_options options)
    : p_(std::make_unique<impl>(std::move(store), std::move(cal), std::move(policies), options)) {}
durable_engine::durable_engine(durable_engine&&) noexcept = default;
durable_engine& durable_engine::operator=(durable_engine&&) noexcept = default;
durable_engine::~durable_engine() = default;

std::vector<outcome> durable_engine::apply(std::span<const command> commands, std::span<const std::string> ids) {
  return p_->apply(commands, ids);
}
std::span<const outbox_event> durable_engine::last_events() const noexcept { return p_->outbox.view(); }
void durable_engine::checkpoint() { p_->checkpoint(); }
const std::string& durable_engine::last_checkpoint_error() const noexcept { return p_->checkpoint_error; }
const dueday::engine& durable_engine::engine() const noexcept { return p_->eng; }
dueday::storage& durable_engine::storage() noexcept { return *p_->store; }
std::uint64_t durable_engine::position() const noexcept { return p_->position; }

}  // namespace dueday
