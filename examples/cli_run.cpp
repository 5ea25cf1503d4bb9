// `dueday run` and `dueday tick` (cli_run.hpp): JSON Lines commands applied through a
// durable_engine over a SQLite store, an outcome line per command once its batch has committed.
// The one place these commands read a clock: tick --now, and the progress display.
#include "cli_run.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <unistd.h>
#include <dueday/error.hpp>
#include <dueday/io.hpp>
#include <dueday/jsonl.hpp>
#include <dueday/store.hpp>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>

#include "cli_args.hpp"
#include "cli_progress.hpp"
#include "cli_store.hpp"
#include "monitor/lines.hpp"

namespace dueday_cli {

namespace {

using dueday::quote;

constexpr std::size_t max_path = 1024;
constexpr std::uint64_t max_batch = 1'000'000;

// One input line's answer, kept until its batch has committed.
struct pending {
  std::int64_t line = 0;
  std::string id;
  std::size_t command = 0;  // index into the batch's commands, when `malformed` is empty
  std::string malformed;    // why the line is no command
};

void write_stdout(const std::string& text) {
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0)
    throw dueday::error(fmt::format("stdout: write error ({})", std::strerror(errno)));
}

// The lines of a file descriptor, read as they arrive (a pipe from a live feeder gives what it
// has written so far; read() does not wait for a block to fill).
class line_source {
 public:
  explicit line_source(int fd) : fd_(fd) {}

  // The next whole line in the buffer (at the end of input, the last one without '\n'), or nullopt.
  std::optional<std::string_view> buffered() {
    const std::string_view rest = std::string_view(buf_).substr(begin_);
    if (const auto nl = rest.find('\n'); nl != std::string_view::npos) {
      begin_ += nl + 1;
      return rest.substr(0, nl);
    }
    if (eof_ && !rest.empty()) {
      begin_ = buf_.size();
      return rest;
    }
    return std::nullopt;
  }
  [[nodiscard]] bool done() const noexcept { return eof_ && begin_ == buf_.size(); }
  // Whether read() would return at once (data or the end of input are there).
  [[nodiscard]] bool ready() const {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, 0) != 0;
  }
  // Waits for more input (or its end).
  void fill(const std::string& source) {
    if (begin_ > 0) {
      buf_.erase(0, begin_);
      begin_ = 0;
    }
    const std::size_t kept = buf_.size();
    buf_.resize(kept + (std::size_t{1} << 16));
    ssize_t got = 0;
    do {
      got = ::read(fd_, buf_.data() + kept, buf_.size() - kept);
    } while (got < 0 && errno == EINTR);
    if (got < 0) throw dueday::error(fmt::format("{}: read error ({})", source, std::strerror(errno)));
    buf_.resize(kept + static_cast<std::size_t>(got));
    bytes_ += static_cast<std::uint64_t>(got);
    if (got == 0) eof_ = true;
  }
  [[nodiscard]] std::uint64_t bytes() const noexcept { return bytes_; }

 private:
  int fd_;
  std::string buf_;
  std::size_t begin_ = 0;
  bool eof_ = false;
  std::uint64_t bytes_ = 0;
};

// The input file, opened and checked, or stdin.
struct input_file {
  int fd = STDIN_FILENO;
  std::uint64_t size = 0;  // 0 for a pipe or a terminal
  input_file() = default;
  input_file(const input_file&) = delete;
  input_file& operator=(const input_file&) = delete;
  ~input_file() {
    if (fd != STDIN_FILENO) ::close(fd);
  }
};

void open_input(const std::string& path, input_file& in) {
  if (!path.empty()) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
      throw dueday::error(
          fmt::format("{}: is a directory (expected a file of commands)", dueday::escape(path, max_path)));
    in.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (in.fd < 0) {
      in.fd = STDIN_FILENO;
      throw dueday::error(fmt::format("{}: cannot open file", dueday::escape(path, max_path)));
    }
  }
  in.size = file_size(in.fd);
}

}  // namespace

CLI::App* add_run_command(CLI::App& app, run_args& a) {
  auto* c = app.add_subcommand("run", "apply JSON Lines commands durably to a store, print their outcomes");
  c->add_option("--db", a.db, "the store (SQLite file), created when missing")->required();
  c->add_option("--input", a.input, "read commands from FILE instead of stdin");
  c->add_option("--batch", a.batch, "most lines per transaction (default 1000)");
  c->add_option("--sync", a.sync, "full (default: a committed batch survives a power loss) or normal");
  c->add_option("--checkpoint-every", a.checkpoint_every, "commands between checkpoints (default 100000; 0: none)");
  c->add_option("--policy", a.policies, "policy file (*.toml), repeatable; default: the bundled policies");
  return c;
}

CLI::App* add_tick_command(CLI::App& app, tick_args& a) {
  auto* c = app.add_subcommand("tick", "raise what is due at an instant, durably, in an existing store");
  c->add_option("--db", a.db, "the store (SQLite file)")->required();
  c->add_option("--at", a.at, "the instant (ISO 8601; +08:00 when no offset is given)");
  c->add_flag("--now", a.now, "the instant is now, by this machine's clock");
  c->add_option("--sync", a.sync, "full (default) or normal");
  c->add_option("--policy", a.policies, "policy file (*.toml), repeatable; default: the bundled policies");
  return c;
}

int run_run(const run_args& a, const dueday::calendar& cal, const dueday::policy_set& policies) {
  const std::uint64_t batch = number_arg(a.batch, "--batch", 1, max_batch);
  const std::uint64_t checkpoint_every = number_arg(a.checkpoint_every, "--checkpoint-every", 0, UINT64_MAX / 2);
  const dueday::sqlite_sync sync = sync_arg(a.sync);
  input_file in;
  open_input(a.input, in);
  const std::string source = a.input.empty() ? "stdin" : a.input;
  int rc = 0;
  auto d = open_durable(a.db, sync, checkpoint_every, cal, policies, rc);
  if (!d) return rc;

  line_source lines(in.fd);
  progress shown(in.size);
  std::vector<dueday::command> commands;
  std::vector<std::string> ids;
  std::vector<pending> answers;
  std::string out;
  std::int64_t line = 0;
  std::uint64_t done = 0;
  bool warned = false;
  for (;;) {
    commands.clear();
    ids.clear();
    answers.clear();
    // A batch ends when full, at the end of input, or when no more input is there yet.
    while (answers.size() < batch) {
      if (const auto text = lines.buffered()) {
        ++line;
        if (text->find_first_not_of(" \t\r") == std::string_view::npos) continue;
        pending& p = answers.emplace_back();
        p.line = line;
        try {
          commands.push_back(dueday::parse_command(*text, source, line, p.id));
          ids.push_back(p.id);
          p.command = commands.size() - 1;
        } catch (const dueday::parse_error& e) {
          p.malformed = e.message();
        }
        continue;
      }
      if (lines.done() || (!answers.empty() && !lines.ready())) break;
      lines.fill(source);
    }
    if (answers.empty()) break;
    std::vector<dueday::outcome> outcomes;
    try {
      outcomes = d->apply(commands, ids);
    } catch (const dueday::error& e) {  // nothing of the batch is stored
      shown.clear();
      return store_failure(a.db, e.what(), 1);
    }
    out.clear();
    for (const pending& p : answers)
      dueday::monitor::append_outcome_line(out, p.line, p.id, p.malformed.empty() ? &outcomes[p.command] : nullptr,
                                           p.malformed);
    write_stdout(out);
    done += answers.size();
    if (!warned && !d->last_checkpoint_error().empty()) {
      shown.clear();
      fmt::print(stderr, "dueday: warning: checkpoint failed (the commands are stored): {}\n",
                 dueday::escape(d->last_checkpoint_error(), std::string_view::npos));
      warned = true;
    }
    shown.update(done, lines.bytes());
  }
  return 0;
}

int run_tick(const tick_args& a, const dueday::calendar& cal, const dueday::policy_set& policies) {
  if (a.now == !a.at.empty()) throw dueday::error("tick: give --at T or --now (one of them)");
  const dueday::sqlite_sync sync = sync_arg(a.sync);
  dueday::command tick;
  tick.kind = dueday::command_kind::tick;
  if (a.now) {
    tick.at = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  } else {
    try {
      tick.at = dueday::parse_instant(a.at, cal.offset());
    } catch (const dueday::error& e) {
      throw dueday::error(fmt::format("--at: {}", e.what()));
    }
  }
  std::error_code ec;
  if (!std::filesystem::exists(a.db, ec))
    throw dueday::error(fmt::format("{}: no such store (dueday run creates one)", dueday::escape(a.db, max_path)));
  int rc = 0;
  auto d = open_durable(a.db, sync, dueday::durable_options{}.checkpoint_every, cal, policies, rc);
  if (!d) return rc;
  std::vector<dueday::outcome> outcomes;
  std::uint64_t events = 0;
  try {
    const std::uint64_t before = d->storage().last_sequence();
    outcomes = d->apply(std::span<const dueday::command>(&tick, 1));
    events = d->storage().last_sequence() - before;
  } catch (const dueday::error& e) {
    return store_failure(a.db, e.what(), 1);
  }
  write_stdout(dueday::monitor::tick_line(tick.at, cal.offset(), outcomes.front(), events));
  return 0;
}

}  // namespace dueday_cli
