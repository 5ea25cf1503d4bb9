// sqlite_storage: the storage interface (store.hpp) over one SQLite database file.
//
// Tables (schema 1, PRAGMA user_version = 1):
//   meta(key, value)                          identity (calendar, policies), position, sequence
//   journal(position, id, command)            id NULL for none, UNIQUE otherwise
//   outbox(seq, key, event)
//   consumers(name, acked)
//   checkpoint(position, part, bytes)         the latest checkpoint, in parts of up to 1 MiB
// A checkpoint is stored as rows of parts rather than one blob written with sqlite3_blob_write:
// incremental blob I/O needs the blob's size up front (zeroblob), and the snapshot's size is known
// only once written; rows of 1 MiB stream both ways with no multi-GB value in SQLite or here.
//
// Durability: WAL mode, synchronous=FULL unless the options say NORMAL (see store.hpp). Every
// write is one BEGIN IMMEDIATE transaction: it takes the write lock at its start, so a second
// writer waits busy_timeout_ms and then fails at BEGIN with SQLITE_BUSY, before anything is read
// or written, instead of failing later when a read transaction would be upgraded.
//
// The WAL-reset bug (https://sqlite.org/wal.html#walresetbug): in SQLite 3.7.0 through 3.51.2
// (fixed in 3.51.3, backported to 3.44.6 and 3.50.7) a checkpoint racing a commit that resets the
// WAL in another connection can skip committed pages. It needs two connections to the same
// database writing or checkpointing at once. Debian 12 ships 3.40.1, so on a library older than
// the fix this storage opens the database in locking_mode=EXCLUSIVE: the first access takes the
// lock until close, no wal-index is shared, and no other connection (of this or another process)
// can write or checkpoint while the store is open. The price: other processes cannot read the
// store while it is open. With a fixed library, normal locking lets readers in.
#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "dueday/error.hpp"
#include "dueday/store.hpp"

namespace dueday {

namespace {

constexpr std::size_t part_size = 1 << 20;

// Whether this SQLite library has the WAL-reset fix (by its version number; a distribution's
// backport of the fix into an older version is not seen here, and then the store stays exclusive).
bool has_wal_reset_fix() {
  const int v = sqlite3_libversion_number();
  return v >= 3051003 || (v >= 3050007 && v < 3051000) || (v >= 3044006 && v < 3045000);
}

}  // namespace

struct sqlite_storage::impl {
  std::string name;  // the file, escaped, for messages
  sqlite3* db = nullptr;
  // Prepared statements by their SQL (string literals: the pointer is the key), prepared once.
  mutable std::unordered_map<const char*, sqlite3_stmt*> prepared;

  void close() noexcept {
    for (const auto& [sql, st] : prepared) sqlite3_finalize(st);
    prepared.clear();
    sqlite3_close(db);
    db = nullptr;
  }

  [[noreturn]] void fail(std::string_view what) const {
    throw store_error(fmt::format("store {}: {}: {}", name, what, escape(sqlite3_errmsg(db), 200)));
  }
  [[noreturn]] void refuse(std::string_view what) const { throw store_error(fmt::format("store {}: {}", name, what)); }

  void exec(const char* sql) const {
    char* msg = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
      const std::string text = msg ? msg : "unknown error";
      sqlite3_free(msg);
      throw store_error(fmt::format("store {}: {}", name, escape(text, 200)));
    }
  }

  // A prepared statement (from the cache, prepared on first use), reset on scope exit. `sql` must
  // be a string literal. One use of a statement at a time.
  class stmt {
   public:
    stmt(const impl& s, const char* sql) : s_(s) {
      sqlite3_stmt*& cached = s.prepared[sql];
      if (!cached && sqlite3_prepare_v3(s.db, sql, -1, SQLITE_PREPARE_PERSISTENT, &cached, nullptr) != SQLITE_OK) {
        s.prepared.erase(sql);
        s.fail("cannot prepare a statement");
      }
      st_ = cached;
    }
    stmt(const stmt&) = delete;
    stmt& operator=(const stmt&) = delete;
    ~stmt() {
      sqlite3_reset(st_);
      sqlite3_clear_bindings(st_);
    }
    stmt& bind(int i, std::int64_t v) {
      check(sqlite3_bind_int64(st_, i, v));
      return *this;
    }
    stmt& bind(int i, std::string_view v) {
      check(sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
      return *this;
    }
    stmt& bind_blob(int i, std::string_view v) {
      check(sqlite3_bind_blob(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
      return *this;
    }
    stmt& bind_null(int i) {
      check(sqlite3_bind_null(st_, i));
      return *this;
    }
    // True while there is a row.
    bool step() {
      const int rc = sqlite3_step(st_);
      if (rc == SQLITE_ROW) return true;
      if (rc == SQLITE_DONE) return false;
      s_.fail("cannot run a statement");
    }
    void run() {
      while (step()) {
      }
      sqlite3_reset(st_);
    }
    void reset() {
      sqlite3_reset(st_);
      sqlite3_clear_bindings(st_);
    }
    [[nodiscard]] std::int64_t integer(int col) const { return sqlite3_column_int64(st_, col); }
    [[nodiscard]] bool null(int col) const { return sqlite3_column_type(st_, col) == SQLITE_NULL; }
    [[nodiscard]] std::string_view text(int col) const {
      const auto* p = sqlite3_column_blob(st_, col);  // text or blob, as bytes
      const int n = sqlite3_column_bytes(st_, col);
      return p ? std::string_view(static_cast<const char*>(p), static_cast<std::size_t>(n)) : std::string_view();
    }

   private:
    void check(int rc) const {
      if (rc != SQLITE_OK) s_.fail("cannot bind a value");
    }
    const impl& s_;
    sqlite3_stmt* st_ = nullptr;
  };

  // BEGIN IMMEDIATE ... COMMIT, rolled back unless committed.
  class transaction {
   public:
    explicit transaction(const impl& s) : s_(s) { s.exec("BEGIN IMMEDIATE"); }
    transaction(const transaction&) = delete;
    transaction& operator=(const transaction&) = delete;
    ~transaction() {
      if (!done_) sqlite3_exec(s_.db, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    void commit() {
      s_.exec("COMMIT");
      done_ = true;
    }

   private:
    const impl& s_;
    bool done_ = false;
  };

  [[nodiscard]] std::optional<std::string> meta(std::string_view key) const {
    stmt q(*this, "SELECT value FROM meta WHERE key = ?1");
    q.bind(1, key);
    if (!q.step()) return std::nullopt;
    return std::string(q.text(0));
  }
  void set_meta(std::string_view key, std::string_view value) const {
    stmt q(*this, "INSERT INTO meta(key, value) VALUES(?1, ?2) ON CONFLICT(key) DO UPDATE SET value = ?2");
    q.bind(1, key).bind(2, value).run();
  }
  [[nodiscard]] std::uint64_t counter(std::string_view key) const {
    const auto v = meta(key);
    if (!v) return 0;
    std::uint64_t n = 0;
    for (const char c : *v) {
      if (c < '0' || c > '9' || n > (UINT64_MAX - 9) / 10) refuse(fmt::format("meta {} is not a count", key));
      n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return n;
  }
  [[nodiscard]] std::int64_t user_version() const {
    stmt q(*this, "PRAGMA user_version");
    return q.step() ? q.integer(0) : 0;
  }
};

sqlite_storage::sqlite_storage(const std::filesystem::path& file, sqlite_options options)
    : p_(std::make_unique<impl>()) {
  p_->name = escape(file.string(), 1024);
  const int rc =
      sqlite3_open_v2(file.c_str(), &p_->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    const std::string msg = p_->db ? sqlite3_errmsg(p_->db) : sqlite3_errstr(rc);
    sqlite3_close(p_->db);
    p_->db = nullptr;
    throw store_error(fmt::format("store {}: cannot open: {}", p_->name, escape(msg, 200)));
  }
  try {
    sqlite3_extended_result_codes(p_->db, 1);
    sqlite3_busy_timeout(p_->db, options.busy_timeout_ms);
    if (!has_wal_reset_fix()) p_->exec("PRAGMA locking_mode=EXCLUSIVE");  // see the top of this file
    const std::int64_t version = p_->user_version();  // also the first read: "not a database" shows here
    if (version > schema_version) {
      p_->refuse(fmt::format("written by a newer dueday (store schema {}, this build reads up to {})", version,
                             schema_version));
    }
    p_->exec("PRAGMA journal_mode=WAL");
    p_->exec(options.sync == sqlite_sync::full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    if (version == 0) {
      // A new file, or a SQLite database of something else: only an empty one becomes a store.
      impl::stmt tables(*p_, "SELECT count(*) FROM sqlite_schema");
      if (tables.step() && tables.integer(0) != 0)
        p_->refuse("not a dueday store (a SQLite database with other tables)");
      impl::transaction t(*p_);
      p_->exec(
          "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
          "CREATE TABLE journal(position INTEGER PRIMARY KEY, id TEXT UNIQUE, command TEXT NOT NULL);"
          "CREATE TABLE outbox(seq INTEGER PRIMARY KEY, key TEXT NOT NULL, event TEXT NOT NULL);"
          "CREATE TABLE consumers(name TEXT PRIMARY KEY, acked INTEGER NOT NULL) WITHOUT ROWID;"
          "CREATE TABLE checkpoint(position INTEGER NOT NULL, part INTEGER NOT NULL, bytes BLOB NOT NULL,"
          " PRIMARY KEY(position, part)) WITHOUT ROWID;"
          "PRAGMA user_version = 1;");
      t.commit();
    }
    // Older schemas would be migrated here, step by step (there is none before 1).
  } catch (...) {
    p_->close();
    throw;
  }
}

sqlite_storage::~sqlite_storage() {
  if (p_ && p_->db) p_->close();
}

const std::string& sqlite_storage::name() const noexcept { return p_->name; }

std::optional<store_identity> sqlite_storage::identity() {
  const auto cal = p_->meta("calendar");
  if (!cal) return std::nullopt;
  store_identity id;
  id.schema = p_->user_version();
  id.calendar = *cal;
  impl::stmt q(*p_, "SELECT value FROM meta WHERE key >= 'policy:' AND key < 'policy;' ORDER BY key");
  while (q.step()) id.policies.emplace_back(q.text(0));
  return id;
}

void sqlite_storage::initialize(const store_identity& id) {
  impl::transaction t(*p_);
  if (p_->meta("calendar")) p_->refuse("has an identity already");
  p_->set_meta("calendar", id.calendar);
  for (std::size_t k = 0; k < id.policies.size(); ++k)
    p_->set_meta(fmt::format("policy:{:06}", k), id.policies[k]);  // keys sort in the set's order
  t.commit();
}

std::uint64_t sqlite_storage::position() { return p_->counter("position"); }
std::uint64_t sqlite_storage::last_sequence() { return p_->counter("sequence"); }

void sqlite_storage::append(std::uint64_t after, std::span<const journal_entry> commands,
                            std::span<const outbox_event> events) {
  impl::transaction t(*p_);
  std::uint64_t pos = p_->counter("position");
  std::uint64_t seq = p_->counter("sequence");
  if (pos != after) {
    p_->refuse(fmt::format("another writer moved the journal to position {} (this one expected {})", pos, after));
  }
  impl::stmt put(*p_, "INSERT INTO journal(position, id, command) VALUES(?1, ?2, ?3)");
  for (const journal_entry& c : commands) {
    if (c.position != ++pos) p_->refuse(fmt::format("journal position {} does not follow {}", c.position, pos - 1));
    put.bind(1, static_cast<std::int64_t>(c.position)).bind(3, c.command);
    if (c.id.empty()) {
      put.bind_null(2);
    } else {
      put.bind(2, c.id);
    }
    put.run();
    put.reset();
  }
  impl::stmt out(*p_, "INSERT INTO outbox(seq, key, event) VALUES(?1, ?2, ?3)");
  for (const outbox_event& e : events) {
    if (e.sequence != ++seq) p_->refuse(fmt::format("event sequence {} does not follow {}", e.sequence, seq - 1));
    out.bind(1, static_cast<std::int64_t>(e.sequence)).bind(2, e.key).bind(3, e.json).run();
    out.reset();
  }
  p_->set_meta("position", std::to_string(pos));
  p_->set_meta("sequence", std::to_string(seq));
  t.commit();
}

bool sqlite_storage::has_command(std::string_view id) {
  impl::stmt q(*p_, "SELECT 1 FROM journal WHERE id = ?1");
  q.bind(1, id);
  return q.step();
}

void sqlite_storage::read_journal(std::uint64_t position, const std::function<void(const journal_entry&)>& each) {
  impl::stmt q(*p_, "SELECT position, id, command FROM journal WHERE position > ?1 ORDER BY position");
  q.bind(1, static_cast<std::int64_t>(position));
  journal_entry e;
  while (q.step()) {
    e.position = static_cast<std::uint64_t>(q.integer(0));
    e.id = q.null(1) ? std::string() : std::string(q.text(1));
    e.command = q.text(2);
    each(e);
  }
}

std::vector<outbox_event> sqlite_storage::read_events(std::uint64_t sequence, std::size_t max) {
  impl::stmt q(*p_, "SELECT seq, key, event FROM outbox WHERE seq > ?1 ORDER BY seq LIMIT ?2");
  q.bind(1, static_cast<std::int64_t>(sequence))
      .bind(2, static_cast<std::int64_t>(std::min<std::size_t>(max, INT64_MAX)));
  std::vector<outbox_event> out;
  while (q.step())
    out.push_back({static_cast<std::uint64_t>(q.integer(0)), std::string(q.text(1)), std::string(q.text(2))});
  return out;
}

void sqlite_storage::register_consumer(std::string_view name) {
  impl::transaction t(*p_);
  impl::stmt q(*p_, "INSERT INTO consumers(name, acked) VALUES(?1, 0) ON CONFLICT(name) DO NOTHING");
  q.bind(1, name).run();
  t.commit();
}

void sqlite_storage::acknowledge(std::string_view name, std::uint64_t sequence) {
  impl::transaction t(*p_);
  const std::uint64_t last = p_->counter("sequence");
  if (sequence > last) {
    p_->refuse(fmt::format("consumer {} acknowledges event {}, past the last one ({})", quote(name), sequence, last));
  }
  impl::stmt q(*p_,
               "INSERT INTO consumers(name, acked) VALUES(?1, ?2)"
               " ON CONFLICT(name) DO UPDATE SET acked = max(acked, ?2)");
  q.bind(1, name).bind(2, static_cast<std::int64_t>(sequence)).run();
  t.commit();
}

std::optional<std::uint64_t> sqlite_storage::acknowledged(std::string_view name) {
  impl::stmt q(*p_, "SELECT acked FROM consumers WHERE name = ?1");
  q.bind(1, name);
  if (!q.step()) return std::nullopt;
  return static_cast<std::uint64_t>(q.integer(0));
}

std::uint64_t sqlite_storage::prune() {
  impl::transaction t(*p_);
  impl::stmt q(*p_, "DELETE FROM outbox WHERE seq <= (SELECT min(acked) FROM consumers)");
  q.run();  // min() over no consumer is NULL: nothing is deleted
  const auto n = static_cast<std::uint64_t>(sqlite3_changes64(p_->db));
  t.commit();
  return n;
}

void sqlite_storage::write_checkpoint(std::uint64_t position, const std::function<void(const chunk_sink&)>& produce) {
  impl::transaction t(*p_);
  impl::stmt del(*p_, "DELETE FROM checkpoint");
  del.run();
  impl::stmt put(*p_, "INSERT INTO checkpoint(position, part, bytes) VALUES(?1, ?2, ?3)");
  std::string part;
  std::int64_t n = 0;
  const auto flush = [&] {
    put.bind(1, static_cast<std::int64_t>(position)).bind(2, n++).bind_blob(3, part).run();
    put.reset();
    part.clear();
  };
  part.reserve(part_size);
  produce([&](std::string_view bytes) {
    while (!bytes.empty()) {
      const std::size_t take = std::min(bytes.size(), part_size - part.size());
      part.append(bytes.substr(0, take));
      bytes.remove_prefix(take);
      if (part.size() == part_size) flush();
    }
  });
  if (!part.empty() || n == 0) flush();
  t.commit();
}

std::optional<std::uint64_t> sqlite_storage::read_checkpoint(const chunk_sink& out) {
  // One read transaction, so that the parts are of one checkpoint.
  p_->exec("BEGIN");
  struct end {
    sqlite3* db;
    ~end() { sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr); }
  } done{p_->db};
  impl::stmt q(*p_, "SELECT position, part, bytes FROM checkpoint ORDER BY position, part");
  std::optional<std::uint64_t> position;
  std::int64_t expected = 0;
  while (q.step()) {
    const auto pos = static_cast<std::uint64_t>(q.integer(0));
    if ((position && *position != pos) || q.integer(1) != expected++) p_->refuse("the checkpoint's parts are broken");
    position = pos;
    out(q.text(2));
  }
  return position;
}

std::optional<std::uint64_t> sqlite_storage::checkpoint_position() {
  impl::stmt q(*p_, "SELECT max(position) FROM checkpoint");
  if (!q.step() || q.null(0)) return std::nullopt;
  return static_cast<std::uint64_t>(q.integer(0));
}

}  // namespace dueday

// --- Queries for status displays (storage::consumers, storage::last_identified) ----------------

namespace dueday {

std::vector<std::pair<std::string, std::uint64_t>> storage::consumers() {
  throw store_error(fmt::format("store {}: this storage does not list its consumers", name()));
}

std::optional<journal_entry> storage::last_identified() {
  std::optional<journal_entry> last;
  read_journal(0, [&](const journal_entry& e) {
    if (!e.id.empty()) last = e;
  });
  return last;
}

std::vector<std::pair<std::string, std::uint64_t>> sqlite_storage::consumers() {
  impl::stmt q(*p_, "SELECT name, acked FROM consumers ORDER BY name");
  std::vector<std::pair<std::string, std::uint64_t>> out;
  while (q.step()) out.emplace_back(std::string(q.text(0)), static_cast<std::uint64_t>(q.integer(1)));
  return out;
}

std::optional<journal_entry> sqlite_storage::last_identified() {
  impl::stmt q(*p_, "SELECT position, id, command FROM journal WHERE id IS NOT NULL ORDER BY position DESC LIMIT 1");
  if (!q.step()) return std::nullopt;
  return journal_entry{static_cast<std::uint64_t>(q.integer(0)), std::string(q.text(1)), std::string(q.text(2))};
}

}  // namespace dueday
