// The SQLite store's schema 3: migration from schemas 1 and 2 (what earlier stores wrote), damaged
// rows, the journal trimmed behind checkpoints with its ids kept, and readers that refuse every
// write.
#include <doctest/doctest.h>
#include <sqlite3.h>
#include <dueday/snapshot.hpp>
#include <dueday/store.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "store_rows.hpp"
#include "store_support.hpp"

using namespace dueday;
using namespace dueday::test;
namespace fs = std::filesystem;

namespace {

// The tables of schema 1, as the first store created them.
constexpr const char* schema_1 =
    "PRAGMA journal_mode=WAL;"
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE journal(position INTEGER PRIMARY KEY, id TEXT UNIQUE, command TEXT NOT NULL);"
    "CREATE TABLE outbox(seq INTEGER PRIMARY KEY, key TEXT NOT NULL, event TEXT NOT NULL);"
    "CREATE TABLE consumers(name TEXT PRIMARY KEY, acked INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE checkpoint(position INTEGER NOT NULL, part INTEGER NOT NULL, bytes BLOB NOT NULL,"
    " PRIMARY KEY(position, part)) WITHOUT ROWID;"
    "PRAGMA user_version = 1;";

// The tables of schema 2: the ids in a table of their own, a row per journal entry and per event.
constexpr const char* schema_2 =
    "PRAGMA journal_mode=WAL;"
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE journal(position INTEGER PRIMARY KEY, id TEXT, command TEXT NOT NULL);"
    "CREATE TABLE ids(id TEXT PRIMARY KEY, position INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE outbox(seq INTEGER PRIMARY KEY, key TEXT NOT NULL, event TEXT NOT NULL);"
    "CREATE TABLE consumers(name TEXT PRIMARY KEY, acked INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE checkpoint(position INTEGER NOT NULL, part INTEGER NOT NULL, bytes BLOB NOT NULL,"
    " PRIMARY KEY(position, part)) WITHOUT ROWID;"
    "PRAGMA user_version = 2;";

// The rows of a query, one line each, columns as SQL literals.
std::string rows(const fs::path& file, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
  std::string out;
  while (sqlite3_step(st) == SQLITE_ROW) {
    for (int c = 0; c < sqlite3_column_count(st); ++c) {
      const auto* p = static_cast<const char*>(sqlite3_column_blob(st, c));
      out += std::to_string(sqlite3_column_type(st, c)) + ":" +
             std::string(p ? p : "", static_cast<std::size_t>(sqlite3_column_bytes(st, c))) + "|";
    }
    out += "\n";
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

// Every entry a store holds, in one text: meta, journal, outbox, consumers and checkpoint rows in
// rows()'s form, a journal entry as (position, id or NULL, command) and an event as (seq, key,
// event) whether the store keeps them a row each (schemas 1 and 2) or packed (schema 3, read
// through a reader).
std::string contents(const fs::path& file) {
  std::string all = rows(file, "SELECT * FROM meta ORDER BY key");
  if (rows(file, "PRAGMA user_version") == "1:3|\n") {
    sqlite_storage r(file, reader_options());
    r.read_journal(0, [&](const journal_entry& e) {
      all += "1:" + std::to_string(e.position) + "|" + (e.id.empty() ? "5:" : "3:" + e.id) + "|3:" + e.command + "|\n";
    });
    for (const outbox_event& e : r.read_events(0, SIZE_MAX))
      all += "1:" + std::to_string(e.sequence) + "|3:" + e.key + "|3:" + e.json + "|\n";
  } else {
    all += rows(file, "SELECT position, id, command FROM journal ORDER BY position");
    all += rows(file, "SELECT seq, key, event FROM outbox ORDER BY seq");
  }
  return all + rows(file, "SELECT * FROM consumers ORDER BY name") +
         rows(file, "SELECT * FROM checkpoint ORDER BY position, part");
}

// A store of schema 1 or 2 holding what `from` (a closed store of this build) holds.
void write_schema(int version, const fs::path& from, const fs::path& file) {
  run_sql(file, version == 1 ? schema_1 : schema_2);
  const std::string copy = "ATTACH '" + from.string() +
                           "' AS n; BEGIN;"
                           "INSERT INTO meta SELECT * FROM n.meta;"
                           "INSERT INTO consumers SELECT * FROM n.consumers;"
                           "INSERT INTO checkpoint SELECT * FROM n.checkpoint; COMMIT; DETACH n;";
  run_sql(file, copy.c_str());
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(file.c_str(), &db) == SQLITE_OK);
  const auto insert = [&](const char* sql, std::int64_t n, const std::string& a, const std::string& b) {
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK);
    sqlite3_bind_int64(st, 1, n);
    if (!a.empty()) sqlite3_bind_text(st, 2, a.data(), static_cast<int>(a.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, b.data(), static_cast<int>(b.size()), SQLITE_TRANSIENT);
    CHECK(sqlite3_step(st) == SQLITE_DONE);
    sqlite3_finalize(st);
  };
  sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
  sqlite_storage r(from, reader_options());
  r.read_journal(0, [&](const journal_entry& e) {
    const auto at = static_cast<std::int64_t>(e.position);
    insert("INSERT INTO journal(position, id, command) VALUES(?1, ?2, ?3)", at, e.id, e.command);
    if (version == 2 && !e.id.empty()) insert("INSERT INTO ids(position, id) VALUES(?1, ?3)", at, "", e.id);
  });
  for (const outbox_event& e : r.read_events(0, SIZE_MAX))
    insert("INSERT INTO outbox(seq, key, event) VALUES(?1, ?2, ?3)", static_cast<std::int64_t>(e.sequence), e.key,
           e.json);
  sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  sqlite3_close(db);
}

std::string store_of(const fs::path& file) { return "store " + file.string(); }

}  // namespace

TEST_CASE("store schema: a store of schema 1 or 2 is migrated to 3 by its writer, its entries unchanged, and goes on") {
  for (const int version : {1, 2}) {
    CAPTURE(version);
    store_dir dir;
    const fs::path now = dir.path / "now.db";
    const fs::path old = dir.path / "old.db";
    const auto commands = october();
    october_store(now, 300, 100, 200);
    sqlite_storage(now).acknowledge("sms", 5);
    write_schema(version, now, old);
    const std::string before = contents(old);
    REQUIRE(rows(old, "PRAGMA user_version") == "1:" + std::to_string(version) + "|\n");
    REQUIRE(before == contents(now));  // the test's own copy holds what the store holds

    CHECK_THROWS_WITH_AS(sqlite_storage(old, reader_options()),
                         (store_of(old) + ": store schema " + std::to_string(version) +
                          " needs migrating to 3: open it for writing once")
                             .c_str(),
                         store_error);
    { sqlite_storage writer(old); }  // migrates
    CHECK(rows(old, "PRAGMA user_version") == "1:3|\n");
    CHECK(contents(old) == before);
    // Every id of the journal, with its position (300 commands, ids c1..c300), and a row per entry.
    CHECK(rows(old, "SELECT count(*), min(position), max(position) FROM ids") == "1:300|1:1|1:300|\n");
    CHECK(rows(old, "SELECT count(*), sum(last = first) FROM journal") == "1:300|1:300|\n");

    durable_engine d(sqlite_at(old), cal(), builtin_policies());
    CHECK(d.position() == 300);
    CHECK(d.storage().acknowledged("sms") == std::uint64_t{5});
    const std::vector<std::string> again = {"c7"};
    CHECK(d.apply(std::span(commands).subspan(6, 1), again).at(0).result == outcome::status::duplicate);
    feed_batches(d, commands, 300, commands.size(), 100);
    CHECK(outbox_of(d.storage()) == october_replay());
  }
}

TEST_CASE("store schema: a damaged row is refused, naming its entries") {
  store_dir dir;
  const fs::path file = dir.path / "s.db";
  october_store(file, 50, 50);  // one batch: the journal row of positions 1..50
  const std::string events = entry(file, "outbox", "events", 2);
  replace_entry(file, "outbox", "events", 2, events + "\n{}");  // a line more than the row's events
  {
    sqlite_storage r(file, reader_options());
    CHECK(r.last_sequence() > 2);
    CHECK_THROWS_WITH_AS((void)r.read_events(0, 1), doctest::Contains(": the outbox row of events 1.."), store_error);
    CHECK_THROWS_WITH_AS((void)r.read_events(0, 1), doctest::Contains("is damaged: it does not hold"), store_error);
  }
  replace_entry(file, "journal", "commands", 7, "{");  // one line still: read back, refused as a command
  CHECK_THROWS_WITH_AS(durable_engine(sqlite_at(file), cal(), builtin_policies()), doctest::Contains("journal:7:"),
                       parse_error);
  run_sql(file, "UPDATE journal SET last = 49");
  CHECK_THROWS_WITH_AS(
      durable_engine(sqlite_at(file), cal(), builtin_policies()),
      (store_of(file) + ": the journal row of positions 1..49 is damaged: it does not hold 49 entries, one a line")
          .c_str(),
      store_error);
  run_sql(file, "UPDATE journal SET last = 0");
  CHECK_THROWS_WITH_AS(durable_engine(sqlite_at(file), cal(), builtin_policies()),
                       (store_of(file) + ": the journal row of positions 1..0 is damaged").c_str(), store_error);
}

TEST_CASE("store schema: a migration that fails leaves the schema-1 store as it was") {
  store_dir dir;
  const fs::path now = dir.path / "now.db";
  const fs::path old = dir.path / "old.db";
  october_store(now, 50, 50);
  write_schema(1, now, old);
  run_sql(old, "CREATE TABLE ids(x)");  // in the way of the migration's own
  const std::string before = contents(old);
  CHECK_THROWS_WITH_AS(sqlite_storage{old},
                       (store_of(old) + ": cannot run a statement: table ids already exists").c_str(), store_error);
  CHECK(contents(old) == before);
  CHECK_FALSE(fs::exists(dir.path / "old.db-writer"));
}

TEST_CASE("store schema: a newer schema is refused by a reader as by a writer") {
  store_dir dir;
  const fs::path file = dir.path / "s.db";
  { sqlite_storage s(file); }
  run_sql(file, "PRAGMA user_version = 4");
  const std::string newer = store_of(file) + ": written by a newer dueday (store schema 4, this build reads up to 3)";
  CHECK_THROWS_WITH_AS(sqlite_storage{file}, newer.c_str(), store_error);
  CHECK_THROWS_WITH_AS(sqlite_storage(file, reader_options()), newer.c_str(), store_error);
}

TEST_CASE("store journal: trimmed behind each checkpoint, its ids still catch duplicates and the run stays exact") {
  store_dir dir;
  const fs::path file = dir.path / "trim.db";
  const auto commands = october();
  durable_options o;
  o.checkpoint_every = 130;
  o.trim_journal = true;
  {
    durable_engine d(sqlite_at(file), cal(), builtin_policies(), o);
    // Batches of 70 end at 70, 140, ..., 420: checkpoints at 140 and 280 (130 or more commands
    // since the last) and at 420; each trims the journal up to itself.
    feed_batches(d, commands, 0, 420, 70);
    CHECK(d.storage().checkpoint_position() == std::uint64_t{420});
    feed_batches(d, commands, 420, 450, 30);
    storage& s = d.storage();
    std::uint64_t first = 0;
    std::uint64_t count = 0;
    s.read_journal(420, [&](const journal_entry& e) { first = first ? first : e.position, ++count; });
    CHECK(first == 421);
    CHECK(count == 30);
    CHECK_THROWS_WITH_AS(
        s.read_journal(0, [](const journal_entry&) {}),
        (store_of(file) + ": the journal up to position 420 was trimmed: it cannot be read from position 0").c_str(),
        store_error);
    CHECK(s.position() == 450);
    CHECK(s.has_command("c1"));  // its entry is gone, its id is not
    CHECK_THROWS_WITH_AS(
        s.trim_journal(421),
        (store_of(file) + ": cannot trim the journal to position 421, past its latest checkpoint (420)").c_str(),
        store_error);
    CHECK_THROWS_WITH_AS(
        s.write_checkpoint(419, [](const chunk_sink& out) { out("{}"); }),
        (store_of(file) + ": a checkpoint at position 419 would precede the trimmed journal (trimmed up to 420)")
            .c_str(),
        store_error);
    CHECK(s.trim_journal(400) == 0);  // already trimmed past it
    // A feeder resending from the start: every command already applied is a duplicate.
    std::vector<std::string> ids;
    for (int k = 1; k <= 10; ++k) ids.push_back("c" + std::to_string(k));
    for (const outcome& out : d.apply(std::span(commands).subspan(0, 10), ids))
      CHECK(out.result == outcome::status::duplicate);
    CHECK(d.position() == 450);
  }
  CHECK(rows(file, "SELECT sum(last - first + 1), min(first) FROM journal") == "1:30|1:421|\n");
  CHECK(rows(file, "SELECT count(*) FROM ids") == "1:450|\n");
  durable_engine d(sqlite_at(file), cal(), builtin_policies(), o);  // checkpoint 420 + journal 421..450
  CHECK(d.position() == 450);
  feed_batches(d, commands, 450, commands.size(), 100);
  CHECK(outbox_of(d.storage()) == october_replay());
}

TEST_CASE("store journal: no trimming without a checkpoint") {
  store_dir dir;
  const fs::path file = dir.path / "s.db";
  sqlite_storage s(file);
  CHECK_THROWS_WITH_AS(s.trim_journal(1),
                       (store_of(file) + ": cannot trim the journal to position 1 without a checkpoint").c_str(),
                       store_error);
}

TEST_CASE("store readers: a reader queries, loads an engine, and refuses every write in one line") {
  store_dir dir;
  const fs::path file = dir.path / "r.db";
  const auto commands = october();
  durable_engine w(sqlite_at(file), cal(), builtin_policies());
  feed_batches(w, commands, 0, 100, 100);
  w.checkpoint();
  feed_batches(w, commands, 100, 120, 20);

  sqlite_storage r(file, reader_options());
  CHECK(r.position() == 120);
  CHECK(r.checkpoint_position() == std::uint64_t{100});
  CHECK(r.has_command("c3"));
  CHECK(r.read_events(0, 3).size() == 3);
  const std::string no = store_of(file) + ": opened read-only, cannot ";
  const journal_entry one{121, "x", R"({"type":"tick","at":"2026-10-31T00:00:00+08:00"})"};
  CHECK_THROWS_WITH_AS(r.append(120, std::span(&one, 1), {}), (no + "append commands").c_str(), store_error);
  CHECK_THROWS_WITH_AS(r.initialize({}), (no + "record its identity").c_str(), store_error);
  CHECK_THROWS_WITH_AS(r.register_consumer("a"), (no + "register a consumer").c_str(), store_error);
  CHECK_THROWS_WITH_AS(r.acknowledge("a", 1), (no + "acknowledge events").c_str(), store_error);
  CHECK_THROWS_WITH_AS((void)r.prune(), (no + "prune events").c_str(), store_error);
  CHECK_THROWS_WITH_AS(r.write_checkpoint(120, [](const chunk_sink&) {}), (no + "write a checkpoint").c_str(),
                       store_error);
  CHECK_THROWS_WITH_AS((void)r.trim_journal(100), (no + "trim the journal").c_str(), store_error);

  // An engine over a reader: the writer's state, from its checkpoint and journal; no batch.
  durable_engine d(std::make_unique<sqlite_storage>(file, reader_options()), cal(), builtin_policies());
  CHECK(snapshot(d.engine()) == snapshot(w.engine()));
  CHECK_THROWS_WITH_AS(feed_batches(d, commands, 120, 121, 1), (no + "append commands").c_str(), store_error);
  CHECK(d.position() == 120);
  feed_batches(w, commands, 120, 140, 20);  // the writer is not held up by its readers
  CHECK(r.position() == 140);
}

TEST_CASE("store readers: a reader of a missing or empty file says so") {
  store_dir dir;
  const fs::path missing = dir.path / "none.db";
  CHECK_THROWS_WITH_AS(sqlite_storage(missing, reader_options()),
                       (store_of(missing) + ": cannot open: no such file").c_str(), store_error);
  CHECK_FALSE(fs::exists(missing));
  const fs::path empty = dir.path / "empty.db";
  { std::ofstream touch(empty); }
  CHECK_THROWS_WITH_AS(sqlite_storage(empty, reader_options()),
                       (store_of(empty) + ": not a dueday store (no schema version)").c_str(), store_error);
}

TEST_CASE("store schema: a SQLite database of something else is refused and left as it was") {
  store_dir dir;
  const fs::path other = dir.path / "other.db";
  run_sql(other, "CREATE TABLE t(x); INSERT INTO t VALUES(1)");
  CHECK_THROWS_WITH_AS(sqlite_storage{other},
                       (store_of(other) + ": not a dueday store (a SQLite database with other tables)").c_str(),
                       store_error);
  CHECK(rows(other, "PRAGMA journal_mode") == "3:delete|\n");  // not switched to WAL
  CHECK(rows(other, "SELECT x FROM t") == "1:1|\n");
}
