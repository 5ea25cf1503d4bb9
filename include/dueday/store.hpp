// dueday/store.hpp — a durable engine: the command journal, the engine's checkpoints and the event
// outbox in one storage, written in one transaction per batch of commands.
//
//   auto db = std::make_unique<dueday::sqlite_storage>("monitor.db");
//   dueday::durable_engine d(std::move(db), dueday::builtin_calendar(), dueday::builtin_policies());
//   auto outcomes = d.apply(commands, ids);  // journal + outbox + position, one transaction
//   for (const auto& e : d.storage().read_events(after, 1000)) ...      // e.sequence, e.key, e.json
//   d.storage().acknowledge("sms-gateway", last_seen);
//
// Layers: the engine (engine.hpp) stays a pure function of its commands and reads no clock; the
// storage (this file's `storage`, an interface narrow enough for a replicated log to implement)
// knows bytes and positions but no engine; durable_engine joins them. Opening a durable_engine
// loads the latest checkpoint and re-applies the journal after it, so it continues exactly: the
// outbox holds, byte for byte, the events an uninterrupted replay (jsonl.hpp) of the same commands
// writes, a refused command giving the `rejected` event replay gives, its `line` being the
// command's journal position (the line number, for a stream fed from its first line).
//
// Exactly once: a batch's commands, their events and the new position are appended in one
// transaction; when that fails, nothing of the batch is stored and the engine is put back to what
// the storage holds (reloaded from it), so retrying the batch gives the same events once. A
// command may carry an id: one whose id is already in the journal (or earlier in the same batch)
// is answered outcome::status::duplicate and neither applied nor journaled, so a feeder can resend
// everything after its last acknowledged id.
//
// Idempotency key of an event (stable across restarts and replays): the JSON array
//   [case, clock, kind, level, due, calendar, at, line, n]
// case: the case id ("" for none); clock: the step, "overall" or ""; kind: the event type as in
// jsonl.hpp; level: the alert level or ""; due: the clock's due instant as
// YYYY-MM-DDTHH:MM:SS+08:00 or null; calendar: calendar::fingerprint() of the calendar in use;
// at: the event's instant (same form); line: the journal position of the command that raised the
// event; n: the event's ordinal among that command's events (1, 2, ... in the order raised, a
// refused command's `rejected` event last). E.g. ["KM-1","survey","warning","yellow",
// "2026-10-10T00:00:00+08:00","5b1c0e3f9a7d2468","2026-10-09T00:00:00+08:00",17,1].
// Unique by construction: (line, n) alone tells any two events of a store apart, and gives the
// same key wherever the event is raised again from the same journal (a retried batch, a replay,
// a cluster's takeover: there `line` is the command's ordinal in its partition, which checkpoints
// carry). The other fields are for readers (the kind and level without parsing the event). A
// command the library refuses without journaling it (one that does not read back as itself) is
// never raised again: its `rejected` event has line 0, which no journaled command has, and n its
// outbox sequence number. The event's own fields are not changed by any of this: a `rejected`
// event's `line` is still its command's position, 0 for one never journaled.
// Keys are stored, never recomputed: events stored before keys had n keep theirs, the 8-element
// [case, clock, kind, level, due, calendar, at, line] whose line was a refused command's position
// and 0 otherwise (two same-instant pauses of one clock could share one).
//
// Identity: a store records its schema version, the calendar fingerprint and the policies
// ("id@version") it was created with; opening it with another calendar or policy set, or a store
// written by a newer schema, is refused with one line (store_error), never misread.
//
// Not thread-safe: one durable_engine per storage, used from one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dueday/calendar.hpp"
#include "dueday/engine.hpp"
#include "dueday/error.hpp"
#include "dueday/policy.hpp"

namespace dueday {

// A storage failure or a store that cannot be used: one line, "store <name>: <what>".
class store_error : public error {
 public:
  using error::error;
};

// One command of the journal, as stored.
struct journal_entry {
  std::uint64_t position = 0;  // 1, 2, ... in the order applied
  std::string id;              // the command's id, "" for none
  std::string command;         // the command as one JSON line in jsonl.hpp's form
};

// One event of the outbox, as stored.
struct outbox_event {
  std::uint64_t sequence = 0;  // 1, 2, ... in the order raised; never reused, also after pruning
  std::string key;             // the idempotency key (above)
  std::string json;            // to_json(event): one line, no newline
};

// What a store was created with; opening it with anything else is refused.
struct store_identity {
  std::int64_t schema = 0;            // the storage's own layout version
  std::string calendar;               // calendar::fingerprint()
  std::vector<std::string> policies;  // "id@version" of every policy, in the set's order
  friend bool operator==(const store_identity&, const store_identity&) = default;
};

// Receives a checkpoint's bytes in pieces (any sizes; their concatenation is the checkpoint).
using chunk_sink = std::function<void(std::string_view)>;

// Where a durable_engine keeps its journal, outbox, consumers and checkpoints. Every write is
// atomic: it stores all of its arguments or, throwing store_error, nothing. Positions and
// sequence numbers are given by the caller and checked by the storage, so two writers on one
// store cannot both succeed.
class storage {
 public:
  virtual ~storage() = default;

  // What messages call it ("monitor.db"), escaped for one line.
  [[nodiscard]] virtual const std::string& name() const noexcept = 0;
  // The identity, or nullopt for a storage never initialised.
  [[nodiscard]] virtual std::optional<store_identity> identity() = 0;
  // Records the identity of a new store (refused when one is recorded already).
  virtual void initialize(const store_identity& id) = 0;

  // The last journal position (0: none) and the last event sequence number (0: none).
  [[nodiscard]] virtual std::uint64_t position() = 0;
  [[nodiscard]] virtual std::uint64_t last_sequence() = 0;
  // Appends commands (positions position() + 1, ...) and events (sequences last_sequence() + 1,
  // ...) in one transaction. Refused, storing nothing, when `after` is not position(), when the
  // numbers do not follow on, or when an id is already in the journal.
  virtual void append(std::uint64_t after, std::span<const journal_entry> commands,
                      std::span<const outbox_event> events) = 0;
  // Whether a command with this (non-empty) id is in the journal.
  [[nodiscard]] virtual bool has_command(std::string_view id) = 0;
  // Which of these (non-empty) ids are in the journal, each once, in any order: a batch's ids in
  // one question (a storage may answer faster than has_command for each, the default).
  [[nodiscard]] virtual std::vector<std::string> known_ids(std::span<const std::string_view> ids);
  // Each journal entry after `position`, in order. Refused when entries after `position` were
  // trimmed.
  virtual void read_journal(std::uint64_t position, const std::function<void(const journal_entry&)>& each) = 0;
  // Deletes the journal entries up to position `upto`, which must not be past the latest
  // checkpoint (else refused); their ids stay known to has_command, and position() is unchanged.
  // Returns how many were deleted. A storage may keep its whole journal (the default: returns 0).
  virtual std::uint64_t trim_journal(std::uint64_t upto) {
    (void)upto;
    return 0;
  }

  // At most `max` events after `sequence`, in order.
  [[nodiscard]] virtual std::vector<outbox_event> read_events(std::uint64_t sequence, std::size_t max) = 0;
  // A named consumer, acknowledging nothing yet (no effect when it exists).
  virtual void register_consumer(std::string_view name) = 0;
  // The consumer (registered on first use) has every event up to `sequence`: acknowledgements only
  // move forward (an older one changes nothing); one past last_sequence() is refused.
  virtual void acknowledge(std::string_view name, std::uint64_t sequence) = 0;
  // What the consumer acknowledged last (0: nothing), or nullopt for an unknown consumer.
  [[nodiscard]] virtual std::optional<std::uint64_t> acknowledged(std::string_view name) = 0;
  // Deletes the events every registered consumer acknowledged (none while there is no consumer);
  // returns how many. A storage may keep some of them a while longer (SQLite deletes a batch's
  // events together, once all of them are acknowledged): they stay readable.
  virtual std::uint64_t prune() = 0;

  // Writes a checkpoint of the state after journal position `position`: `produce` is called once
  // with a sink and hands it the bytes in pieces. Replaces older checkpoints, all or nothing.
  virtual void write_checkpoint(std::uint64_t position, const std::function<void(const chunk_sink&)>& produce) = 0;
  // Hands the latest checkpoint's bytes to `out` in pieces and returns its position, or nullopt
  // (out not called) when there is none.
  virtual std::optional<std::uint64_t> read_checkpoint(const chunk_sink& out) = 0;
  // The latest checkpoint's position, if any.
  [[nodiscard]] virtual std::optional<std::uint64_t> checkpoint_position() = 0;

  // Queries for status displays (dueday status). Defaults built on the calls above; a storage may
  // answer faster.
  // Every registered consumer and what it acknowledged last (0: nothing), by name in byte order.
  // The default throws store_error: the calls above cannot list consumers.
  [[nodiscard]] virtual std::vector<std::pair<std::string, std::uint64_t>> consumers();
  // Runs `body`, every read of which sees one state of the storage: a reader beside a running
  // writer would otherwise see the writer's commits between two of its reads (a checkpoint, then
  // the journal, then the position). No writes in `body`. The default just runs it.
  virtual void read_together(const std::function<void()>& body) { body(); }
  // The last journal entry that carries an id, or nullopt when none does; its command is "" when
  // the journal was trimmed past it (its id and position are kept). The default reads the whole
  // journal.
  [[nodiscard]] virtual std::optional<journal_entry> last_identified();
};

// How a SQLite store trades durability for speed.
enum class sqlite_sync : std::uint8_t {
  // synchronous=FULL (the default): a batch whose apply() returned survives a power loss.
  full,
  // synchronous=NORMAL: still consistent after a crash of the process or the machine, and a
  // killed process loses nothing, but the last batches before a power loss or OS crash may be lost
  // (WAL is synced only at checkpoints) although apply() returned: a feeder that resends after its
  // last acknowledged id does not send them again, so exactly once no longer holds, and later
  // events reuse their sequence numbers (their keys still tell them apart).
  normal,
};

struct sqlite_options {
  sqlite_sync sync = sqlite_sync::full;
  // How long a write waits for another program's lock on the database before failing, in
  // milliseconds.
  int busy_timeout_ms = 2000;
  // A reader: opens an existing store read-only, beside its writer. The queries work; every
  // write is refused with store_error "store <file>: opened read-only, cannot <what>". A reader
  // never commits, checkpoints or migrates.
  bool read_only = false;
  // For tests of a full disk: the database may grow to at most this many pages of 4 KiB
  // (PRAGMA max_page_count); 0: SQLite's own limit.
  std::int64_t max_page_count = 0;
};

// The storage in one SQLite database file (WAL mode), created when missing (not for a reader).
// Throws store_error, "store <file>: <what>", when the file cannot be opened, is not a dueday
// store, or was written by a newer schema. A store of an older schema is migrated by its writer
// in one transaction; a reader refuses it ("store schema 2 needs migrating to 3: open it for
// writing once").
//
// One writer, any number of readers: a writer holds the lock file `<file>-writer` (with its pid)
// while open, and a second writer, in this process or another, is refused at once: "store
// <file>: another process is writing to it (pid N)". Readers (sqlite_options::read_only) need no
// lock and see each batch once committed. (SQLite before 3.51.3 has the WAL-reset bug, which
// needs two connections that write or checkpoint: there is only ever one.)
class sqlite_storage final : public storage {
 public:
  explicit sqlite_storage(const std::filesystem::path& file, sqlite_options options = {});
  sqlite_storage(const sqlite_storage&) = delete;
  sqlite_storage& operator=(const sqlite_storage&) = delete;
  ~sqlite_storage() override;

  // The schema this build writes (PRAGMA user_version). 2: the ids in a table of their own, so
  // that the journal can be trimmed behind checkpoints. 3: a batch's journal entries and events in
  // a few rows rather than a row each (twice the durable commands per second).
  static constexpr std::int64_t schema_version = 3;

  const std::string& name() const noexcept override;
  std::optional<store_identity> identity() override;
  void initialize(const store_identity& id) override;
  std::uint64_t position() override;
  std::uint64_t last_sequence() override;
  void append(std::uint64_t after, std::span<const journal_entry> commands,
              std::span<const outbox_event> events) override;
  bool has_command(std::string_view id) override;
  std::vector<std::string> known_ids(std::span<const std::string_view> ids) override;
  void read_journal(std::uint64_t position, const std::function<void(const journal_entry&)>& each) override;
  std::uint64_t trim_journal(std::uint64_t upto) override;
  std::vector<outbox_event> read_events(std::uint64_t sequence, std::size_t max) override;
  void register_consumer(std::string_view name) override;
  void acknowledge(std::string_view name, std::uint64_t sequence) override;
  std::optional<std::uint64_t> acknowledged(std::string_view name) override;
  std::uint64_t prune() override;
  void write_checkpoint(std::uint64_t position, const std::function<void(const chunk_sink&)>& produce) override;
  std::optional<std::uint64_t> read_checkpoint(const chunk_sink& out) override;
  std::optional<std::uint64_t> checkpoint_position() override;
  std::vector<std::pair<std::string, std::uint64_t>> consumers() override;
  std::optional<journal_entry> last_identified() override;
  void read_together(const std::function<void()>& body) override;

 private:
  struct impl;
  std::unique_ptr<impl> p_;
};

struct durable_options {
  // A checkpoint after every this many journaled commands (0: only when checkpoint() is called).
  // Checkpoints every M seconds are the host's: the library reads no clock (call checkpoint()).
  std::uint64_t checkpoint_every = 100'000;
  // After each checkpoint, delete the journal entries it covers (storage::trim_journal): the
  // store stops growing with every command ever applied, and ids already applied are still
  // answered as duplicates, but the commands before the latest checkpoint are gone (no audit
  // trail, no rebuild from the first command should that checkpoint be lost).
  bool trim_journal = false;
  engine_options engine{};
};

// An engine whose commands, events and checkpoints live in a storage (see the top of this file).
class durable_engine {
 public:
  // Opens the store: a new one records the identity of `cal` and `policies`; an existing one must
  // have been created with the same (else store_error). Loads the latest checkpoint (validated as
  // any snapshot: dueday::error "not a valid snapshot: ...", prefixed with the store) and re-applies
  // the journal after it (each entry read back as any command line).
  durable_engine(std::unique_ptr<dueday::storage> store, calendar cal, policy_set policies,
                 durable_options options = {});
  durable_engine(durable_engine&&) noexcept;
  durable_engine& operator=(durable_engine&&) noexcept;
  ~durable_engine();

  // Applies the commands in order and stores them, their events and the new position in one
  // transaction; returns one outcome per command. `ids` is empty or one id per command ("" for
  // none). On a storage failure throws store_error with nothing of the batch stored and the engine
  // as before the batch (reloaded from the storage; should that fail too, every later call throws
  // store_error). Then a checkpoint when checkpoint_every commands were journaled since the last
  // one (its failure does not undo the batch: see last_checkpoint_error()). A command that does
  // not read back as itself from its JSON line (text that is not UTF-8, say) is refused as
  // malformed without reaching the engine or the journal, as replay refuses an unreadable line.
  [[nodiscard]] std::vector<outcome> apply(std::span<const command> commands, std::span<const std::string> ids = {});
  // The events the last apply() stored, in order (empty when it stored none or failed), valid
  // until the next apply(): a host can count them without reading them back from the storage.
  [[nodiscard]] std::span<const outbox_event> last_events() const noexcept;
  // Writes a checkpoint of the engine at the current position (none if it has one already).
  void checkpoint();
  // Why the last automatic checkpoint failed ("" when it did not); the next batch tries again.
  [[nodiscard]] const std::string& last_checkpoint_error() const noexcept;

  // The engine, for queries (inspect, next_due, state, ...). Its sink discards: events go to the store.
  [[nodiscard]] const dueday::engine& engine() const noexcept;
  [[nodiscard]] dueday::storage& storage() noexcept;
  // The last journal position.
  [[nodiscard]] std::uint64_t position() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> p_;
};

// The idempotency key (see above) of an event raised under the calendar of that fingerprint, as the
// `ordinal`-th event (1, 2, ...) of the command at `position` (its line and n).
[[nodiscard]] std::string idempotency_key(const event& e, std::string_view calendar_fingerprint, std::uint64_t position,
                                          std::uint64_t ordinal);

}  // namespace dueday
