// The durable store (store.hpp): journal, outbox and checkpoints in SQLite, each test in a
// temporary directory of its own.
#include <doctest/doctest.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <dueday/io.hpp>
#include <dueday/jsonl.hpp>
#include <dueday/snapshot.hpp>
#include <dueday/store.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "store_rows.hpp"
#include "store_support.hpp"
#include "support.hpp"

using namespace dueday;
using namespace dueday::test;

namespace {

// Delegates to a SQLite store; append throws while `fail` is set.
class failing_storage final : public storage {
 public:
  explicit failing_storage(const fs::path& file) : s_(file) {}
  bool fail = false;
  const std::string& name() const noexcept override { return s_.name(); }
  std::optional<store_identity> identity() override { return s_.identity(); }
  void initialize(const store_identity& id) override { s_.initialize(id); }
  std::uint64_t position() override { return s_.position(); }
  std::uint64_t last_sequence() override { return s_.last_sequence(); }
  void append(std::uint64_t after, std::span<const journal_entry> c, std::span<const outbox_event> e) override {
    if (fail) throw store_error("store test: disk full");
    s_.append(after, c, e);
  }
  bool has_command(std::string_view id) override { return s_.has_command(id); }
  void read_journal(std::uint64_t p, const std::function<void(const journal_entry&)>& each) override {
    s_.read_journal(p, each);
  }
  std::vector<outbox_event> read_events(std::uint64_t q, std::size_t max) override { return s_.read_events(q, max); }
  void register_consumer(std::string_view n) override { s_.register_consumer(n); }
  void acknowledge(std::string_view n, std::uint64_t q) override { s_.acknowledge(n, q); }
  std::optional<std::uint64_t> acknowledged(std::string_view n) override { return s_.acknowledged(n); }
  std::uint64_t prune() override { return s_.prune(); }
  void write_checkpoint(std::uint64_t p, const std::function<void(const chunk_sink&)>& produce) override {
    s_.write_checkpoint(p, produce);
  }
  std::optional<std::uint64_t> read_checkpoint(const chunk_sink& out) override { return s_.read_checkpoint(out); }
  std::optional<std::uint64_t> checkpoint_position() override { return s_.checkpoint_position(); }

 private:
  sqlite_storage s_;
};

}  // namespace

TEST_CASE("store: the snapshot written in pieces is to_snapshot_json's bytes") {
  vector_sink sink;
  engine e(test::cal(), builtin_policies(), sink);
  (void)replay(*std::make_unique<std::ifstream>(DUEDAY_EXAMPLES_DIR "/october-2026/commands.jsonl"), "c", e, sink);
  const engine_state s = e.state();
  std::string text;
  int pieces = 0;
  write_snapshot_json(s, [&](std::string_view p) { text += p, ++pieces; });
  CHECK(text == to_snapshot_json(s));
  CHECK(pieces == static_cast<int>(s.cases.size()) + 2);  // header, each case, the end
}

TEST_CASE("store: interrupted runs, with and without checkpoints, write the outbox an uninterrupted replay writes") {
  const std::string expected = october_replay();
  const auto commands = october();
  REQUIRE(commands.size() == 977);
  for (const std::uint64_t every : {std::uint64_t{0}, std::uint64_t{130}}) {
    CAPTURE(every);
    store_dir dir;
    const fs::path db = dir.path / "monitor.db";
    durable_options o;
    o.checkpoint_every = every;
    {
      durable_engine d(sqlite_at(db), test::cal(), builtin_policies(), o);
      // Batches of 70 end at 70, 140, 210, 280, 350, 400: checkpoints (130 commands or more since
      // the last) at 140 and 280, and 281..400 only in the journal.
      feed_batches(d, commands, 0, 400, 70);
      CHECK(d.position() == 400);
    }
    {
      durable_engine d(sqlite_at(db), test::cal(), builtin_policies(), o);  // reopened: checkpoint + journal
      CHECK(d.position() == 400);
      CHECK(d.storage().checkpoint_position() == (every == 0 ? std::nullopt : std::optional<std::uint64_t>(280)));
      feed_batches(d, commands, 400, 700, 1);  // checkpoints at 410, 540 and 670
    }
    durable_engine d(sqlite_at(db), test::cal(), builtin_policies(), o);
    CHECK(d.storage().checkpoint_position() == (every == 0 ? std::nullopt : std::optional<std::uint64_t>(670)));
    feed_batches(d, commands, 700, commands.size(), 1000);
    CHECK(d.position() == 977);
    CHECK(outbox_of(d.storage()) == expected);
    // The refused line (the one late delivery) names its line, as replay's event does.
    CHECK(expected.find("\"type\":\"rejected\"") != std::string::npos);
  }
}

TEST_CASE("store: a command id already applied is a duplicate, in an earlier batch or the same one") {
  store_dir dir;
  const auto commands = october();
  durable_engine d(sqlite_at(dir.path / "s.db"), test::cal(), builtin_policies());
  feed_batches(d, commands, 0, 10, 10);
  const std::uint64_t events = d.storage().last_sequence();
  // The feeder resends from command 6 on: 6..10 are answered as duplicates, 11 and 12 apply.
  std::vector<std::string> ids;
  for (int k = 6; k <= 12; ++k) ids.push_back("c" + std::to_string(k));
  const auto outs = d.apply(std::span(commands).subspan(5, 7), ids);
  REQUIRE(outs.size() == 7);
  for (std::size_t k = 0; k < 5; ++k) CHECK(outs[k].result == outcome::status::duplicate);
  CHECK(outs[5].accepted());
  CHECK(outs[6].accepted());
  CHECK(d.position() == 12);  // 10 + the two new ones
  CHECK(d.storage().last_sequence() > events);
  // One id twice in a batch: the second is a duplicate, not journaled.
  const std::vector<std::string> twice = {"c13", "c13"};
  const auto again = d.apply(std::span(commands).subspan(12, 2), twice);
  CHECK(again[0].accepted());
  CHECK(again[1].result == outcome::status::duplicate);
  CHECK(d.position() == 13);
}

TEST_CASE("store: a failing commit leaves the store and the engine as before, and a retry continues exactly") {
  store_dir dir;
  const auto commands = october();
  const fs::path file = dir.path / "s.db";
  auto owned = std::make_unique<failing_storage>(file);
  failing_storage& s = *owned;
  durable_engine d(std::move(owned), test::cal(), builtin_policies());
  feed_batches(d, commands, 0, 300, 100);
  const std::string before = snapshot(d.engine());
  const std::uint64_t seq = s.last_sequence();
  s.fail = true;
  CHECK_THROWS_WITH_AS(feed_batches(d, commands, 300, 400, 100), "store test: disk full", store_error);
  CHECK(snapshot(d.engine()) == before);  // reloaded: the 100 commands it applied are gone
  CHECK(d.position() == 300);
  CHECK(s.position() == 300);
  CHECK(s.last_sequence() == seq);
  CHECK_FALSE(s.has_command("c301"));
  s.fail = false;
  feed_batches(d, commands, 300, commands.size(), 100);  // the feeder retries
  CHECK(outbox_of(s) == october_replay());
}

TEST_CASE("store: consumers acknowledge under their names; a batch's events every consumer has are pruned") {
  store_dir dir;
  sqlite_storage s(dir.path / "s.db");
  s.initialize({0, "cal", {"p@1"}});
  // Three batches of one tick each, raising the events 1..3, 4..7 and 8..10.
  std::uint64_t pos = 0;
  std::uint64_t seq = 0;
  const auto batch = [&](std::uint64_t events) {
    const journal_entry tick{pos + 1, "", R"({"type":"tick","at":"2026-10-01T00:00:00+08:00"})"};
    std::vector<outbox_event> out;
    for (std::uint64_t k = 0; k < events; ++k) out.push_back({++seq, "[" + std::to_string(seq) + "]", "{}"});
    s.append(pos++, std::span(&tick, 1), out);
  };
  batch(3);
  batch(4);
  batch(3);
  CHECK(s.last_sequence() == 10);
  CHECK(s.prune() == 0);  // no consumer yet: nothing is known to be read
  s.register_consumer("sms");
  s.register_consumer("circular");
  CHECK(s.acknowledged("sms") == std::uint64_t{0});
  CHECK(s.acknowledged("nobody") == std::nullopt);
  s.acknowledge("sms", 7);
  s.acknowledge("circular", 5);
  s.acknowledge("sms", 5);  // older: no effect
  CHECK(s.acknowledged("sms") == std::uint64_t{7});
  CHECK_THROWS_AS(s.acknowledge("sms", 11), store_error);
  CHECK(s.prune() == 3);  // 1..3: both have them; 4 and 5 wait for 6 and 7 of their batch
  const auto rest = s.read_events(0, 2);
  REQUIRE(rest.size() == 2);
  CHECK(rest[0].sequence == 4);
  CHECK(rest[0].key == "[4]");
  CHECK(rest[1].sequence == 5);
  s.acknowledge("circular", 7);
  CHECK(s.prune() == 4);  // 4..7
  CHECK(s.read_events(0, 1).at(0).sequence == 8);
  CHECK(s.read_events(8, 5).size() == 2);  // 9, 10
  // Sequence numbers go on after pruning.
  s.acknowledge("sms", 10);
  s.acknowledge("circular", 10);
  CHECK(s.prune() == 3);
  CHECK(s.read_events(0, 10).empty());
  batch(2);
  const auto after = s.read_events(0, 10);
  REQUIRE(after.size() == 2);
  CHECK(after[0].sequence == 11);
}

TEST_CASE("store: entries and events are read across the rows of a batch from any number") {
  // A batch of 3,000 commands is more than a row holds (1,024 entries): the journal and the outbox
  // are read from inside a row, across rows, and up to a limit.
  store_dir dir;
  sqlite_storage s(dir.path / "s.db");
  s.initialize({0, "cal", {"p@1"}});
  std::vector<journal_entry> commands;
  std::vector<outbox_event> events;
  for (std::uint64_t k = 1; k <= 3000; ++k) {
    commands.push_back({k, k % 3 == 0 ? "" : "id-" + std::to_string(k), "{\"n\":" + std::to_string(k) + "}"});
    events.push_back({k, "[" + std::to_string(k) + "]", "{\"e\":" + std::to_string(k) + "}"});
  }
  s.append(0, commands, events);
  std::vector<journal_entry> read;
  s.read_journal(1020, [&](const journal_entry& e) { read.push_back(e); });
  REQUIRE(read.size() == 1980);
  CHECK(read.front().position == 1021);
  CHECK(read.front().id == "id-1021");
  CHECK(read.front().command == R"({"n":1021})");
  CHECK(read[2].id.empty());  // 1023, a multiple of 3
  CHECK(read.back().position == 3000);
  const auto some = s.read_events(1023, 3);
  REQUIRE(some.size() == 3);
  CHECK(some[0].sequence == 1024);
  CHECK(some[2].sequence == 1026);  // across the first row's end
  CHECK(some[2].json == R"({"e":1026})");
  CHECK(s.read_events(2999, 10).size() == 1);
  CHECK(s.read_events(3000, 10).empty());
  CHECK(s.known_ids(std::vector<std::string_view>{"id-1", "id-3", "id-2999", "id-4000", "id-1"}) ==
        std::vector<std::string>{"id-1", "id-2999"});
  const auto last = s.last_identified();
  REQUIRE(last);
  CHECK(last->position == 2999);
  CHECK(last->command == R"({"n":2999})");
  // An entry holding a line break would break its row: refused, nothing stored.
  const journal_entry bad{3001, "x", "{\n}"};
  CHECK_THROWS_WITH_AS(s.append(3000, std::span(&bad, 1), {}),
                       doctest::Contains("journal position 3001: a command or id holding a line break"), store_error);
  CHECK(s.position() == 3000);
}

TEST_CASE("store: a batch's ids go in 64, 16, 4 and 1 at a time, and a known one refuses the whole batch") {
  // 64 + 16 + 4 + 2 * 1 = 86 ids: every size of insert append() uses.
  store_dir dir;
  sqlite_storage s(dir.path / "s.db");
  s.initialize({0, "cal", {"p@1"}});
  const auto batch = [](std::uint64_t first, std::uint64_t n) {
    std::vector<journal_entry> b;
    for (std::uint64_t k = first; k < first + n; ++k) b.push_back({k, "id-" + std::to_string(k), "{}"});
    return b;
  };
  s.append(0, batch(1, 86), {});
  std::vector<std::string> names;
  for (int k = 1; k <= 90; ++k) names.push_back("id-" + std::to_string(k));
  const std::vector<std::string_view> asked(names.begin(), names.end());
  CHECK(s.known_ids(asked).size() == 86);  // id-87 .. id-90 are not known
  // A known id among the 64, the 16, the 4 or the last ones: nothing of the batch is stored.
  for (const std::size_t at : {std::size_t{10}, std::size_t{70}, std::size_t{82}, std::size_t{85}}) {
    CAPTURE(at);
    auto again = batch(87, 86);
    again[at].id = "id-5";
    CHECK_THROWS_AS(s.append(86, again, {}), store_error);
    CHECK(s.position() == 86);
    CHECK(s.known_ids(std::vector<std::string_view>{"id-87", "id-172"}).empty());
  }
  s.append(86, batch(87, 86), {});
  CHECK(s.known_ids(std::vector<std::string_view>{"id-87", "id-172", "id-173"}) ==
        std::vector<std::string>{"id-172", "id-87"});
}

TEST_CASE("store: a store is refused with another calendar, other policies or a newer schema") {
  store_dir dir;
  const fs::path file = dir.path / "s.db";
  { durable_engine d(sqlite_at(file), test::cal(), builtin_policies()); }
  const calendar other = test::cal().with_office_hours(office_hours::whole_day());
  REQUIRE(other.fingerprint() != test::cal().fingerprint());
  CHECK_THROWS_WITH_AS(durable_engine(sqlite_at(file), other, builtin_policies()),
                       doctest::Contains("created with calendar"), store_error);
  std::vector<sla_policy> changed = builtin_policies().all();
  changed.at(0).version = "2099.1";
  CHECK_THROWS_WITH_AS(durable_engine(sqlite_at(file), test::cal(), policy_set(changed)), doctest::Contains("@2099.1"),
                       store_error);
  run_sql(file, "PRAGMA user_version = 4");
  CHECK_THROWS_WITH_AS(sqlite_storage{file}, doctest::Contains("newer dueday (store schema 4"), store_error);
}

TEST_CASE("store: a file that is no dueday store is refused") {
  store_dir dir;
  const fs::path text = dir.path / "notes.db";
  std::ofstream(text) << "not a database at all, but long enough to have a header of 100 bytes or so ..........";
  CHECK_THROWS_AS(sqlite_storage{text}, store_error);
  const fs::path other = dir.path / "other.db";
  run_sql(other, "CREATE TABLE t(x)");
  CHECK_THROWS_WITH_AS(sqlite_storage{other}, doctest::Contains("not a dueday store"), store_error);
}

TEST_CASE("store: a corrupted checkpoint is refused as any bad snapshot, naming the store") {
  store_dir dir;
  const fs::path file = dir.path / "s.db";
  october_store(file, 50, 50, 50);
  CHECK(sqlite_storage(file, reader_options()).checkpoint_position() == std::uint64_t{50});
  run_sql(file,
          "UPDATE checkpoint SET bytes = CAST(replace(CAST(bytes AS TEXT), '\"state\":\"running\"', "
          "'\"state\":\"runing\"') AS BLOB)");
  CHECK_THROWS_WITH_AS(durable_engine(sqlite_at(file), test::cal(), builtin_policies()),
                       doctest::Contains("checkpoint at position 50: not a valid snapshot: cases["), store_error);
  // And a journal entry that is no command line, named by its position.
  run_sql(file, "DELETE FROM checkpoint");
  replace_entry(file, "journal", "commands", 7, R"({"type":"opne"})");
  CHECK_THROWS_WITH_AS(durable_engine(sqlite_at(file), test::cal(), builtin_policies()),
                       doctest::Contains("journal:7:"), parse_error);
}

TEST_CASE("store: a second writer is refused, by the lock or by the position it expected") {
  store_dir dir;
  const fs::path file = dir.path / "s.db";
  sqlite_storage a(file);
  a.initialize({0, "cal", {"p@1"}});
  const journal_entry one{1, "x", R"({"type":"tick","at":"2026-10-01T00:00:00+08:00"})"};
  a.append(0, std::span(&one, 1), {});
  // The same connection, as if another writer had moved on: the stale position is refused.
  const journal_entry two{2, "y", R"({"type":"tick","at":"2026-10-02T00:00:00+08:00"})"};
  CHECK_THROWS_WITH_AS(a.append(0, std::span(&two, 1), {}),
                       doctest::Contains("another writer moved the journal to position 1 (this one expected 0)"),
                       store_error);
  CHECK_THROWS_WITH_AS(a.append(1, std::span(&one, 1), {}), doctest::Contains("journal position 1 does not follow 1"),
                       store_error);
  CHECK(a.position() == 1);
  // A second writer is refused at once by the writer's lock (store_fault_test.cpp: in another
  // process); a reader opens beside it.
  CHECK_THROWS_WITH_AS(sqlite_storage{file},
                       ("store " + file.string() + ": another writer in this process has it open").c_str(),
                       store_error);
  sqlite_options reader;
  reader.read_only = true;
  sqlite_storage b(file, reader);
  CHECK(b.position() == 1);
  CHECK(a.position() == 1);
}

TEST_CASE("store: the database is in WAL mode, and synchronous=NORMAL is only an option") {
  store_dir dir;
  const fs::path file = dir.path / "s.db";
  sqlite_options normal;
  normal.sync = sqlite_sync::normal;
  {
    durable_engine d(std::make_unique<sqlite_storage>(file, normal), test::cal(), builtin_policies());
    feed_batches(d, october(), 0, 30, 30);
  }
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(file.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))) == "wal");
  sqlite3_finalize(st);
  sqlite3_close(db);
  durable_engine d(sqlite_at(file), test::cal(), builtin_policies());
  CHECK(d.position() == 30);
}

TEST_CASE("store: SQLite refusing a write part-way through a batch stores none of it") {
  store_dir dir;
  const fs::path file = dir.path / "s.db";
  const auto commands = october();
  std::string before;
  std::uint64_t events = 0;
  {
    durable_engine d(sqlite_at(file), test::cal(), builtin_policies());
    feed_batches(d, commands, 0, 100, 100);
    events = d.storage().last_sequence();
  }
  // The 11th id of the next batch fails, after ten were inserted in its transaction.
  const std::string trigger =
      "CREATE TRIGGER full BEFORE INSERT ON ids WHEN NEW.position > 110 BEGIN SELECT RAISE(ABORT, 'database or "
      "disk is full (test)'); END";
  run_sql(file, trigger.c_str());
  {
    durable_engine d(sqlite_at(file), test::cal(), builtin_policies());
    before = snapshot(d.engine());
    CHECK_THROWS_WITH_AS(feed_batches(d, commands, 100, 300, 200),
                         doctest::Contains("cannot run a statement: database or disk is full (test)"), store_error);
    CHECK(snapshot(d.engine()) == before);
    CHECK(d.position() == 100);
    CHECK(d.storage().position() == 100);
    CHECK(d.storage().last_sequence() == events);
    CHECK(d.storage().read_events(events, 10).empty());  // the ten inserted were rolled back
    CHECK_FALSE(d.storage().has_command("c101"));
  }
  run_sql(file, "DROP TRIGGER full");
  durable_engine d(sqlite_at(file), test::cal(), builtin_policies());
  feed_batches(d, commands, 100, commands.size(), 200);
  CHECK(outbox_of(d.storage()) == october_replay());
}

TEST_CASE("store: a command no JSON line can carry is refused as malformed, not journaled") {
  store_dir dir;
  durable_engine d(sqlite_at(dir.path / "s.db"), test::cal(), builtin_policies());
  command bad;
  bad.kind = command_kind::open;
  bad.case_id = "W-\xff";  // not UTF-8
  bad.at = test::at("2026-10-08T09:00");
  bad.policy = "kunming-water-490";
  bad.variant = "no-external";
  const instant start = d.engine().now();  // the start of the calendar
  const auto outs = d.apply(std::span(&bad, 1));
  REQUIRE(outs.size() == 1);
  CHECK(outs[0].rejected());
  CHECK(outs[0].code == reject_code::malformed);
  CHECK(d.position() == 0);
  CHECK(d.engine().now() == start);  // time unchanged, as replay leaves it for an unreadable line
  const auto events = d.storage().read_events(0, 10);
  REQUIRE(events.size() == 1);
  CHECK(events[0].json.find(R"("type":"rejected")") != std::string::npos);
  CHECK(events[0].json.find(R"("code":"malformed")") != std::string::npos);
}

TEST_CASE("store: a reader's reads in read_together see one state while the writer commits") {
  store_dir dir;
  const fs::path file = dir.path / "s.db";
  const auto commands = october();
  durable_engine writer(sqlite_at(file), test::cal(), builtin_policies());
  feed_batches(writer, commands, 0, 100, 50);
  sqlite_storage reader(file, reader_options());
  std::uint64_t before = 0;
  std::uint64_t inside = 0;
  std::uint64_t events_inside = 0;
  reader.read_together([&] {
    before = reader.position();
    feed_batches(writer, commands, 100, 300, 100);  // two commits by the writer's connection
    inside = reader.position();
    events_inside = reader.last_sequence();
  });
  CHECK(before == 100);
  CHECK(inside == 100);  // not the writer's 300: one snapshot for the whole body
  CHECK(events_inside < reader.last_sequence());
  CHECK(reader.position() == 300);
  // An engine loaded through a reader is the writer's, position and all.
  durable_engine seen(std::make_unique<sqlite_storage>(file, reader_options()), test::cal(), builtin_policies());
  CHECK(seen.position() == 300);
  CHECK(to_snapshot_json(seen.engine().state()) == to_snapshot_json(writer.engine().state()));
}
