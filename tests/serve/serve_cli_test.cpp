// The CLI test of `dueday serve`: the program started as a user starts it, fed over HTTP, read back,
// then ended with SIGTERM while a long poll waits; it must exit 0 with a checkpoint at its last
// position. Also: a non-loopback --listen without --token-file is refused in one line, exit 2.
// Bounded: every wait has a limit, and the child is killed if it outlives the test.
//
//   serve_cli_test DUEDAY COMMANDS.jsonl WORKDIR
#include <fcntl.h>
#include <fmt/format.h>
#include <httplib.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <dueday/store.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

int failures = 0;
void check(bool ok, const std::string& what) {
  if (!ok) {
    ++failures;
    fmt::print(stderr, "FAILED: {}\n", what);
  }
}

struct child {
  pid_t pid = -1;
  int err = -1;  // its stderr
  ~child() {
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
    if (err >= 0) close(err);
  }
};

void start(child& c, const std::vector<std::string>& args) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe");
  c.pid = fork();
  if (c.pid == 0) {
    dup2(fds[1], STDERR_FILENO);
    close(fds[0]);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(fds[1]);
  c.err = fds[0];
}

// One line of the child's stderr, or "" after `limit`.
std::string line_of(const child& c, milliseconds limit) {
  std::string text;
  const auto until = steady_clock::now() + limit;
  for (char ch = 0; steady_clock::now() < until;) {
    pollfd p{c.err, POLLIN, 0};
    if (poll(&p, 1, 20) <= 0) continue;
    if (read(c.err, &ch, 1) != 1 || ch == '\n') return text;
    text += ch;
  }
  return text;
}

// The child's exit code, or -1 when it is still running after `limit` (or did not exit).
int exit_code(child& c, milliseconds limit) {
  const auto until = steady_clock::now() + limit;
  while (steady_clock::now() < until) {
    int status = 0;
    if (waitpid(c.pid, &status, WNOHANG) == c.pid) {
      c.pid = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    fmt::print(stderr, "usage: serve_cli_test DUEDAY COMMANDS.jsonl WORKDIR\n");
    return 2;
  }
  const std::string dueday = argv[1];
  const fs::path work = argv[3];
  fs::remove_all(work);
  fs::create_directories(work);
  {
    child c;
    start(c, {dueday, "serve", "--db", (work / "a.db").string(), "--listen", "0.0.0.0:0"});
    const std::string said = line_of(c, milliseconds(5000));
    check(exit_code(c, milliseconds(5000)) == 2, "a non-loopback --listen without a token exits 2");
    check(said ==
              "dueday: --listen 0.0.0.0:0: a non-loopback address needs --token-file (anyone who reaches it "
              "could feed the monitor)",
          "the refusal names the address: " + said);
    check(!fs::exists(work / "a.db"), "the refused service created no store");
  }
  const std::string token = "cli-test-token-0123456789";
  std::ofstream(work / "token") << token << "\n";
  child c;
  start(c, {dueday, "serve", "--db", (work / "b.db").string(), "--listen", "127.0.0.1:0", "--clock", "manual",
            "--token-file", (work / "token").string()});
  const std::string said = line_of(c, milliseconds(10000));
  const auto colon = said.find("127.0.0.1:");
  check(said.starts_with("dueday: serving 127.0.0.1:") && colon != std::string::npos, "serving line: " + said);
  if (failures) return 1;
  const int port = std::stoi(said.substr(colon + 10));
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(std::chrono::seconds(10));
  client.set_bearer_token_auth(token.c_str());
  std::ifstream in(argv[2]);
  std::string body;
  int lines = 0;
  for (std::string line; lines < 300 && std::getline(in, line); ++lines) body += line + "\n";
  const auto posted = client.Post("/v1/commands", body, "application/x-ndjson");
  check(posted && posted->status == 200, "the commands are answered");
  const auto events = client.Get("/v1/events?after=0&limit=5");
  check(events && events->status == 200 && std::count(events->body.begin(), events->body.end(), '\n') == 5,
        "five events are read back");
  check(events && events->body.starts_with("{\"seq\":1,\"key\":["), "events come seq and key first");
  std::thread poll([&] {
    httplib::Client p("127.0.0.1", port);
    p.set_read_timeout(std::chrono::seconds(20));
    p.set_bearer_token_auth(token.c_str());
    const auto r = p.Get("/v1/events?after=100000&wait=15");
    check(r && r->status == 200 && r->body.empty(), "the long poll is answered when the service stops");
  });
  std::this_thread::sleep_for(milliseconds(300));
  kill(c.pid, SIGTERM);
  check(exit_code(c, milliseconds(8000)) == 0, "SIGTERM ends dueday serve with exit 0");
  poll.join();
  dueday::sqlite_options reader;
  reader.read_only = true;
  dueday::sqlite_storage store(work / "b.db", reader);
  check(store.position() == static_cast<std::uint64_t>(lines), "every command is journaled");
  check(store.checkpoint_position() == store.position(), "a checkpoint at the last position");
  if (failures == 0) fs::remove_all(work);
  return failures == 0 ? 0 : 1;
}
