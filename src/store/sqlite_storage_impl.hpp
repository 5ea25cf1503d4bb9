// sqlite_storage's connection (sqlite_storage.cpp opens it and writes; sqlite_reads.cpp reads):
// the SQLite helpers, the writer's lock, the rows being written. Private to src/store.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string_view>
#include <utility>
#include <vector>

#include "dueday/store.hpp"
#include "store/id_filter.hpp"
#include "store/sqlite_db.hpp"
#include "store/sqlite_rows.hpp"
#include "store/writer_lock.hpp"

namespace dueday {

struct sqlite_storage::impl : detail::sqlite_db {
  impl() = default;
  impl(const impl&) = delete;
  impl& operator=(const impl&) = delete;
  // The connection closes (and checkpoints) before the writer's lock is let go: see writer_lock.hpp.
  ~impl() { close(); }

  detail::writer_lock lock;
  detail::row_text row_a, row_b;            // append's rows being written, their room kept
  std::vector<const journal_entry*> named;  // append's entries with an id, their room kept
  detail::id_filter ids_seen;               // the writer's (id_filter.hpp); built on first use

  // A packed row's first entry and its number of entries (columns 0 and 1), checked.
  std::pair<std::uint64_t, std::uint64_t> row_span(const stmt& q, std::string_view table, std::string_view what) const {
    const std::int64_t first = q.integer(0);
    const std::int64_t last = q.integer(1);
    if (first < 1 || last < first || last - first >= static_cast<std::int64_t>(detail::row_entries))
      refuse(fmt::format("the {} row of {} {}..{} is damaged", table, what, first, last));
    return {static_cast<std::uint64_t>(first), static_cast<std::uint64_t>(last - first + 1)};
  }
  [[noreturn]] void damaged(std::string_view table, std::string_view what, std::uint64_t first, std::uint64_t n) const {
    refuse(fmt::format("the {} row of {} {}..{} is damaged: it does not hold {} entries, one a line", table, what,
                       first, first + n - 1, n));
  }

  // A read transaction for several statements that must see one state, unless one is open.
  class reading {
   public:
    explicit reading(const impl& s) : s_(s), mine_(sqlite3_get_autocommit(s.db) != 0) {
      if (mine_) s.exec("BEGIN");
    }
    reading(const reading&) = delete;
    reading& operator=(const reading&) = delete;
    ~reading() {
      if (mine_) sqlite3_exec(s_.db, "COMMIT", nullptr, nullptr, nullptr);
    }

   private:
    const impl& s_;
    bool mine_;
  };

  // Opens (or creates) the file and checks, creates or migrates its schema.
  void open(const std::filesystem::path& file, const sqlite_options& options);
};

}  // namespace dueday
