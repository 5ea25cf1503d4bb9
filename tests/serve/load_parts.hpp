// The pieces of the load-and-kill test (load_kill_test.cpp): what each client sends and what it was
// answered, what each consumer took, and the final verification against the store and a replay.
#pragma once

#include <fmt/format.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "serve_process.hpp"

namespace load {

namespace fs = std::filesystem;

// Prints "load test: FAILED: <why>", kills the server process (set_child) and exits 1, from any
// thread.
[[noreturn]] void fail(const std::string& why);
void check(bool ok, const std::string& why);
// check(), the message formatted only when `ok` is false.
template <class... A>
void expect(bool ok, fmt::format_string<A...> why, A&&... a) {
  if (!ok) fail(fmt::format(why, std::forward<A>(a)...));
}
// The server process to kill on failure (-1: none).
void set_child(pid_t pid);
// Fails the test `seconds` from now unless it ended.
void watchdog(int seconds);
[[nodiscard]] std::string read_text(const fs::path& p);
// The server's stderr held only its "dueday: serving ..." lines (no warning, no error).
void check_log(const fs::path& log);

// One command as planned: its id and its text without "id" and "at" (added when first sent).
struct planned {
  std::string id;
  std::string text;  // {"type":"start","case":"L3-17","step":"survey"}
};

// The commands of one client: its own cases (L<k>-<n>), opened and taken through their steps over
// later batches, a few refused on purpose (an unknown case, a step out of turn), a tick now and
// then. A pure function of the seed and the client's number.
class planner {
 public:
  planner(int k, std::uint64_t seed);
  // Batch `b` (0, 1, ...): 1 to 2 * mean - 1 commands.
  std::vector<planned> next_batch(int b, int mean);

 private:
  struct live_case {
    std::vector<std::string> steps;  // the commands still to send, in order
    std::size_t next = 0;
    int ready = 0;  // the first batch the next one may go in
  };
  std::string open_case();
  int delay();

  int k_;
  std::mt19937_64 rng_;
  int commands_ = 0, cases_ = 0;
  std::vector<live_case> live_;
};

struct client {
  client(int number, std::uint64_t seed) : k(number), plan(number, seed) {}
  // The request body: the batch stamped `at`, as JSON Lines or (array) one JSON array.
  [[nodiscard]] static std::string body(const std::vector<planned>& batch, const std::string& at, bool array);
  // Checks and records the answer to `batch`: one outcome per command, in order, by id; a
  // duplicate only when the batch was sent before.
  void take_answer(const std::vector<planned>& batch, const std::string& answer, bool resent);

  int k;
  planner plan;
  int sent = 0;                                 // commands planned and sent
  std::map<std::string, std::string> outcomes;  // id: "accepted", "duplicate" or "rejected <code>"
  std::vector<double> latency_ms;               // of each answered request
  long resent_batches = 0, resent_commands = 0, duplicates = 0;
};

struct consumer {
  explicit consumer(int number) : k(number), name("load-" + std::to_string(number)) {}
  // Takes the first `n` lines of `pending` (covered by an acknowledgement).
  void take(const std::vector<std::string>& pending, std::size_t n);
  // Lines read for events after `after`: those read before must be the same bytes.
  void compare_refetched(std::uint64_t after, const std::vector<std::string>& lines);

  int k;
  std::string name;
  std::vector<std::string> taken;  // event lines, each with its newline, as acknowledged
  std::vector<std::string> seen;   // every event line ever read, by sequence
  long refetched = 0;
};

struct verdict {
  std::size_t commands = 0, accepted = 0, events = 0;
};

// Checks the store at `db` (the service stopped) against the clients' answers, the consumers'
// events and `dueday replay` of its journal (files in `work`); fails on the first difference.
verdict verify(const std::string& dueday, const fs::path& work, const fs::path& db, const std::vector<client>& clients,
               const std::vector<consumer>& consumers);

}  // namespace load
