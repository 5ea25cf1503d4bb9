// `dueday serve --nats` (cluster mode, issue 12 point 1) on a real nats-server (loopback): commands
// POSTed to the service are published to their partitions, one `dueday worker` applies them, and
// `dueday cluster-events` then prints, partition by partition, exactly the events a local `dueday
// replay` of the same commands gives for that partition's cases. Also: the answers name the
// partition, a command sent again with its id is a duplicate, a malformed one is rejected with its
// line, the token is required, the paths that need a local engine answer 501, /healthz says cluster.
// Every wait is bounded; the children are killed if they outlive the test.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <httplib.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <dueday/partition.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cluster/nats_transport.hpp"
#include "nats_cluster.hpp"
#include "run_process.hpp"
#include "worker_processes.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

constexpr std::uint32_t partitions = 4;
constexpr std::size_t commands = 400;  // of the October example, its tick last

// A child process with its stderr on a pipe; SIGKILLed and reaped unless it was reaped.
struct child {
  pid_t pid = -1;
  int err = -1;
  child(const child&) = delete;
  child& operator=(const child&) = delete;
  explicit child(const std::vector<std::string>& args) {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    pid = fork();
    if (pid == 0) {
      dup2(fds[1], STDERR_FILENO);
      close(fds[0]);
      dueday::test::exec_or_exit(args);
    }
    close(fds[1]);
    err = fds[0];
  }
  ~child() {
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
    close(err);
  }
  // One line of its stderr, or what came of it after `limit`.
  std::string line(std::chrono::milliseconds limit) const {
    std::string text;
    const auto until = steady::now() + limit;
    for (char ch = 0; steady::now() < until;) {
      pollfd p{err, POLLIN, 0};
      if (poll(&p, 1, 20) <= 0) continue;
      if (read(err, &ch, 1) != 1 || ch == '\n') return text;
      text += ch;
    }
    return text;
  }
  // SIGTERM, then its exit code (-1: not exited within 10 s, or by a signal).
  int stop() {
    kill(pid, SIGTERM);
    for (const auto until = steady::now() + 10s; steady::now() < until; std::this_thread::sleep_for(10ms)) {
      int status = 0;
      if (waitpid(pid, &status, WNOHANG) == pid) {
        pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
    }
    return -1;
  }
};

std::vector<std::string> read_lines(const fs::path& file) {
  std::ifstream in(file);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The value of the string field `name` in a JSON line ("" when absent).
std::string field(const std::string& line, const std::string& name) {
  const std::string key = "\"" + name + "\":\"";
  const auto at = line.find(key);
  if (at == std::string::npos) return "";
  return line.substr(at + key.size(), line.find('"', at + key.size()) - at - key.size());
}

}  // namespace

TEST_CASE(
    "serve --nats: posted commands reach their partitions, and the events a worker publishes equal a local replay") {
  const auto cluster = dueday::test::nats_cluster_or_skip(1);
  if (!cluster) return;
  const fs::path dir = cluster->dir();
  const std::string cli = DUEDAY_CLI;

  // The commands: the October example's first lines and its tick (instants of the past: the
  // worker runs with --no-ticks), the first line with an id.
  std::vector<std::string> lines;
  for (const auto& l : read_lines(DUEDAY_SOURCE_DIR "/examples/october-2026/commands.jsonl")) {
    if (l.find(R"("type":"tick")") != std::string::npos || lines.size() < commands - 1) lines.push_back(l);
  }
  REQUIRE(lines.size() == commands);
  REQUIRE(lines.back().find(R"("type":"tick")") != std::string::npos);
  lines.front().insert(1, R"("id":"first",)");
  std::string body;
  for (const auto& l : lines) body += l + "\n";
  std::ofstream(dir / "commands.jsonl") << body;
  const std::string token = "serve-cluster-test-token-0123";
  std::ofstream(dir / "token") << token << "\n";

  child serve({cli, "serve", "--nats", cluster->urls(), "--partitions", std::to_string(partitions), "--listen",
               "127.0.0.1:0", "--token-file", (dir / "token").string()});
  const std::string said = serve.line(15s);
  const std::string prefix = "dueday: serving 127.0.0.1:";
  REQUIRE_MESSAGE(said.starts_with(prefix), said);
  CHECK(said.ends_with(fmt::format("(cluster {}, {} partitions)", cluster->urls(), partitions)));
  httplib::Client http("127.0.0.1", std::stoi(said.substr(prefix.size())));
  http.set_read_timeout(20s);

  const auto health = http.Get("/healthz");  // no token needed
  REQUIRE(health);
  CHECK(health->status == 200);
  CHECK(health->body ==
        fmt::format("{{\"status\":\"ok\",\"mode\":\"cluster\",\"partitions\":{},\"log\":true}}\n", partitions));
  const auto refused = http.Post("/v1/commands", body, "application/x-ndjson");
  REQUIRE(refused);
  CHECK(refused->status == 401);

  http.set_bearer_token_auth(token.c_str());
  const auto posted = http.Post("/v1/commands", body, "application/x-ndjson");
  REQUIRE(posted);
  REQUIRE(posted->status == 200);
  const auto answers = split_lines(posted->body);
  REQUIRE(answers.size() == commands);
  for (std::size_t i = 0; i + 1 < commands; ++i) {
    const std::uint32_t p = dueday::partition_of(field(lines[i], "case"), partitions);
    CHECK(answers[i] == fmt::format(R"({{"line":{},{}"outcome":"published","partition":{}}})", i + 1,
                                    i == 0 ? R"("id":"first",)" : "", p));
  }
  CHECK(answers.back() ==
        fmt::format(R"({{"line":{},"outcome":"published","partitions":{},"duplicates":0}})", commands, partitions));

  // Sent again with its id: dropped by the log; a malformed command: rejected with its line.
  const auto again = http.Post("/v1/commands", lines.front() + "\n{\"type\":\"pause\"}\n", "application/x-ndjson");
  REQUIRE(again);
  const auto again_lines = split_lines(again->body);
  REQUIRE(again_lines.size() == 2);
  CHECK(again_lines[0] == fmt::format(R"({{"line":1,"id":"first","outcome":"duplicate","partition":{}}})",
                                      dueday::partition_of(field(lines[0], "case"), partitions)));
  CHECK(again_lines[1].starts_with(R"({"line":2,"outcome":"rejected","code":"malformed","reason":)"));

  const auto events = http.Get("/v1/events");
  REQUIRE(events);
  CHECK(events->status == 501);
  CHECK(events->body.find("dueday.evt.<partition>") != std::string::npos);
  const auto cases = http.Get("/v1/cases");
  REQUIRE(cases);
  CHECK(cases->status == 501);

  // The oracle: a local replay of the same commands, its events split by their case's partition.
  const std::string replay_out = (dir / "replay.jsonl").string();
  REQUIRE(dueday::test::run_to_files({cli, "replay", "--input", (dir / "commands.jsonl").string()}, "/dev/null",
                                     replay_out) == 0);
  std::vector<std::string> expected;
  std::size_t expected_events = 0;
  {
    const auto replayed = read_lines(replay_out);
    expected_events = replayed.size();
    for (std::uint32_t p = 0; p < partitions; ++p)
      for (const auto& e : replayed)
        if (dueday::partition_of(field(e, "case"), partitions) == p) expected.push_back(e);
  }
  REQUIRE(expected.size() == expected_events);  // every event names its case

  // One worker applies them; wait (at most 20 s) until the event logs hold as many events.
  const std::string worker_out = (dir / "w1.out").string();
  const pid_t worker = dueday::test::start_worker_process(cli, cluster->urls(), "w1", worker_out, 100, 2000ms);
  REQUIRE(worker > 0);
  dueday::cluster::nats_options o;
  o.urls = cluster->urls();
  dueday::cluster::nats_transport log(o);
  const auto start = steady::now();
  std::uint64_t stored = 0;
  while (steady::now() - start < 20s) {
    stored = 0;
    for (std::uint32_t p = 0; p < partitions; ++p) stored += log.stored({p}, true);
    if (stored >= expected_events) break;
    std::this_thread::sleep_for(100ms);
  }
  kill(worker, SIGTERM);
  int status = 0;
  waitpid(worker, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK(stored == expected_events);

  const std::string events_out = (dir / "cluster-events.jsonl").string();
  REQUIRE(dueday::test::run_to_files({cli, "cluster-events", "--nats", cluster->urls()}, "/dev/null", events_out) == 0);
  const auto got = read_lines(events_out);
  CHECK(got.size() == expected.size());
  for (std::size_t i = 0; i < std::min(got.size(), expected.size()); ++i) {
    CAPTURE(i);
    if (got[i] != expected[i]) {
      CHECK(got[i] == expected[i]);
      break;
    }
  }
  MESSAGE(fmt::format("serve --nats: {} commands posted over {} partitions, {} events applied by a worker in {:.1f} s",
                      commands, partitions, got.size(), std::chrono::duration<double>(steady::now() - start).count()));
  CHECK(serve.stop() == 0);
}
