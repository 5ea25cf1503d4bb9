// `dueday serve` as a process, for the load-and-kill test (load_kill_test.cpp) and the serve bench
// (bench/serve_bench.cpp): started with its stderr appended to a log file, its "dueday: serving
// HOST:PORT" line awaited there, killed and reaped; its resident memory read from /proc; latencies
// summed up as percentiles. Header-only, POSIX.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "../run_process.hpp"

namespace serve_test {

namespace fs = std::filesystem;

class server_process {
 public:
  server_process() = default;
  server_process(const server_process&) = delete;
  server_process& operator=(const server_process&) = delete;
  ~server_process() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  // Starts `argv` (argv[0] the program) with stdin from /dev/null, stdout to /dev/null and stderr
  // appended to `log`. Returns the pid, or -1 when fork failed.
  pid_t start(const std::vector<std::string>& argv, const fs::path& log) {
    log_ = log;
    status_.reset();
    std::error_code ec;
    offset_ = fs::exists(log, ec) ? fs::file_size(log, ec) : 0;
    pid_ = fork();
    if (pid_ == 0) {
      const int in = open("/dev/null", O_RDONLY);
      const int out = open("/dev/null", O_WRONLY);
      const int err = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (in < 0 || out < 0 || err < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) _exit(127);
      dueday::test::exec_or_exit(argv);
    }
    return pid_;
  }

  // The port of the "dueday: serving HOST:PORT (...)" line this life wrote, once written; nullopt
  // while it is not (yet) there.
  [[nodiscard]] std::optional<int> serving_port() const {
    std::ifstream in(log_, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(offset_));
    std::string line;
    if (!std::getline(in, line) || in.eof()) return std::nullopt;  // no complete line yet
    const std::string mark = "dueday: serving ";
    const auto space = line.find(' ', mark.size());
    const auto colon = line.rfind(':', space);
    if (!line.starts_with(mark) || colon == std::string::npos || colon < mark.size()) return -1;
    return std::atoi(line.c_str() + colon + 1);
  }

  // Waits up to `limit` for the serving line: its port, or -1 (another line, the process gone, or
  // nothing in time).
  int wait_serving(std::chrono::milliseconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      if (const auto p = serving_port()) return *p;
      if (exited()) return serving_port().value_or(-1);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return -1;
  }

  [[nodiscard]] pid_t pid() const noexcept { return pid_; }

  // Sends `sig`; then wait() reaps it.
  void signal(int sig) const {
    if (pid_ > 0) ::kill(pid_, sig);
  }
  // Waits up to `limit` for the process to end: its wait status, or nullopt (still running).
  std::optional<int> wait(std::chrono::milliseconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!exited() && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return status_;
  }

 private:
  // Reaps the process when it ended (then status_ holds its wait status).
  bool exited() {
    int status = 0;
    if (pid_ > 0 && waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      status_ = status;
    }
    return status_.has_value();
  }

  pid_t pid_ = -1;
  std::optional<int> status_;
  fs::path log_;
  std::uintmax_t offset_ = 0;
};

// The resident memory of a process, in KiB (VmRSS in /proc/PID/status), or -1.
inline long rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.starts_with("VmRSS:")) return std::atol(line.c_str() + 6);
  return -1;
}

// The q-quantile (0 to 1) of `values` (sorted in place), or 0 for none.
inline double quantile(std::vector<double>& values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto i = static_cast<std::size_t>(q * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(i, values.size() - 1)];
}

}  // namespace serve_test
