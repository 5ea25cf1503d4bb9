// sqlite_db: one SQLite connection of a store, with the prepared statements, transactions and meta
// counters that sqlite_storage.cpp and sqlite_schema.cpp share. Private to src/store.
#pragma once

#include <fmt/format.h>
#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "dueday/error.hpp"
#include "dueday/store.hpp"

namespace dueday::detail {

struct sqlite_db {
  sqlite_db() = default;
  sqlite_db(const sqlite_db&) = delete;
  sqlite_db& operator=(const sqlite_db&) = delete;
  ~sqlite_db() { close(); }

  std::string name;  // the file, escaped, for messages
  sqlite3* db = nullptr;
  bool read_only = false;  // opened SQLITE_OPEN_READONLY: every write is refused before SQLite sees it
  // Prepared statements by their SQL (string literals: the pointer is the key), prepared once.
  mutable std::unordered_map<const char*, sqlite3_stmt*> prepared;

  void close() noexcept {
    for (const auto& [sql, st] : prepared) sqlite3_finalize(st);
    prepared.clear();
    sqlite3_close(db);
    db = nullptr;
  }

  // "store <name>: <what>: <SQLite's message>", with what a locked store means.
  [[noreturn]] void fail(std::string_view what) const {
    const int code = sqlite3_errcode(db) & 0xff;
    throw store_error(fmt::format("store {}: {}: {}{}", name, what, escape(sqlite3_errmsg(db), 200),
                                  code == SQLITE_BUSY ? " (another program holds its write lock)" : ""));
  }
  [[noreturn]] void refuse(std::string_view what) const { throw store_error(fmt::format("store {}: {}", name, what)); }
  void writable(std::string_view what) const {
    if (read_only) refuse(fmt::format("opened read-only, cannot {}", what));
  }

  void exec(const char* sql) const {
    if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail("cannot run a statement");
  }

  // A prepared statement (from the cache, prepared on first use), reset on scope exit. `sql` must
  // be a string literal. One use of a statement at a time.
  class stmt {
   public:
    stmt(const sqlite_db& s, const char* sql) : s_(s) {
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
    // Without a copy: `v` must stay unchanged until the statement is reset (the bulk inserts of
    // append(), whose strings the caller holds for the whole call).
    stmt& bind_static(int i, std::string_view v) {
      check(sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC));
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
    const sqlite_db& s_;
    sqlite3_stmt* st_ = nullptr;
  };

  // BEGIN IMMEDIATE ... COMMIT, rolled back unless committed. Refused on a read-only store.
  class transaction {
   public:
    explicit transaction(const sqlite_db& s, std::string_view what = "write") : s_(s) {
      s.writable(what);
      s.exec("BEGIN IMMEDIATE");
    }
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
    const sqlite_db& s_;
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

// The tables of a new store (schema sqlite_storage::schema_version), on an empty database.
void create_schema(const sqlite_db& s);
// Brings a store of an older schema (1 up to the current one) to the current one, in one transaction.
void migrate_schema(const sqlite_db& s, std::int64_t from);

}  // namespace dueday::detail
