// What the store's fault and schema tests share: temporary folders, the October example's
// commands, feeding them in batches, and a child process bounded in time.
#pragma once

#include <doctest/doctest.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <unistd.h>
#include <dueday/io.hpp>
#include <dueday/jsonl.hpp>
#include <dueday/store.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support.hpp"

namespace dueday::test {

namespace fs = std::filesystem;

// A fresh directory, removed with everything in it at scope exit.
struct store_dir {
  store_dir() {
    std::string pattern = (fs::temp_directory_path() / "dueday-store-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  store_dir(const store_dir&) = delete;
  store_dir& operator=(const store_dir&) = delete;
  ~store_dir() {
    std::error_code ec;
    fs::permissions(path, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path, ec);
  }
  fs::path path;
};

inline std::vector<command> october() {
  std::ifstream in(DUEDAY_EXAMPLES_DIR "/october-2026/commands.jsonl");
  REQUIRE(in);
  std::vector<command> out;
  std::int64_t n = 0;
  for (std::string line; std::getline(in, line);) out.push_back(parse_command(line, "october", ++n));
  return out;
}

// What an uninterrupted `replay` of the October file writes.
inline std::string october_replay() {
  std::ifstream in(DUEDAY_EXAMPLES_DIR "/october-2026/commands.jsonl");
  std::ostringstream text;
  jsonl_sink out(text);
  engine e(cal(), builtin_policies(), out);
  (void)replay(in, "commands.jsonl", e, out);
  out.flush();
  return text.str();
}

// Every event in the outbox from sequence `first`, one line each; checks the numbers run on by one.
inline std::string outbox_of(storage& s, std::uint64_t first = 1) {
  std::string text;
  std::uint64_t expected = first;
  for (;;) {
    const auto batch = s.read_events(expected - 1, 200);
    if (batch.empty()) break;
    for (const auto& e : batch) {
      REQUIRE(e.sequence == expected);
      ++expected;
      text += e.json + "\n";
    }
  }
  return text;
}

// Applies commands[from, to) in batches of `batch`, with ids "c<line>".
inline void feed_batches(durable_engine& d, const std::vector<command>& commands, std::size_t from, std::size_t to,
                         std::size_t batch) {
  for (std::size_t i = from; i < to; i += batch) {
    const std::size_t n = std::min(batch, to - i);
    std::vector<std::string> ids;
    for (std::size_t k = i; k < i + n; ++k) ids.push_back("c" + std::to_string(k + 1));
    (void)d.apply(std::span(commands).subspan(i, n), ids);
  }
}

inline std::unique_ptr<storage> sqlite_at(const fs::path& file, sqlite_options o = {}) {
  return std::make_unique<sqlite_storage>(file, o);
}

// A new store at `file` holding the October commands up to `upto`, fed in batches of `batch`,
// with a checkpoint once `checkpoint_at` of them are applied (0: none); closed on return.
inline void october_store(const fs::path& file, std::size_t upto, std::size_t batch, std::size_t checkpoint_at = 0) {
  const auto commands = october();
  durable_engine d(sqlite_at(file), cal(), builtin_policies());
  if (checkpoint_at != 0) {
    feed_batches(d, commands, 0, checkpoint_at, batch);
    d.checkpoint();
  }
  feed_batches(d, commands, checkpoint_at, upto, batch);
}

inline sqlite_options reader_options() {
  sqlite_options o;
  o.read_only = true;
  return o;
}

// Runs SQL on a store as another program would (a connection of its own).
inline void run_sql(const fs::path& file, const char* sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(file.c_str(), &db) == SQLITE_OK);
  char* msg = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &msg);
  INFO((msg ? msg : ""));
  sqlite3_free(msg);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

// Writes one line to the other side of a pipe.
inline void tell(int fd, const std::string& text) {
  const std::string line = text + "\n";
  (void)!write(fd, line.data(), line.size());
}

// The next line from a pipe ("" at its end or after `limit`).
inline std::string hear(int fd, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  std::string text;
  const auto until = std::chrono::steady_clock::now() + limit;
  char c = 0;
  while (std::chrono::steady_clock::now() < until) {
    fd_set in;
    FD_ZERO(&in);
    FD_SET(fd, &in);
    timeval tick{0, 20'000};
    if (select(fd + 1, &in, nullptr, nullptr, &tick) <= 0) continue;
    if (read(fd, &c, 1) != 1) break;
    if (c == '\n') return text;
    text += c;
  }
  return text;
}

// A forked child running body(from_parent, to_parent); what it returns is its last line to the
// parent (an escaping exception's message, prefixed "exception: "). Fork it before this process
// opens any SQLite connection: SQLite's per-process lock bookkeeping must not be inherited. The
// child is killed at scope exit if it is still running.
class child {
 public:
  explicit child(const std::function<std::string(int from_parent, int to_parent)>& body) {
    int up[2];
    int down[2];
    REQUIRE(pipe(up) == 0);
    REQUIRE(pipe(down) == 0);
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      close(up[0]);
      close(down[1]);
      std::string said;
      try {
        said = body(down[0], up[1]);
      } catch (const std::exception& e) {
        said = std::string("exception: ") + e.what();
      }
      tell(up[1], said);
      _exit(0);
    }
    close(up[1]);
    close(down[0]);
    from_ = up[0];
    to_ = down[1];
  }
  child(const child&) = delete;
  child& operator=(const child&) = delete;
  ~child() {
    if (pid_ > 0) kill_now();
    close(from_);
    close(to_);
  }
  [[nodiscard]] pid_t pid() const { return pid_; }
  void say(const std::string& text) const { tell(to_, text); }
  [[nodiscard]] std::string line(std::chrono::milliseconds limit = std::chrono::seconds(10)) const {
    return hear(from_, limit);
  }
  // Waits (bounded) for the child's end; true when it exited by itself.
  bool wait(std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }
  void kill_now() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
  int from_ = -1;
  int to_ = -1;
};

}  // namespace dueday::test
