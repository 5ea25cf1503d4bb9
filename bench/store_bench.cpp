// The durable store (store.hpp) over SQLite, issue 10, point 6: durable commands per second with
// synchronous=FULL in batches of 1, 100, 1,000 and 10,000 commands; the time, size and memory of a
// checkpoint of 1,000,000 open cases; the time to open that store again (load the checkpoint and
// re-apply the 100,000 journal entries after it). Goals: >= 100,000 durable commands/s in batches
// of 1,000; recovery under 5 s for a million open cases.
//
// Each figure is one run, timed by the wall clock and by the thread's CPU clock. A durable command
// waits for the disk (fsync at every commit), time the CPU clock does not see: the wall clock is
// the figure held against the goals, the CPU time is printed next to it, in brackets. The machine
// is shared and noisy: the wall clock includes other processes' use of the cores and the disk.
//
// The commands are built and parsed before timing (command_stream.hpp: whole lifecycles, with
// pauses, late steps and their alerts, a tick each working day), each with an id as a feeder that
// resends gives them. The stores go to a directory on disk (the first argument, else $TMPDIR);
// the file system it is on is printed, and a tmpfs, which makes fsync free, is flagged.
//
// Memory: every operator new and delete is counted (counting_new.hpp) with its peak; SQLite's own
// memory (malloc) is not, so the peak resident set (VmHWM, reset through /proc/self/clear_refs) is
// printed next to it.
//
// Usage: dueday_store_bench [work-dir [open-cases [throughput|checkpoint]]]   (default $TMPDIR,
// 1000000, both parts; the journal after the checkpoint is a tenth of the cases)
#include <fmt/format.h>
#include <sqlite3.h>
#include <unistd.h>
#include <dueday/dueday.hpp>
#include <dueday/store.hpp>

#include "command_stream.hpp"
#include "counting_new.hpp"  // every operator new and delete, counted

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace {

namespace fs = std::filesystem;
using namespace std::chrono;
using dueday::command;
using dueday::command_kind;
using dueday::instant;

// Wall time and this thread's CPU time since construction, in seconds.
class stopwatch {
 public:
  stopwatch() : wall_(steady_clock::now()), cpu_(thread_cpu()) {}
  [[nodiscard]] double wall() const { return duration<double>(steady_clock::now() - wall_).count(); }
  [[nodiscard]] double cpu() const { return thread_cpu() - cpu_; }
  static double thread_cpu() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
  }

 private:
  steady_clock::time_point wall_;
  double cpu_;
};

// A span of time: wall and CPU seconds.
struct span_of_time {
  double wall = 0;
  double cpu = 0;
};
span_of_time operator-(const span_of_time& a, const span_of_time& b) { return {a.wall - b.wall, a.cpu - b.cpu}; }
span_of_time lap(const stopwatch& w) { return {w.wall(), w.cpu()}; }

// "1.23 s [cpu 1.01 s]"
std::string shown(const span_of_time& t) { return fmt::format("{:.2f} s [cpu {:.2f} s]", t.wall, t.cpu); }

// The file system `dir` is on: the longest mount point of /proc/self/mounts above it.
std::string file_system(const fs::path& dir, bool& tmpfs) {
  const std::string path = fs::canonical(dir).string();
  std::ifstream mounts("/proc/self/mounts");
  std::string device, point, type, rest, best_type = "unknown", best_device, best_point;
  while (mounts >> device >> point >> type && std::getline(mounts, rest)) {
    const bool above = path == point || point == "/" ||
                       (path.starts_with(point) && path.size() > point.size() && path[point.size()] == '/');
    if (above && point.size() >= best_point.size()) best_type = type, best_device = device, best_point = point;
  }
  tmpfs = best_type == "tmpfs" || best_type == "ramfs";
  return fmt::format("{} ({} on {})", best_type, best_device, best_point);
}

// The peak resident set since the last reset_resident_peak(), in bytes (VmHWM).
std::size_t resident_peak() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.starts_with("VmHWM:")) return std::stoull(line.substr(6)) * 1024;
  return 0;
}
std::size_t resident_now() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.starts_with("VmRSS:")) return std::stoull(line.substr(6)) * 1024;
  return 0;
}
// Starts a new VmHWM at the current resident set (Linux 4.0 on).
void reset_resident_peak() { std::ofstream("/proc/self/clear_refs") << "5"; }

double mb(double bytes) { return bytes / 1e6; }

// The load average over the last minute (/proc/loadavg), or -1.
double load_average() {
  std::ifstream in("/proc/loadavg");
  double one = -1;
  in >> one;
  return one;
}

// A storage that forwards to another, counting the checkpoint's bytes and marking when the
// checkpoint and the journal are read, for the breakdown of a recovery.
class metered_storage final : public dueday::storage {
 public:
  explicit metered_storage(std::unique_ptr<dueday::storage> inner) : inner_(std::move(inner)) {}

  std::uint64_t checkpoint_bytes = 0;  // of the last checkpoint written
  const stopwatch* clock = nullptr;    // when set, the marks below are taken on it
  span_of_time checkpoint_read_begin, checkpoint_read_end, journal_begin, journal_end;
  std::uint64_t journal_read = 0;

  const std::string& name() const noexcept override { return inner_->name(); }
  std::optional<dueday::store_identity> identity() override { return inner_->identity(); }
  void initialize(const dueday::store_identity& id) override { inner_->initialize(id); }
  std::uint64_t position() override { return inner_->position(); }
  std::uint64_t last_sequence() override { return inner_->last_sequence(); }
  void append(std::uint64_t after, std::span<const dueday::journal_entry> commands,
              std::span<const dueday::outbox_event> events) override {
    inner_->append(after, commands, events);
  }
  bool has_command(std::string_view id) override { return inner_->has_command(id); }
  void read_journal(std::uint64_t position, const std::function<void(const dueday::journal_entry&)>& each) override {
    mark(journal_begin);
    journal_read = 0;
    inner_->read_journal(position, [&](const dueday::journal_entry& e) {
      ++journal_read;
      each(e);
    });
    mark(journal_end);
  }
  std::vector<dueday::outbox_event> read_events(std::uint64_t sequence, std::size_t max) override {
    return inner_->read_events(sequence, max);
  }
  void register_consumer(std::string_view name) override { inner_->register_consumer(name); }
  void acknowledge(std::string_view name, std::uint64_t sequence) override { inner_->acknowledge(name, sequence); }
  std::optional<std::uint64_t> acknowledged(std::string_view name) override { return inner_->acknowledged(name); }
  std::uint64_t prune() override { return inner_->prune(); }
  void write_checkpoint(std::uint64_t position,
                        const std::function<void(const dueday::chunk_sink&)>& produce) override {
    checkpoint_bytes = 0;
    inner_->write_checkpoint(position, [&](const dueday::chunk_sink& out) {
      produce([&](std::string_view bytes) {
        checkpoint_bytes += bytes.size();
        out(bytes);
      });
    });
  }
  std::optional<std::uint64_t> read_checkpoint(const dueday::chunk_sink& out) override {
    mark(checkpoint_read_begin);
    auto p = inner_->read_checkpoint(out);
    mark(checkpoint_read_end);
    return p;
  }
  std::optional<std::uint64_t> checkpoint_position() override { return inner_->checkpoint_position(); }

 private:
  void mark(span_of_time& t) const {
    if (clock) t = lap(*clock);
  }
  std::unique_ptr<dueday::storage> inner_;
};

void remove_store(const fs::path& file) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(file.string() + suffix);
}
double store_size(const fs::path& file) {
  double n = 0;
  for (const char* suffix : {"", "-wal"}) {
    std::error_code ec;
    const auto s = fs::file_size(file.string() + suffix, ec);
    if (!ec) n += static_cast<double>(s);
  }
  return n;
}

// Durable commands per second in batches of `batch`, on a new store: at most `most` commands of
// the stream, and no more batches once `budget` seconds of wall time have gone.
void throughput(const fs::path& dir, const dueday::calendar& cal, std::span<const command> commands,
                std::span<const std::string> ids, std::size_t batch, std::size_t most, double budget) {
  const fs::path file = dir / fmt::format("store-bench-batch-{}.db", batch);
  remove_store(file);
  std::size_t done = 0, rejected = 0, duplicates = 0;
  span_of_time t;
  std::uint64_t events = 0;
  {
    dueday::durable_options options;
    options.checkpoint_every = 0;  // checkpoints are timed on their own, below
    dueday::durable_engine d(std::make_unique<dueday::sqlite_storage>(file), cal, dueday::builtin_policies(), options);
    const stopwatch w;
    const std::size_t n = std::min(most, commands.size());
    while (done < n && (done == 0 || w.wall() < budget)) {
      const std::size_t k = std::min(batch, n - done);
      for (const dueday::outcome& o : d.apply(commands.subspan(done, k), ids.subspan(done, k))) {
        rejected += o.rejected();
        duplicates += o.result == dueday::outcome::status::duplicate;
      }
      done += k;
    }
    t = lap(w);
    events = d.storage().last_sequence();
  }
  const double rate = static_cast<double>(done) / t.wall;
  fmt::print(
      "  batches of {:>6}: {:>9.0f} commands/s [{:>9.0f} per CPU-second]  ({} commands in {}; {} events, {} "
      "rejected{}; {:.0f} MB)\n",
      batch, rate, static_cast<double>(done) / t.cpu, done, shown(t), events, rejected,
      duplicates ? fmt::format(", {} duplicates!", duplicates) : "", mb(store_size(file)));
  if (batch == 1000)
    fmt::print("    goal >= 100,000 durable commands/s in batches of 1,000: {:.2f}x the goal, {}\n", rate / 1e5,
               rate >= 1e5 ? "met" : "NOT met");
  remove_store(file);
}

// Opens and survey starts of `n` cases, in time order over the working days of 2026-10-08..10-30.
std::vector<command> open_and_start(const dueday::calendar& cal, std::size_t n) {
  std::vector<instant> slots;
  for (dueday::civil_day d{2026y / October / 8}; d <= dueday::civil_day{2026y / October / 30}; d = d + days{1}) {
    if (!cal.is_working_day(d)) continue;
    for (int m = 0; m < 8 * 60; ++m) slots.push_back(cal.at(d, hours{9} + minutes{m}));
  }
  std::vector<command> out;
  out.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    command c;
    c.kind = command_kind::open;
    c.case_id = fmt::format("KM-2026-10-{:07}", i + 1);
    c.at = slots[i * slots.size() / n];
    c.policy = "kunming-water-490";
    c.variant = i % 2 ? "external" : "no-external";
    out.push_back(c);
    c.kind = command_kind::start;
    c.step = "survey";
    c.policy.clear();
    c.variant.clear();
    out.push_back(std::move(c));
  }
  return out;
}

// The surveys of the first n/2 cases completed and their next steps started (connect, or the
// planning approval for the external variant), from 2026-11-02 09:00 on: n commands.
std::vector<command> later_steps(const dueday::calendar& cal, std::size_t n) {
  std::vector<command> out;
  out.reserve(n);
  const instant start = cal.at(dueday::civil_day{2026y / November / 2}, hours{9});
  for (std::size_t i = 0; i < n / 2; ++i) {
    command c;
    c.kind = command_kind::complete;
    c.case_id = fmt::format("KM-2026-10-{:07}", i + 1);
    c.step = "survey";
    c.at = start + seconds{static_cast<std::int64_t>(i / 10)};
    out.push_back(c);
    c.kind = command_kind::start;
    c.step = i % 2 ? "approval-planning" : "connect";
    out.push_back(std::move(c));
  }
  return out;
}

std::size_t apply_all(dueday::durable_engine& d, std::span<const command> commands, std::size_t batch) {
  std::size_t rejected = 0;
  for (std::size_t i = 0; i < commands.size(); i += batch)
    for (const auto& o : d.apply(commands.subspan(i, std::min(batch, commands.size() - i)))) rejected += o.rejected();
  return rejected;
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // each figure as it comes, also into a file
  const fs::path dir = argc > 1 ? fs::path(argv[1]) : fs::temp_directory_path();
  const std::size_t big_cases = argc > 2 ? std::stoul(argv[2]) : 1'000'000;
  const std::size_t journal_after = big_cases / 10;
  const std::string only = argc > 3 ? argv[3] : "";  // "throughput" or "checkpoint": that part alone
  fs::create_directories(dir);
  const dueday::calendar cal = dueday::builtin_calendar();
  const dueday::policy_set& policies = dueday::builtin_policies();
  bool tmpfs = false;
  const std::string where = file_system(dir, tmpfs);
  fmt::print(
      "durable store (SQLite {}, WAL, synchronous=FULL), {} cores (load average {:.2f} at the start), stores in "
      "{} on {}{}\n",
      sqlite3_libversion(), sysconf(_SC_NPROCESSORS_ONLN), load_average(), dir.string(), where,
      tmpfs ? " [a tmpfs: fsync costs nothing there, these are no disk figures]" : "");
  fmt::print(
      "  (wall clock, held against the goals; this thread's CPU time in brackets; one run each on a shared, "
      "noisy machine)\n");

  // Durable commands per second.
  if (only != "checkpoint") {
    std::vector<command> stream;
    std::vector<std::string> ids;
    {
      bench::stream_builder builder(cal, 40'000, 200'000, 10);
      for (const bench::line& l : builder.build()) {
        stream.push_back(dueday::parse_command(l.json, "stream", static_cast<std::int64_t>(stream.size() + 1)));
        ids.push_back(fmt::format("c-{:07}", ids.size() + 1));
      }
    }
    fmt::print(
        "durable commands/s, {} commands of whole lifecycles (opens, starts, pauses, completes, ticks), each "
        "with an id; no checkpoint:\n",
        stream.size());
    for (const auto& [batch, most] :
         {std::pair<std::size_t, std::size_t>{1, 2'000}, {100, 50'000}, {1'000, 200'000}, {10'000, 200'000}})
      throughput(dir, cal, stream, ids, batch, most, 10.0);
  }
  if (only == "throughput") return 0;

  // A checkpoint of a million open cases.
  const fs::path file = dir / "store-bench-million.db";
  remove_store(file);
  const std::vector<command> opening = open_and_start(cal, big_cases);
  const std::vector<command> later = later_steps(cal, journal_after);
  std::size_t rejected = 0;
  {
    dueday::durable_options options;
    options.checkpoint_every = 0;
    auto metered = std::make_unique<metered_storage>(std::make_unique<dueday::sqlite_storage>(file));
    metered_storage& m = *metered;
    dueday::durable_engine d(std::move(metered), cal, policies, options);
    const stopwatch w;
    rejected += apply_all(d, opening, 10'000);
    const span_of_time filled = lap(w);
    fmt::print(
        "checkpoint of {} open cases ({} opens and starts applied durably first, in batches of 10,000: {}, {:.0f} "
        "commands/s):\n",
        d.engine().open_cases(), opening.size(), shown(filled), static_cast<double>(opening.size()) / filled.wall);

    // The copy of the state alone (engine::state()), which the checkpoint makes, for comparison.
    {
      counting::reset_peak();
      const std::size_t live = counting::live_bytes.load();
      const stopwatch c;
      const dueday::engine_state s = d.engine().state();
      const span_of_time copied = lap(c);
      fmt::print("  engine::state() alone: {}, {:.0f} MB of operator new\n", shown(copied),
                 mb(static_cast<double>(counting::live_bytes.load() - live)));
    }

    counting::reset_peak();
    reset_resident_peak();
    const std::size_t live = counting::live_bytes.load();
    const std::size_t resident = resident_now();
    const stopwatch c;
    d.checkpoint();
    const span_of_time took = lap(c);
    const double peak = static_cast<double>(counting::peak_bytes.load() - live);
    const double peak_resident = static_cast<double>(resident_peak()) - static_cast<double>(resident);
    fmt::print("  checkpoint(): {}; {:.0f} MB of snapshot text ({:.0f} bytes per case), store {:.0f} MB\n", shown(took),
               mb(static_cast<double>(m.checkpoint_bytes)),
               static_cast<double>(m.checkpoint_bytes) / static_cast<double>(big_cases), mb(store_size(file)));
    fmt::print(
        "  memory while checkpointing, above what was live before: peak {:.0f} MB of operator new, peak "
        "resident set {:+.0f} MB\n",
        mb(peak), mb(peak_resident));

    const stopwatch j;
    rejected += apply_all(d, later, 10'000);
    fmt::print("  then {} more commands journaled (batches of 10,000): {}\n", later.size(), shown(lap(j)));
  }

  // Recovery: open the store again.
  {
    auto metered = std::make_unique<metered_storage>(std::make_unique<dueday::sqlite_storage>(file));
    metered_storage& m = *metered;
    counting::reset_peak();
    reset_resident_peak();
    const std::size_t live = counting::live_bytes.load();
    const std::size_t resident = resident_now();
    const stopwatch w;
    m.clock = &w;
    dueday::durable_engine d(std::move(metered), cal, policies);
    const span_of_time took = lap(w);
    m.clock = nullptr;
    const bool ok = d.engine().open_cases() == big_cases && d.position() == opening.size() + later.size() &&
                    m.journal_read == later.size();
    fmt::print("recovery (open the store: load the checkpoint of {} open cases, re-apply {} journal entries): {}{}\n",
               d.engine().open_cases(), m.journal_read, shown(took), ok ? "" : " [NOT the state written!]");
    // snapshot_restorer checks and adds each case to the engine as it reads it: one figure for both.
    fmt::print("  checkpoint read, parsed, checked and built into the engine {}, journal re-applied {}, rest {}\n",
               shown(m.journal_begin - m.checkpoint_read_begin), shown(m.journal_end - m.journal_begin),
               shown(took - (m.journal_end - m.checkpoint_read_begin)));
    fmt::print("  memory while opening: peak {:.0f} MB of operator new, peak resident set {:+.0f} MB\n",
               mb(static_cast<double>(counting::peak_bytes.load() - live)),
               mb(static_cast<double>(resident_peak()) - static_cast<double>(resident)));
    if (big_cases == 1'000'000)
      fmt::print("  goal: recovery under 5 s for a million open cases: {:.2f}x the goal's time, {}\n", took.wall / 5.0,
                 took.wall < 5.0 ? "met" : "NOT met");
    if (!ok) rejected += 1;
  }
  remove_store(file);
  if (rejected) fmt::print("{} commands rejected: the figures are not of the stream intended\n", rejected);
  return rejected ? 1 : 0;
}
