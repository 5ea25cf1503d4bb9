// The durable store under faults (issue 10, point 4): a full disk, a read-only or locked database
// file, truncated, corrupted and foreign files, a second writer; and readers in another process
// beside the one writer. Each fault gives one line (store_error, or the parse_error of a bad
// journal line), and the store stays consistent: reopened, it continues exactly, nothing accepted
// lost. Processes are forked before any SQLite connection of this process opens.
#include <doctest/doctest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dueday/snapshot.hpp>
#include <dueday/store.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "store_support.hpp"

using namespace dueday;
using namespace dueday::test;
namespace fs = std::filesystem;

namespace {

std::string bytes_of(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_bytes(const fs::path& file, const std::string& bytes) {
  std::ofstream(file, std::ios::binary | std::ios::trunc) << bytes;
}

std::int64_t first_value(const fs::path& file, const char* pragma) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, pragma, -1, &st, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  const std::int64_t v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

// A store of the first `n` October commands (ids "c1", ...), closed.
void make_store(const fs::path& file, const std::vector<command>& commands, std::size_t n) {
  durable_engine d(sqlite_at(file), cal(), builtin_policies());
  feed_batches(d, commands, 0, n, 100);
}

// Reopens the store and feeds the rest of the month: the outbox must be an uninterrupted replay's.
void continue_to_the_end(const fs::path& file, const std::vector<command>& commands, std::size_t from) {
  durable_engine d(sqlite_at(file), cal(), builtin_policies());
  CHECK(d.position() == from);
  feed_batches(d, commands, from, commands.size(), 100);
  CHECK(outbox_of(d.storage()) == october_replay());
}

std::string store_of(const fs::path& file) { return "store " + file.string(); }

}  // namespace

TEST_CASE("store faults: a full disk refuses a batch whole, keeps the earlier ones, and the retry continues exactly") {
  store_dir dir;
  const fs::path file = dir.path / "full.db";
  const auto commands = october();
  make_store(file, commands, 100);
  // Room for some 40 more pages of 4 KiB: a batch or two of 100 commands (journal, ids and
  // events), not the month.
  sqlite_options full;
  full.max_page_count = first_value(file, "PRAGMA page_count") + 40;
  durable_options manual;
  manual.checkpoint_every = 0;
  std::size_t done = 100;
  {
    durable_engine d(sqlite_at(file, full), cal(), builtin_policies(), manual);
    std::string refusal;
    std::string before;
    std::uint64_t events = 0;
    for (; done < commands.size(); done += 100) {
      before = snapshot(d.engine());
      events = d.storage().last_sequence();
      try {
        feed_batches(d, commands, done, std::min(done + 100, commands.size()), 100);
      } catch (const store_error& e) {
        refusal = e.what();
        break;
      }
    }
    REQUIRE(done > 100);  // a batch fitted before the disk was full
    REQUIRE(done < commands.size());
    CHECK(refusal == store_of(file) + ": cannot run a statement: database or disk is full");
    CHECK(snapshot(d.engine()) == before);  // the engine reloaded: the refused batch never happened
    CHECK(d.position() == done);
    CHECK(d.storage().position() == done);
    CHECK(d.storage().last_sequence() == events);
    CHECK_FALSE(d.storage().has_command("c" + std::to_string(done + 1)));
    CHECK_THROWS_AS(feed_batches(d, commands, done, done + 100, 100), store_error);  // still full
    CHECK(d.position() == done);
  }
  continue_to_the_end(file, commands, done);  // the limit lifted: the feeder resends the batch
}

TEST_CASE("store faults: a read-only database file is refused to a writer in one line, read by a reader") {
  store_dir dir;
  const fs::path file = dir.path / "ro.db";
  const auto commands = october();
  // The child that plays a user who may not write the file is forked before any connection.
  const bool root = geteuid() == 0;
  const auto attempt = [&]() -> std::string {
    std::string said;
    try {
      sqlite_storage writer(file);
      said = "a writer opened it";
    } catch (const store_error& e) {
      said = e.what();
    }
    sqlite_storage reader(file, reader_options());
    return said + " | reader at " + std::to_string(reader.position());
  };
  // Root writes any file whatever its mode: then a child gives up root for nobody (65534).
  child as_nobody([&](int from_parent, int) -> std::string {
    if (!root || hear(from_parent) != "go") return "not needed";
    if (setgid(65534) != 0 || setuid(65534) != 0) return "cannot drop root";
    return attempt();
  });
  make_store(file, commands, 50);
  fs::permissions(file, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  const std::string expected =
      store_of(file) + ": the file is read-only (Permission denied); only a reader may open it | reader at 50";
  if (root) {
    fs::permissions(dir.path, fs::perms::all);  // nobody may make the reader's -shm beside it
    as_nobody.say("go");
    const std::string said = as_nobody.line();
    if (said == "cannot drop root") {
      MESSAGE("skipped: running as root, and the child cannot become nobody");
    } else {
      CHECK(said == expected);
    }
  } else {
    CHECK(attempt() == expected);
  }
  CHECK(as_nobody.wait());
  fs::permissions(file, fs::perms::owner_write, fs::perm_options::add);
  continue_to_the_end(file, commands, 50);
}

TEST_CASE("store faults: a database another program keeps locked refuses the batch after the busy timeout") {
  store_dir dir;
  const fs::path file = dir.path / "locked.db";
  const auto commands = october();
  make_store(file, commands, 100);
  sqlite3* other = nullptr;  // another program, holding the write lock
  REQUIRE(sqlite3_open(file.c_str(), &other) == SQLITE_OK);
  REQUIRE(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite_options quick;
  quick.busy_timeout_ms = 100;
  {
    durable_engine d(sqlite_at(file, quick), cal(), builtin_policies());
    const std::string before = snapshot(d.engine());
    CHECK_THROWS_WITH_AS(
        feed_batches(d, commands, 100, 200, 100),
        (store_of(file) + ": cannot run a statement: database is locked (another program holds its write lock)")
            .c_str(),
        store_error);
    CHECK(snapshot(d.engine()) == before);
    CHECK(d.position() == 100);
    REQUIRE(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(other);
    feed_batches(d, commands, 100, 200, 100);  // the lock gone, the retry goes through
    CHECK(d.position() == 200);
  }
  continue_to_the_end(file, commands, 200);
}

TEST_CASE("store faults: a truncated, corrupted or foreign file is refused in one line naming it, and not written") {
  store_dir dir;
  const fs::path good = dir.path / "good.db";
  october_store(good, 400, 100, 300);
  const std::string intact = bytes_of(good);
  const auto page = static_cast<std::size_t>(first_value(good, "PRAGMA page_size"));
  REQUIRE(intact.size() % page == 0);
  REQUIRE(intact.size() / page > 20);

  // Opens the store and ticks it; what it answered.
  const auto answer = [&](const fs::path& file) -> std::string {
    try {
      durable_engine d(sqlite_at(file), cal(), builtin_policies());
      command tick;
      tick.kind = command_kind::tick;
      tick.at = test::at("2026-11-30T00:00");
      (void)d.apply(std::span(&tick, 1));
      return "opened";
    } catch (const dueday::error& e) {
      return e.what();
    }
  };
  const auto check_refused = [&](const fs::path& file, const std::string& bytes, const char* sqlite_says) {
    CAPTURE(file);
    write_bytes(file, bytes);
    const std::string said = answer(file);
    INFO(said);
    CHECK(said.rfind(store_of(file) + ": ", 0) == 0);
    CHECK(said.find(sqlite_says) != std::string::npos);
    CHECK(said.find('\n') == std::string::npos);
    CHECK(bytes_of(file) == bytes);  // refused, and not written
  };

  check_refused(dir.path / "half.db", intact.substr(0, intact.size() / 2 / page * page),
                "database disk image is malformed");
  // The middle half of every page but the first (the schema): the checkpoint's bytes are among
  // them, and are refused as any bad snapshot before a damaged B-tree page is reached.
  std::string garbled = intact;
  for (std::size_t p = page; p < garbled.size(); p += page) garbled.replace(p + page / 4, page / 2, page / 2, '\xa5');
  check_refused(dir.path / "garbled.db", garbled, ": checkpoint at position 300: not a valid snapshot: ");
  // The header of the journal's B-tree root page: SQLite finds the page malformed.
  const auto root =
      static_cast<std::size_t>(first_value(good, "SELECT rootpage FROM sqlite_schema WHERE name = 'journal'"));
  REQUIRE(root > 1);
  std::string header = intact;
  header.replace((root - 1) * page, 12, 12, '\xa5');
  check_refused(dir.path / "header.db", header, "database disk image is malformed");
  check_refused(dir.path / "text.db", std::string(8192, 'x'), "file is not a database");
  CHECK(answer(good) == "opened");  // the control
}

TEST_CASE("store faults: a second writer in another process is refused at once, naming the first one's pid") {
  store_dir dir;
  const fs::path file = dir.path / "two.db";
  const auto commands = october();
  child second([&](int from_parent, int) -> std::string {
    if (hear(from_parent) != "go") return "no go";
    try {
      sqlite_storage s(file);
      return "a second writer opened it";
    } catch (const store_error& e) {
      return e.what();
    }
  });
  durable_engine d(sqlite_at(file), cal(), builtin_policies());
  feed_batches(d, commands, 0, 10, 10);
  second.say("go");
  CHECK(second.line() == store_of(file) + ": another process is writing to it (pid " + std::to_string(getpid()) + ")");
  CHECK(second.wait());
  feed_batches(d, commands, 10, 20, 10);  // the writer goes on, undisturbed
  CHECK(d.position() == 20);
}

TEST_CASE("store faults: a writer killed with SIGKILL leaves its lock file, not its lock") {
  store_dir dir;
  const fs::path file = dir.path / "killed.db";
  const auto commands = october();
  child writer([&](int from_parent, int to_parent) -> std::string {
    durable_engine d(sqlite_at(file), cal(), builtin_policies());
    feed_batches(d, commands, 0, 30, 30);
    tell(to_parent, "ready");
    (void)hear(from_parent, std::chrono::seconds(20));  // killed while waiting
    return "not killed";
  });
  REQUIRE(writer.line() == "ready");
  CHECK(bytes_of(dir.path / "killed.db-writer") == std::to_string(writer.pid()) + "\n");
  writer.kill_now();
  continue_to_the_end(file, commands, 30);
  CHECK_FALSE(fs::exists(dir.path / "killed.db-writer"));  // removed by the writer that closed
}

TEST_CASE("store readers: a reader in another process reads each batch while the writer appends, and writes nothing") {
  store_dir dir;
  const fs::path file = dir.path / "shared.db";
  const auto commands = october();
  // The reader answers each "read" with the position and the events it sees, checking that the
  // sequence numbers run on without a gap.
  child reader([&](int from_parent, int to_parent) -> std::string {
    if (hear(from_parent) != "open") return "no open";
    sqlite_storage s(file, reader_options());
    std::uint64_t seen = 0;
    while (hear(from_parent) == "read") {
      for (auto batch = s.read_events(seen, 50); !batch.empty(); batch = s.read_events(seen, 50)) {
        for (const auto& e : batch) {
          if (e.sequence != seen + 1) return "a gap after event " + std::to_string(seen);
          seen = e.sequence;
        }
      }
      tell(to_parent, std::to_string(s.position()) + " " + std::to_string(seen));
    }
    try {
      s.register_consumer("sms");
      return "a reader wrote";
    } catch (const store_error& e) {
      return e.what();
    }
  });
  durable_engine d(sqlite_at(file), cal(), builtin_policies());
  feed_batches(d, commands, 0, 100, 100);
  reader.say("open");
  for (std::size_t from = 100; from < commands.size(); from += 250) {
    feed_batches(d, commands, from, std::min(from + 250, commands.size()), 50);
    reader.say("read");
    CHECK(reader.line() == std::to_string(d.position()) + " " + std::to_string(d.storage().last_sequence()));
  }
  CHECK(d.position() == commands.size());
  reader.say("done");
  CHECK(reader.line() == store_of(file) + ": opened read-only, cannot register a consumer");
  CHECK(reader.wait());
  CHECK(outbox_of(d.storage()) == october_replay());
}
