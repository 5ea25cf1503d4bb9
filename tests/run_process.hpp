// For the test drivers that run the CLI as a user would (crash/, serve/): a program run to its end
// with its standard input and output on files.
#pragma once

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace dueday::test {

// In a child after fork: replaces it with `argv` (argv[0] a path), or ends it with 127.
[[noreturn]] inline void exec_or_exit(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  execv(args[0], args.data());
  _exit(127);
}

// Runs `argv` (argv[0] a path) with stdin from the file `in` and stdout to the file `out` (created
// or emptied), waits for it and returns its wait status; -1 when it could not be started.
inline int run_to_files(const std::vector<std::string>& argv, const std::string& in, const std::string& out) {
  const pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    const int i = open(in.c_str(), O_RDONLY);
    const int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (i < 0 || o < 0 || dup2(i, 0) < 0 || dup2(o, 1) < 0) _exit(127);
    exec_or_exit(argv);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

// Starts `argv` (argv[0] a path) with stdout to the file `out` and stderr to `err` (created or
// emptied), without waiting; returns its pid, or -1 when it could not be started.
inline pid_t spawn_to_files(const std::vector<std::string>& argv, const std::string& out, const std::string& err) {
  const pid_t pid = fork();
  if (pid == 0) {
    const int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0) _exit(127);
    exec_or_exit(argv);
  }
  return pid;
}

}  // namespace dueday::test
