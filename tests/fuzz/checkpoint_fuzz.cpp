// libFuzzer target: a store's checkpoint and journal, read back by durable_engine (store.hpp), on
// the built-in national calendar and policies. Nothing read back from a store is trusted.
//
// Input: `<position>\n<checkpoint bytes>\0<journal line>\n<journal line>...`: the checkpoint, at
// that journal position (decimal, at most 10^6), then the journal entries after it, one command
// line each. Without a NUL byte there is no checkpoint and the whole input is the journal from
// position 1. (seeds/checkpoint/ holds the engine's snapshots after the first half of the
// October example's streams, with the second half as the journal.) The storage is in memory.
// Properties:
// - opening the store either works or throws a dueday::error (a store_error naming the store, or
//   the parse_error of a journal line), in one line;
// - an opened store takes a batch (a tick a day after its engine's time, with an id) without
//   throwing, and the id then counts as a duplicate;
// - reopened, the store gives the same engine (its snapshot's bytes); after checkpoint(), and with
//   the journal trimmed behind it, reopened again, the same engine once more.
#include <dueday/engine.hpp>
#include <dueday/io.hpp>
#include <dueday/snapshot.hpp>
#include <dueday/store.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "fuzz_support.hpp"

namespace {

using namespace dueday;

// What a store holds, shared by the storages opened on it.
struct store_data {
  std::optional<store_identity> identity;
  std::vector<journal_entry> journal;      // after the trim point, in order
  std::set<std::string, std::less<>> ids;  // every id journaled, trimmed or not
  std::vector<outbox_event> outbox;
  std::uint64_t position = 0;
  std::optional<std::pair<std::uint64_t, std::string>> checkpoint;
};

class memory_storage final : public storage {
 public:
  explicit memory_storage(std::shared_ptr<store_data> d) : d_(std::move(d)) {}
  const std::string& name() const noexcept override { return name_; }
  std::optional<store_identity> identity() override { return d_->identity; }
  void initialize(const store_identity& id) override {
    if (d_->identity) throw store_error("store fuzz: has an identity already");
    d_->identity = id;
  }
  std::uint64_t position() override { return d_->position; }
  std::uint64_t last_sequence() override { return d_->outbox.empty() ? 0 : d_->outbox.back().sequence; }
  void append(std::uint64_t after, std::span<const journal_entry> commands,
              std::span<const outbox_event> events) override {
    fuzz::check(after == d_->position, "durable_engine appended after another position than the store's");
    for (const journal_entry& c : commands) {
      fuzz::check(c.position == ++d_->position, "durable_engine appended a journal position out of turn");
      d_->journal.push_back(c);
      if (!c.id.empty()) fuzz::check(d_->ids.insert(c.id).second, "durable_engine journaled an id twice");
    }
    for (const outbox_event& e : events) {
      fuzz::check(e.sequence == last_sequence() + 1, "durable_engine appended an event sequence out of turn");
      d_->outbox.push_back(e);
    }
  }
  bool has_command(std::string_view id) override { return d_->ids.find(id) != d_->ids.end(); }
  void read_journal(std::uint64_t position, const std::function<void(const journal_entry&)>& each) override {
    for (const journal_entry& j : d_->journal)
      if (j.position > position) each(j);
  }
  std::uint64_t trim_journal(std::uint64_t upto) override {
    fuzz::check(d_->checkpoint && upto <= d_->checkpoint->first, "durable_engine trimmed past its checkpoint");
    std::uint64_t n = 0;
    std::erase_if(d_->journal, [&](const journal_entry& j) { return j.position <= upto && (++n, true); });
    return n;
  }
  std::vector<outbox_event> read_events(std::uint64_t, std::size_t) override { return {}; }
  void register_consumer(std::string_view) override {}
  void acknowledge(std::string_view, std::uint64_t) override {}
  std::optional<std::uint64_t> acknowledged(std::string_view) override { return std::nullopt; }
  std::uint64_t prune() override { return 0; }
  void write_checkpoint(std::uint64_t position, const std::function<void(const chunk_sink&)>& produce) override {
    std::string bytes;
    produce([&](std::string_view part) { bytes += part; });
    d_->checkpoint.emplace(position, std::move(bytes));
  }
  std::optional<std::uint64_t> read_checkpoint(const chunk_sink& out) override {
    if (!d_->checkpoint) return std::nullopt;
    const std::string& bytes = d_->checkpoint->second;
    for (std::size_t k = 0; k < bytes.size(); k += 4096) out(std::string_view(bytes).substr(k, 4096));
    return d_->checkpoint->first;
  }
  std::optional<std::uint64_t> checkpoint_position() override {
    return d_->checkpoint ? std::optional(d_->checkpoint->first) : std::nullopt;
  }

 private:
  std::shared_ptr<store_data> d_;
  std::string name_ = "fuzz";
};

// The store the input describes, or nullptr for an input of no such form.
std::shared_ptr<store_data> parse_input(std::string_view text) {
  auto d = std::make_shared<store_data>();
  const std::size_t nul = text.find('\0');
  if (nul != std::string_view::npos) {
    const std::size_t eol = text.find('\n');
    if (eol == std::string_view::npos || eol > nul || eol == 0 || eol > 7) return nullptr;
    std::uint64_t position = 0;
    for (const char c : text.substr(0, eol)) {
      if (c < '0' || c > '9') return nullptr;
      position = position * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (position > 1'000'000) return nullptr;
    d->checkpoint.emplace(position, std::string(text.substr(eol + 1, nul - eol - 1)));
    d->position = position;
    text.remove_prefix(nul + 1);
  }
  while (!text.empty()) {
    const std::size_t eol = text.find('\n');
    const std::string_view line = text.substr(0, eol);
    d->journal.push_back({++d->position, "", std::string(line)});
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
  }
  return d;
}

std::optional<durable_engine> open(const std::shared_ptr<store_data>& d, bool trim) {
  durable_options o;
  o.checkpoint_every = 0;
  o.trim_journal = trim;
  return durable_engine(std::make_unique<memory_storage>(d), fuzz::cal(), builtin_policies(), o);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return fuzz::run([&] {
    const std::shared_ptr<store_data> d = parse_input(fuzz::text_of(data, size));
    if (!d) return;
    std::optional<durable_engine> first;
    try {
      first = open(d, false);
    } catch (const error& e) {
      const std::string what = e.what();
      fuzz::check(what.find('\n') == std::string::npos, "a refused store is not one line", what);
      fuzz::check(what.find("fuzz") != std::string::npos, "a refused store is not named", what);
#ifdef DUEDAY_FUZZ_VERBOSE  // replaying an input by hand: why it was refused
      std::fprintf(stderr, "refused: %s\n", what.c_str());
#endif
      return;
    }
    command tick;
    tick.kind = command_kind::tick;
    tick.at = first->engine().now() + std::chrono::hours(24);
    const std::vector<std::string> ids = {"fuzz-tick"};
    const std::uint64_t before = first->position();
    (void)first->apply(std::span(&tick, 1), ids);
    fuzz::check(first->position() == before + 1, "a tick was not journaled");
    fuzz::check(first->apply(std::span(&tick, 1), ids).at(0).result == outcome::status::duplicate,
                "a tick's id was not a duplicate the second time");
    const std::string state = snapshot(first->engine());

    std::optional<durable_engine> again = open(d, true);
    fuzz::same(snapshot(again->engine()), state, "a reopened store gives another engine");
    again->checkpoint();  // and trims the journal behind it
    fuzz::check(d->journal.empty(), "the journal was not trimmed behind a checkpoint");
    const std::optional<durable_engine> third = open(d, true);
    fuzz::same(snapshot(third->engine()), state, "a store reopened from its new checkpoint gives another engine");
  });
}
