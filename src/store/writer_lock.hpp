// writer_lock: the one writer of a store file, as a lock file beside it. Private to src/store.
//
// Why one writer: SQLite 3.7.0 through 3.51.2 has the WAL-reset bug
// (https://sqlite.org/wal.html#walresetbug): a checkpoint in one connection racing a commit that
// resets the WAL in another can lose committed pages. Debian 12 ships 3.40.1. The race needs two
// connections that write or checkpoint; a store has exactly one writer connection (this lock,
// held for its lifetime), which both commits and checkpoints, and readers that do neither
// (sqlite_options::read_only: SQLITE_OPEN_READONLY and SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE).
//
// Why a lock file and not flock() on the database file itself: closing any descriptor of a file
// drops every POSIX (fcntl) lock the process holds on it, and SQLite's locks are POSIX locks. A
// descriptor of our own on the database, closed when the writer closes, would silently drop the
// locks of every other connection of this process to the same file (a reader's, say), letting a
// checkpoint run under its feet. The lock file is a file SQLite never opens, so its descriptor can
// be closed at any time. It is `<database>-writer`, holds the writer's pid (for the refusal's
// message) and is removed when the writer closes, in this order: sqlite3_close (its checkpoint on
// close runs still under the lock), unlink, close.
#pragma once

#include <filesystem>
#include <string>

namespace dueday::detail {

class writer_lock {
 public:
  writer_lock() = default;
  // Takes the lock of `database` (not held yet), or throws store_error "store <name>: another process is
  // writing to it (pid N)" (or "...: another writer in this process has it open", or why the
  // lock file cannot be made). Never waits.
  void take(const std::filesystem::path& database, const std::string& name);
  writer_lock(const writer_lock&) = delete;
  writer_lock& operator=(const writer_lock&) = delete;
  ~writer_lock() { release(); }
  // Removes the lock file and lets go (no effect when not held).
  void release() noexcept;

 private:
  int fd_ = -1;
  std::filesystem::path path_;
};

}  // namespace dueday::detail
