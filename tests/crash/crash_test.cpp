// The crash test (issue 10): `dueday run` killed with SIGKILL hundreds of times while it applies a
// long command stream, restarted each time with everything after the last id whose outcome was
// read; at the end the store's outbox must hold exactly the events of an uninterrupted `dueday
// replay` of the stream (none missing, none twice, same order, sequence numbers 1..N without a gap)
// and its journal every command once, in order.
//
//   crash_test DUEDAY COMMANDS.jsonl WORK_DIR [--kills N] [--seed S] [--copies K] [--batch B]
//              [--checkpoint-every C] [--window W] [--seconds T]
//
// The stream is COMMANDS.jsonl with every case copied K times (default 1: the file as it is; case
// ids "<id>~2", ...; ticks once), each line given an id "c<n>". The driver keeps at most W lines
// (default 32) written ahead of the last outcome it read; `dueday run` commits batches of at most
// B lines (default 3) and checkpoints every C commands (default 20), so kills fall between many
// commits and restarts recover from checkpoints. Kills come at random points (a seeded PRNG; the seed is
// printed): some at a random delay after the start (while the store opens, the checkpoint loads,
// the journal is re-applied), the others a random delay after a random number of outcomes were
// read, so they land before, inside and after commits and checkpoints. Every outcome read must be
// the one an uninterrupted engine gives that command, or, for a command sent before the last
// kill, a duplicate (caught: its id was stored already). Prints its counts; exit 0 when all holds.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <dueday/io.hpp>
#include <dueday/jsonl.hpp>
#include <dueday/store.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "../run_process.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using nlohmann::ordered_json;
using steady = std::chrono::steady_clock;

namespace {

struct settings {
  std::string dueday, commands, work;
  int kills = 200;
  std::uint64_t seed = 0;
  int copies = 1;
  int batch = 3;
  int checkpoint_every = 20;
  int window = 32;    // lines written ahead of the last outcome read, as a feeder keeps in flight
  int seconds = 150;  // the whole test fails past this
};

[[noreturn]] void fail(const std::string& why) {
  std::cerr << "crash test: FAILED: " << why << "\n";
  std::exit(1);
}

void check(bool ok, const std::string& why) {
  if (!ok) fail(why);
}

// The October stream with its cases copied and an id on every line.
std::vector<std::string> make_stream(const settings& s) {
  std::ifstream in(s.commands);
  check(static_cast<bool>(in), "cannot read " + s.commands);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) {
    for (int k = 1; k <= s.copies; ++k) {
      ordered_json j = ordered_json::parse(line);
      if (j["type"] == "tick" && k > 1) continue;
      if (k > 1) j["case"] = j["case"].get<std::string>() + "~" + std::to_string(k);
      j["id"] = "c" + std::to_string(out.size() + 1);
      out.push_back(j.dump());
    }
  }
  return out;
}

// What an uninterrupted engine answers to each command: accepted, duplicate or rejected.
std::vector<std::string> expected_outcomes(const std::vector<std::string>& stream) {
  dueday::vector_sink sink;
  dueday::engine e(dueday::builtin_calendar(), dueday::builtin_policies(), sink);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < stream.size(); ++i) {
    const auto o = e.apply(dueday::parse_command(stream[i], "stream", static_cast<std::int64_t>(i + 1)));
    out.emplace_back(o.accepted() ? "accepted" : o.rejected() ? "rejected" : "duplicate");
  }
  return out;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// One `dueday run` process fed over a pipe.
struct child {
  pid_t pid = -1;
  int to = -1;    // its stdin
  int from = -1;  // its stdout

  void start(const settings& s, const fs::path& db, const fs::path& err) {
    int in[2], out[2];
    check(pipe2(in, O_CLOEXEC) == 0 && pipe2(out, O_CLOEXEC) == 0, "pipe failed");
    pid = fork();
    check(pid >= 0, "fork failed");
    if (pid == 0) {
      const int e = open(err.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (e < 0 || dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 || dup2(e, 2) < 0) _exit(127);
      const std::string b = std::to_string(s.batch), c = std::to_string(s.checkpoint_every);
      execl(s.dueday.c_str(), s.dueday.c_str(), "run", "--db", db.c_str(), "--batch", b.c_str(), "--checkpoint-every",
            c.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    to = in[1];
    from = out[0];
    fcntl(to, F_SETFL, O_NONBLOCK);
  }
  void close_input() {
    if (to >= 0) close(to);
    to = -1;
  }
  // Waits for the process; returns its status.
  int reap() {
    close_input();
    close(from);
    int status = 0;
    waitpid(pid, &status, 0);
    return status;
  }
};

}  // namespace

int main(int argc, char** argv) {
  settings s;
  if (argc < 4) fail("usage: crash_test DUEDAY COMMANDS.jsonl WORK_DIR [--kills N] [--seed S] ...");
  s.dueday = argv[1];
  s.commands = argv[2];
  s.work = argv[3];
  s.seed = static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
  for (int i = 4; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const long long v = std::atoll(argv[i + 1]);
    if (k == "--kills")
      s.kills = static_cast<int>(v);
    else if (k == "--seed")
      s.seed = static_cast<std::uint64_t>(v);
    else if (k == "--copies")
      s.copies = static_cast<int>(v);
    else if (k == "--batch")
      s.batch = static_cast<int>(v);
    else if (k == "--checkpoint-every")
      s.checkpoint_every = static_cast<int>(v);
    else if (k == "--seconds")
      s.seconds = static_cast<int>(v);
    else if (k == "--window")
      s.window = static_cast<int>(v);
    else
      fail("unknown option " + k);
  }
  std::printf("crash test: seed %llu (rerun with --seed %llu)\n", static_cast<unsigned long long>(s.seed),
              static_cast<unsigned long long>(s.seed));
  std::fflush(stdout);
  signal(SIGPIPE, SIG_IGN);  // writing to a killed child's stdin gives EPIPE instead
  const auto deadline = steady::now() + std::chrono::seconds(s.seconds);
  std::mt19937_64 rng(s.seed);

  fs::remove_all(s.work);
  fs::create_directories(s.work);
  const fs::path db = fs::path(s.work) / "crash.db", err = fs::path(s.work) / "stderr.txt";
  const std::vector<std::string> stream = make_stream(s);
  const std::vector<std::string> expected = expected_outcomes(stream);
  {
    std::ofstream out(fs::path(s.work) / "stream.jsonl", std::ios::binary);
    for (const auto& l : stream) out << l << "\n";
  }

  std::size_t acked = 0;  // outcomes read: stream[0, acked) are answered
  std::size_t sent = 0;   // stream[0, sent) were written to some process at least once
  long kills = 0, lives = 0, resends = 0, caught = 0, early_kills = 0;
  while (true) {
    check(steady::now() < deadline, "not done within " + std::to_string(s.seconds) + " s");
    ++lives;
    child c;
    c.start(s, db, err);
    const std::size_t first = acked;       // this life's line 1
    const std::size_t sent_before = sent;  // stream[0, sent_before) went to an earlier life
    std::size_t next = first;              // the next line to write
    std::string pending_write, outputs;
    // The kill plan: none once enough kills were made. Else the life is given at most `cap` new
    // lines, so that the stream cannot end before the last kill (the caps of the lives left add
    // up to fewer lines than remain), and is killed a random delay after its start (a quarter of
    // the lives, and those with nothing to do) or after a random number of its outcomes were read.
    const bool will_kill = kills < s.kills;
    const std::size_t remaining = stream.size() - acked;
    std::size_t cap = remaining;
    if (will_kill) {
      const std::size_t share = (remaining - 1) / static_cast<std::size_t>(s.kills - kills);
      cap = std::min(remaining - 1, static_cast<std::size_t>(rng() % (2 * share + 1)));
    }
    const bool at_start = cap == 0 || rng() % 4 == 0;
    const std::size_t kill_after = at_start ? 0 : 1 + rng() % cap;
    const auto delay = std::chrono::microseconds(at_start ? rng() % 40000 : rng() % 4000);
    auto kill_at = at_start ? steady::now() + delay : steady::time_point::max();
    bool killed = false;
    while (true) {
      if (steady::now() >= deadline) {
        kill(c.pid, SIGKILL);
        c.reap();
        fail("not done within " + std::to_string(s.seconds) + " s");
      }
      if (will_kill && !killed && steady::now() >= kill_at) {
        kill(c.pid, SIGKILL);
        killed = true;
        break;
      }
      // Write what the pipe takes.
      while (c.to >= 0) {
        if (pending_write.empty()) {
          if (next == stream.size()) {  // all written: the end of input ends the last life
            c.close_input();
            break;
          }
          if (next >= acked + static_cast<std::size_t>(s.window) || next >= first + cap) break;
          if (next < sent) ++resends;
          pending_write = stream[next++] + "\n";
          sent = std::max(sent, next);
        }
        const ssize_t n = write(c.to, pending_write.data(), pending_write.size());
        if (n <= 0) break;  // full (EAGAIN), or the child is gone (EPIPE)
        pending_write.erase(0, static_cast<std::size_t>(n));
      }
      const bool want_write = c.to >= 0 && (!pending_write.empty() ||
                                            (next < acked + static_cast<std::size_t>(s.window) && next < first + cap));
      pollfd p[2] = {{c.from, POLLIN, 0}, {c.to, POLLOUT, 0}};
      const int timeout =
          kill_at == steady::time_point::max()
              ? 50
              : static_cast<int>(
                    std::chrono::duration_cast<std::chrono::milliseconds>(kill_at - steady::now()).count()) +
                    1;
      poll(p, want_write ? 2 : 1, std::max(0, timeout));
      if ((p[0].revents & (POLLIN | POLLHUP)) == 0) continue;
      char buf[65536];
      const ssize_t got = read(c.from, buf, sizeof buf);
      if (got <= 0) break;  // the child closed stdout: it exited
      outputs.append(buf, static_cast<std::size_t>(got));
      for (std::size_t nl; (nl = outputs.find('\n')) != std::string::npos; outputs.erase(0, nl + 1)) {
        const json o = json::parse(outputs.substr(0, nl));
        const std::size_t index = first + static_cast<std::size_t>(o.at("line").get<long>()) - 1;
        check(index == acked, "an outcome out of order: " + o.dump());
        check(o.at("id") == "c" + std::to_string(index + 1), "an outcome for the wrong id: " + o.dump());
        const std::string outcome = o.at("outcome");
        if (outcome != expected[index]) {
          check(outcome == "duplicate" && index < sent_before,
                "line " + std::to_string(index + 1) + ": " + outcome + ", uninterrupted " + expected[index]);
          ++caught;
        }
        ++acked;
        if (will_kill && !at_start && acked - first >= kill_after && kill_at == steady::time_point::max())
          kill_at = steady::now() + delay;
      }
    }
    const int status = c.reap();
    if (killed && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
      ++kills;
      if (acked == first) ++early_kills;
      continue;
    }
    check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "dueday run ended with status " + std::to_string(status) + ": " + read_file(err));
    if (acked == stream.size()) break;  // a life that ended by itself has read its whole input
    fail("dueday run exited 0 with " + std::to_string(stream.size() - acked) + " commands unanswered");
  }
  check(read_file(err).empty(), "dueday run wrote to stderr: " + read_file(err));

  // The uninterrupted replay of the same stream.
  const fs::path replayed = fs::path(s.work) / "replayed.jsonl";
  check(dueday::test::run_to_files({s.dueday, "replay", "--input", (fs::path(s.work) / "stream.jsonl").string()},
                                   "/dev/null", replayed.string()) == 0,
        "dueday replay failed");
  std::vector<std::string> want;
  {
    std::ifstream in(replayed);
    for (std::string line; std::getline(in, line);) want.push_back(line);
  }
  dueday::sqlite_storage store(db);
  std::size_t n = 0;
  for (;;) {
    const auto events = store.read_events(n, 1000);
    if (events.empty()) break;
    for (const auto& e : events) {
      check(e.sequence == n + 1, "sequence " + std::to_string(e.sequence) + " after " + std::to_string(n));
      check(n < want.size(), "event " + std::to_string(e.sequence) + " is one too many: " + e.json);
      check(e.json == want[n], "event " + std::to_string(e.sequence) + " is " + e.json + ", replay has " + want[n]);
      ++n;
    }
  }
  check(n == want.size(), "the outbox has " + std::to_string(n) + " events, replay " + std::to_string(want.size()));
  std::size_t position = 0;
  store.read_journal(0, [&](const dueday::journal_entry& j) {
    check(j.position == position + 1, "the journal skips to position " + std::to_string(j.position));
    check(j.id == "c" + std::to_string(j.position),
          "journal position " + std::to_string(j.position) + " has id " + j.id);
    ++position;
  });
  check(position == stream.size(), "the journal has " + std::to_string(position) + " commands");
  const auto checkpoint = store.checkpoint_position();
  std::printf(
      "crash test: %ld kills (%ld before the first outcome), %zu commands, %zu events, %ld resends, %ld duplicates "
      "caught, %ld restarts; last checkpoint at %llu\n",
      kills, early_kills, stream.size(), n, resends, caught, lives - 1,
      static_cast<unsigned long long>(checkpoint.value_or(0)));
  if (kills < s.kills) fail("only " + std::to_string(kills) + " kills");
  // Some kill fell between a commit and the reading of its outcomes, and its commands came back.
  if (caught == 0) fail("no resent command was caught as a duplicate");
  fs::remove_all(s.work);
  return 0;
}
