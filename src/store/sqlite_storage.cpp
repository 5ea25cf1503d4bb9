// sqlite_storage: the storage interface (store.hpp) over one SQLite database file: opening it and
// every write. Its queries: sqlite_reads.cpp; the tables and their migration: sqlite_schema.cpp;
// the packed rows of the journal and the outbox: sqlite_rows.hpp; the connection's helpers:
// sqlite_db.hpp and sqlite_storage_impl.hpp.
//
// A checkpoint is stored as rows of parts rather than one blob written with sqlite3_blob_write:
// incremental blob I/O needs the blob's size up front (zeroblob), and the snapshot's size is known
// only once written; rows of 1 MiB stream both ways with no multi-GB value in SQLite or here.
//
// Durability: WAL mode, synchronous=FULL unless the options say NORMAL (see store.hpp). Every
// write is one BEGIN IMMEDIATE transaction: it takes the write lock at its start, so another
// program holding it makes the write wait busy_timeout_ms and then fail at BEGIN with SQLITE_BUSY,
// before anything is read or written, instead of failing later when a read transaction would be
// upgraded.
//
// One writer, any number of readers (see writer_lock.hpp for why: SQLite's WAL-reset bug). The
// writer holds the lock file for the life of its connection, commits and checkpoints; a reader
// (sqlite_options::read_only) opens the file SQLITE_OPEN_READONLY with
// SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, so it never commits nor checkpoints, also not as the last
// connection to close, and it never migrates: a store of an older schema must be opened for
// writing once.
#include <fcntl.h>
#include <fmt/format.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "dueday/error.hpp"
#include "dueday/store.hpp"
#include "store/sqlite_storage_impl.hpp"

namespace dueday {

namespace {

constexpr std::size_t part_size = 1 << 20;

}  // namespace

void sqlite_storage::impl::open(const std::filesystem::path& file, const sqlite_options& options) {
  int flags = SQLITE_OPEN_NOMUTEX;
  if (read_only) {
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) refuse("cannot open: no such file");
    flags |= SQLITE_OPEN_READONLY;
  } else {
    // A file this user may not write is refused here, in words, rather than opened read-only
    // by SQLite (which does that silently) to fail at the first write.
    if (::faccessat(AT_FDCWD, file.c_str(), W_OK, AT_EACCESS) != 0 && errno != ENOENT) {
      refuse(fmt::format("the file is read-only ({}); only a reader may open it", std::strerror(errno)));
    }
    lock.take(file, name);
    flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  }
  const int rc = sqlite3_open_v2(file.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    const std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    refuse(fmt::format("cannot open: {}", escape(msg, 200)));
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, options.busy_timeout_ms);
  if (read_only) {
    if (sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, static_cast<int*>(nullptr)) != SQLITE_OK)
      fail("cannot keep a reader from checkpointing");
  } else if (sqlite3_db_readonly(db, "main") == 1) {
    refuse("the file is read-only; only a reader may open it");
  }
  exec("PRAGMA cell_size_check = ON");          // a corrupted page is refused when read, not misread
  const std::int64_t version = user_version();  // also the first read: "not a database" shows here
  if (version > schema_version) {
    refuse(
        fmt::format("written by a newer dueday (store schema {}, this build reads up to {})", version, schema_version));
  }
  if (read_only) {
    if (version == 0) refuse("not a dueday store (no schema version)");
    if (version < schema_version) {
      refuse(fmt::format("store schema {} needs migrating to {}: open it for writing once", version, schema_version));
    }
    return;
  }
  if (version == 0) {
    // A new file, or a SQLite database of something else: only an empty one becomes a store
    // (and another one is left as it was, in its own journal mode).
    stmt tables(*this, "SELECT count(*) FROM sqlite_schema");
    if (tables.step() && tables.integer(0) != 0) refuse("not a dueday store (a SQLite database with other tables)");
  }
  exec("PRAGMA journal_mode=WAL");
  exec(options.sync == sqlite_sync::full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  if (options.max_page_count > 0) {
    const std::string pragma = fmt::format("PRAGMA max_page_count = {}", options.max_page_count);
    exec(pragma.c_str());
  }
  if (version == 0) {
    detail::create_schema(*this);
  } else if (version < schema_version) {
    detail::migrate_schema(*this, version);
  }
}

sqlite_storage::sqlite_storage(const std::filesystem::path& file, sqlite_options options)
    : p_(std::make_unique<impl>()) {
  p_->name = escape(file.string(), 1024);
  p_->read_only = options.read_only;
  p_->open(file, options);  // on a throw, ~impl closes what was opened and lets go of the lock
}

sqlite_storage::~sqlite_storage() = default;

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
  impl::transaction t(*p_, "record its identity");
  if (p_->meta("calendar")) p_->refuse("has an identity already");
  p_->set_meta("calendar", id.calendar);
  for (std::size_t k = 0; k < id.policies.size(); ++k)
    p_->set_meta(fmt::format("policy:{:06}", k), id.policies[k]);  // keys sort in the set's order
  t.commit();
}

std::uint64_t sqlite_storage::position() { return p_->counter("position"); }
std::uint64_t sqlite_storage::last_sequence() { return p_->counter("sequence"); }

namespace {

// INSERT INTO ids of `rows` (id, position) rows, rows one of 64, 16, 4 and 1. The texts are made
// once and stay put, as the statement cache wants (it is keyed by the text's address).
const char* insert_ids_sql(std::size_t rows) {
  static const std::array<std::string, 4> texts = [] {
    std::array<std::string, 4> t;
    for (std::size_t r = 0, n = 1; r < t.size(); ++r, n *= 4) {
      t[r] = "INSERT INTO ids(id, position) VALUES";
      for (std::size_t k = 0; k < n; ++k) t[r] += fmt::format("{}(?{},?{})", k == 0 ? "" : ",", 2 * k + 1, 2 * k + 2);
    }
    return t;
  }();
  return texts[rows == 64 ? 3 : rows == 16 ? 2 : rows == 4 ? 1 : 0].c_str();
}

}  // namespace

void sqlite_storage::append(std::uint64_t after, std::span<const journal_entry> commands,
                            std::span<const outbox_event> events) {
  impl::transaction t(*p_, "append commands");
  std::uint64_t pos = p_->counter("position");
  std::uint64_t seq = p_->counter("sequence");
  if (pos != after) {
    p_->refuse(fmt::format("another writer moved the journal to position {} (this one expected {})", pos, after));
  }
  // The journal in rows of many entries (sqlite_rows.hpp), each id also in the ids table.
  impl::stmt put(*p_, "INSERT INTO journal(first, last, ids, commands) VALUES(?1, ?2, ?3, ?4)");
  std::vector<const journal_entry*>& named_entries = p_->named;
  named_entries.clear();
  detail::row_text& lines = p_->row_a;
  detail::row_text& names = p_->row_b;
  bool named = false;
  const auto journal_row = [&] {
    put.bind(1, static_cast<std::int64_t>(pos - lines.size() + 1)).bind(2, static_cast<std::int64_t>(pos));
    if (named) put.bind_static(3, names.text());
    put.bind_static(4, lines.text()).run();
    put.reset();
    lines.clear();
    names.clear();
    named = false;
  };
  lines.clear();
  names.clear();
  for (const journal_entry& c : commands) {
    if (c.position != ++pos) p_->refuse(fmt::format("journal position {} does not follow {}", c.position, pos - 1));
    if (c.command.find('\n') != std::string::npos || c.id.find('\n') != std::string::npos)
      p_->refuse(fmt::format("journal position {}: a command or id holding a line break", c.position));
    lines.add(c.command);
    names.add(c.id);
    if (!c.id.empty()) {
      named = true;
      named_entries.push_back(&c);
    }
    if (lines.full()) journal_row();
  }
  if (lines.size() != 0) journal_row();
  // Each id into the ids table, where a known one fails the insert; many rows to a statement: a
  // statement's step, halt and reset cost more than a row's B-tree insert (append() went from
  // 9,000 to 5,700 instructions per command in batches of 1,000 with an id each, callgrind).
  // The writer's filter learns them now (should the batch fail, they are only needlessly looked
  // up), or is built again, larger, from the table when it asks next.
  detail::id_filter& seen = p_->ids_seen;
  if (seen.built() && seen.room_for(named_entries.size())) {
    for (const journal_entry* c : named_entries) seen.add(c->id);
  } else {
    seen = {};
  }
  for (std::size_t from = 0; from < named_entries.size();) {
    const std::size_t left = named_entries.size() - from;
    const std::size_t rows = left >= 64 ? 64 : left >= 16 ? 16 : left >= 4 ? 4 : 1;
    impl::stmt ids(*p_, insert_ids_sql(rows));
    for (std::size_t k = 0; k < rows; ++k) {
      const journal_entry& c = *named_entries[from + k];
      ids.bind_static(static_cast<int>(2 * k + 1), c.id)
          .bind(static_cast<int>(2 * k + 2), static_cast<std::int64_t>(c.position));
    }
    ids.run();
    from += rows;
  }
  impl::stmt out(*p_, "INSERT INTO outbox(first, last, keys, events) VALUES(?1, ?2, ?3, ?4)");
  detail::row_text& keys = p_->row_a;
  detail::row_text& texts = p_->row_b;
  const auto outbox_row = [&] {
    out.bind(1, static_cast<std::int64_t>(seq - keys.size() + 1)).bind(2, static_cast<std::int64_t>(seq));
    out.bind_static(3, keys.text()).bind_static(4, texts.text()).run();
    out.reset();
    keys.clear();
    texts.clear();
  };
  for (const outbox_event& e : events) {
    if (e.sequence != ++seq) p_->refuse(fmt::format("event sequence {} does not follow {}", e.sequence, seq - 1));
    if (e.key.find('\n') != std::string::npos || e.json.find('\n') != std::string::npos)
      p_->refuse(fmt::format("event {}: a key or event holding a line break", e.sequence));
    keys.add(e.key);
    texts.add(e.json);
    if (keys.full() || texts.full()) outbox_row();
  }
  if (keys.size() != 0) outbox_row();
  p_->set_meta("position", std::to_string(pos));
  p_->set_meta("sequence", std::to_string(seq));
  t.commit();
}

void sqlite_storage::register_consumer(std::string_view name) {
  impl::transaction t(*p_, "register a consumer");
  impl::stmt q(*p_, "INSERT INTO consumers(name, acked) VALUES(?1, 0) ON CONFLICT(name) DO NOTHING");
  q.bind(1, name).run();
  t.commit();
}

void sqlite_storage::acknowledge(std::string_view name, std::uint64_t sequence) {
  impl::transaction t(*p_, "acknowledge events");
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

std::uint64_t sqlite_storage::prune() {
  impl::transaction t(*p_, "prune events");
  // Whole rows (a batch's events), once every consumer has all of them; min() over no consumer is
  // NULL: nothing is deleted.
  impl::stmt count(*p_,
                   "SELECT coalesce(sum(last - first + 1), 0) FROM outbox WHERE last <= (SELECT min(acked) FROM "
                   "consumers)");
  const auto n = count.step() ? static_cast<std::uint64_t>(count.integer(0)) : 0;
  count.reset();
  impl::stmt q(*p_, "DELETE FROM outbox WHERE last <= (SELECT min(acked) FROM consumers)");
  q.run();
  t.commit();
  return n;
}

void sqlite_storage::write_checkpoint(std::uint64_t position, const std::function<void(const chunk_sink&)>& produce) {
  impl::transaction t(*p_, "write a checkpoint");
  const std::uint64_t trimmed = p_->counter("trimmed");
  if (position < trimmed) {
    p_->refuse(fmt::format("a checkpoint at position {} would precede the trimmed journal (trimmed up to {})", position,
                           trimmed));
  }
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
  const impl::reading r(*p_);
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

std::uint64_t sqlite_storage::trim_journal(std::uint64_t upto) {
  impl::transaction t(*p_, "trim the journal");
  impl::stmt cp(*p_, "SELECT max(position) FROM checkpoint");
  const bool some = cp.step() && !cp.null(0);
  const auto latest = some ? static_cast<std::uint64_t>(cp.integer(0)) : 0;
  cp.reset();
  if (!some || upto > latest) {
    p_->refuse(
        some ? fmt::format("cannot trim the journal to position {}, past its latest checkpoint ({})", upto, latest)
             : fmt::format("cannot trim the journal to position {} without a checkpoint", upto));
  }
  if (upto <= p_->counter("trimmed")) return 0;
  // Whole rows: entries of a row that ends after `upto` stay until a later trim.
  impl::stmt count(*p_, "SELECT coalesce(sum(last - first + 1), 0) FROM journal WHERE last <= ?1");
  count.bind(1, static_cast<std::int64_t>(upto));
  const auto n = count.step() ? static_cast<std::uint64_t>(count.integer(0)) : 0;
  count.reset();
  impl::stmt del(*p_, "DELETE FROM journal WHERE last <= ?1");
  del.bind(1, static_cast<std::int64_t>(upto)).run();
  p_->set_meta("trimmed", std::to_string(upto));
  t.commit();
  return n;
}

}  // namespace dueday
