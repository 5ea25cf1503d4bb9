// The SQLite store's tables, and the migration of older ones (see sqlite_storage.cpp).
//
// Schema 3 (PRAGMA user_version = 3):
//   meta(key, value)                     identity (calendar, policies), position, sequence, trimmed
//   journal(first, last, ids, commands)  the entries first..last in one row (sqlite_rows.hpp); rows
//                                        wholly up to meta `trimmed` are deleted
//   ids(id, position)                    every id ever journaled, trimmed or not: duplicates are
//                                        caught after the journal before a checkpoint is trimmed
//   outbox(first, last, keys, events)    the events first..last in one row
//   consumers(name, acked)
//   checkpoint(position, part, bytes)    the latest checkpoint, in parts of up to 1 MiB, in a rowid
//                                        table: WITHOUT ROWID (schemas 1 and 2) put each 1 MiB part
//                                        in the key B-tree, every insert comparing whole records
//                                        (a third of a checkpoint's time)
// Schema 2 had a row per journal entry, journal(position, id, command), and per event,
// outbox(seq, key, event). Schema 1 had no ids table either: journal.id was UNIQUE there, so no
// entry could be deleted without forgetting its id.
#include <cstdint>

#include "dueday/store.hpp"
#include "store/sqlite_db.hpp"

namespace dueday::detail {

static_assert(sqlite_storage::schema_version == 3, "a new schema needs its migration below");

void create_schema(const sqlite_db& s) {
  sqlite_db::transaction t(s, "create the store");
  s.exec(
      "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
      "CREATE TABLE journal(first INTEGER PRIMARY KEY, last INTEGER NOT NULL, ids TEXT, commands TEXT NOT NULL);"
      "CREATE TABLE ids(id TEXT PRIMARY KEY, position INTEGER NOT NULL) WITHOUT ROWID;"
      "CREATE TABLE outbox(first INTEGER PRIMARY KEY, last INTEGER NOT NULL, keys TEXT NOT NULL, events TEXT NOT NULL);"
      "CREATE TABLE consumers(name TEXT PRIMARY KEY, acked INTEGER NOT NULL) WITHOUT ROWID;"
      "CREATE TABLE checkpoint(position INTEGER NOT NULL, part INTEGER NOT NULL, bytes BLOB NOT NULL,"
      " PRIMARY KEY(position, part));"
      "PRAGMA user_version = 3;");
  t.commit();
}

void migrate_schema(const sqlite_db& s, std::int64_t from) {
  // One transaction for every step: a failure (a full disk, a kill) leaves the store as it was.
  sqlite_db::transaction t(s, "migrate the store");
  if (from < 2) {
    // 1 -> 2: the ids move to a table of their own; the journal is rebuilt without its UNIQUE
    // (SQLite cannot drop a constraint), its rows unchanged.
    s.exec(
        "CREATE TABLE ids(id TEXT PRIMARY KEY, position INTEGER NOT NULL) WITHOUT ROWID;"
        "INSERT INTO ids(id, position) SELECT id, position FROM journal WHERE id IS NOT NULL;"
        "CREATE TABLE journal_2(position INTEGER PRIMARY KEY, id TEXT, command TEXT NOT NULL);"
        "INSERT INTO journal_2(position, id, command) SELECT position, id, command FROM journal;"
        "DROP TABLE journal;"
        "ALTER TABLE journal_2 RENAME TO journal;"
        "PRAGMA user_version = 2;");
  }
  if (from < 3) {
    // 2 -> 3: each entry and event becomes a row of one (an entry holding a '\n', which no store
    // of this project wrote, reads back as a damaged row, refused).
    s.exec(
        "CREATE TABLE journal_3(first INTEGER PRIMARY KEY, last INTEGER NOT NULL, ids TEXT, commands TEXT NOT NULL);"
        "INSERT INTO journal_3(first, last, ids, commands)"
        " SELECT position, position, id || char(10), command || char(10) FROM journal;"
        "DROP TABLE journal;"
        "ALTER TABLE journal_3 RENAME TO journal;"
        "CREATE TABLE outbox_3(first INTEGER PRIMARY KEY, last INTEGER NOT NULL, keys TEXT NOT NULL, events TEXT NOT "
        "NULL);"
        "INSERT INTO outbox_3(first, last, keys, events) SELECT seq, seq, key || char(10), event || char(10) FROM "
        "outbox;"
        "DROP TABLE outbox;"
        "ALTER TABLE outbox_3 RENAME TO outbox;"
        "CREATE TABLE checkpoint_3(position INTEGER NOT NULL, part INTEGER NOT NULL, bytes BLOB NOT NULL,"
        " PRIMARY KEY(position, part));"
        "INSERT INTO checkpoint_3(position, part, bytes) SELECT position, part, bytes FROM checkpoint;"
        "DROP TABLE checkpoint;"
        "ALTER TABLE checkpoint_3 RENAME TO checkpoint;"
        "PRAGMA user_version = 3;");
  }
  t.commit();
}

}  // namespace dueday::detail
