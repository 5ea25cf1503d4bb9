// For tests that damage a SQLite store on purpose: one entry of a packed row (schema 3: the journal
// and the outbox keep many entries a row, each ended by '\n'; src/store/sqlite_rows.hpp) rewritten
// in place, as a broken disk or a careless hand with the sqlite3 shell would. Used by the store
// tests and by store_fixture (no test framework here: failures throw std::runtime_error).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace dueday::test {

// Sets entry `n` (a journal position or an event sequence number) of `column` ("commands", "ids",
// "keys", "events") in `table` ("journal", "outbox") to `text`. A text holding '\n' leaves the row
// holding more entries than it says: a damaged row.
inline void replace_entry(const std::filesystem::path& file, std::string_view table, std::string_view column,
                          std::uint64_t n, std::string_view text) {
  sqlite3* db = nullptr;
  sqlite3_stmt* st = nullptr;
  const auto fail = [&](std::string_view what) {
    const std::string why = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : "cannot open");
    sqlite3_finalize(st);
    sqlite3_close(db);
    throw std::runtime_error("replace_entry: " + why);
  };
  if (sqlite3_open(file.c_str(), &db) != SQLITE_OK) fail("open");
  const std::string find = "SELECT first, " + std::string(column) + " FROM " + std::string(table) +
                           " WHERE first <= ?1 ORDER BY first DESC LIMIT 1";
  if (sqlite3_prepare_v2(db, find.c_str(), -1, &st, nullptr) != SQLITE_OK) fail("prepare");
  sqlite3_bind_int64(st, 1, static_cast<sqlite3_int64>(n));
  if (sqlite3_step(st) != SQLITE_ROW) fail("no row holds that entry");
  const auto first = static_cast<std::uint64_t>(sqlite3_column_int64(st, 0));
  const auto* p = static_cast<const char*>(sqlite3_column_blob(st, 1));
  std::string_view row(p ? p : "", static_cast<std::size_t>(sqlite3_column_bytes(st, 1)));
  std::vector<std::string> entries;
  for (std::size_t end; (end = row.find('\n')) != std::string_view::npos; row.remove_prefix(end + 1))
    entries.emplace_back(row.substr(0, end));
  sqlite3_finalize(st);
  st = nullptr;
  if (n - first >= entries.size()) fail("the row is shorter");
  entries[n - first] = std::string(text);
  std::string joined;
  for (const std::string& e : entries) joined += e + "\n";
  const std::string put = "UPDATE " + std::string(table) + " SET " + std::string(column) + " = ?1 WHERE first = ?2";
  if (sqlite3_prepare_v2(db, put.c_str(), -1, &st, nullptr) != SQLITE_OK) fail("prepare");
  sqlite3_bind_text(st, 1, joined.data(), static_cast<int>(joined.size()), SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 2, static_cast<sqlite3_int64>(first));
  if (sqlite3_step(st) != SQLITE_DONE) fail("update");
  sqlite3_finalize(st);
  sqlite3_close(db);
}

// Entry `n` of `column` in `table` as it is stored.
inline std::string entry(const std::filesystem::path& file, std::string_view table, std::string_view column,
                         std::uint64_t n) {
  sqlite3* db = nullptr;
  sqlite3_stmt* st = nullptr;
  std::string out;
  bool found = false;
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    const std::string find = "SELECT first, " + std::string(column) + " FROM " + std::string(table) +
                             " WHERE first <= ?1 ORDER BY first DESC LIMIT 1";
    if (sqlite3_prepare_v2(db, find.c_str(), -1, &st, nullptr) == SQLITE_OK) {
      sqlite3_bind_int64(st, 1, static_cast<sqlite3_int64>(n));
      if (sqlite3_step(st) == SQLITE_ROW) {
        const auto first = static_cast<std::uint64_t>(sqlite3_column_int64(st, 0));
        const auto* p = static_cast<const char*>(sqlite3_column_blob(st, 1));
        std::string_view row(p ? p : "", static_cast<std::size_t>(sqlite3_column_bytes(st, 1)));
        for (std::uint64_t k = first; !found; ++k) {
          const std::size_t end = row.find('\n');
          if (end == std::string_view::npos) break;
          if (k == n) out = std::string(row.substr(0, end)), found = true;
          row.remove_prefix(end + 1);
        }
      }
    }
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  if (!found) throw std::runtime_error("entry: no such entry");
  return out;
}

}  // namespace dueday::test
