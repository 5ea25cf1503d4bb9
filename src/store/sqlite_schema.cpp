// The SQLite store's tables, and the migration of older ones (see sqlite_storage.cpp).
//
// Schema 2 (PRAGMA user_version = 2):
//   meta(key, value)                  identity (calendar, policies), position, sequence, trimmed
//   journal(position, id, command)    id NULL for none; entries up to meta `trimmed` are deleted
//   ids(id, position)                 every id ever journaled, trimmed or not: duplicates are
//                                     caught after the journal before a checkpoint is trimmed
//   outbox(seq, key, event)
//   consumers(name, acked)
//   checkpoint(position, part, bytes) the latest checkpoint, in parts of up to 1 MiB
// Schema 1 had no ids table: journal.id was UNIQUE there, so no entry could be deleted without
// forgetting its id.
#include <cstdint>

#include "dueday/store.hpp"
#include "store/sqlite_db.hpp"

namespace dueday::detail {

static_assert(sqlite_storage::schema_version == 2, "a new schema needs its migration below");

void create_schema(const sqlite_db& s) {
  sqlite_db::transaction t(s, "create the store");
  s.exec(
      "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
      "CREATE TABLE journal(position INTEGER PRIMARY KEY, id TEXT, command TEXT NOT NULL);"
      "CREATE TABLE ids(id TEXT PRIMARY KEY, position INTEGER NOT NULL) WITHOUT ROWID;"
      "CREATE TABLE outbox(seq INTEGER PRIMARY KEY, key TEXT NOT NULL, event TEXT NOT NULL);"
      "CREATE TABLE consumers(name TEXT PRIMARY KEY, acked INTEGER NOT NULL) WITHOUT ROWID;"
      "CREATE TABLE checkpoint(position INTEGER NOT NULL, part INTEGER NOT NULL, bytes BLOB NOT NULL,"
      " PRIMARY KEY(position, part)) WITHOUT ROWID;"
      "PRAGMA user_version = 2;");
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
  t.commit();
}

}  // namespace dueday::detail
