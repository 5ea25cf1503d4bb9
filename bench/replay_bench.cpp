// `dueday replay` end to end against the engine alone, on one stream of 1,000,000 commands over
// 200,000 cases of kunming-water-490 (issue 8, "replay at engine speed"): goals >= 1 M commands/s
// end to end on one core, within 2x of the engine alone.
//
// The stream (command_stream.hpp): 200,000 cases opened over 10 working days from 2026-10-08,
// whole lifecycles with pauses, late steps and their alerts, a few out of scope or cancelled, a
// tick each working day, in time order, cut at 1,000,000 commands.
//
// End to end: the CLI (`dueday replay --input F --output G`) run as a process, best of 3, wall time
// including its start (loading the bundled calendar and policies). Engine alone: the same lines
// parsed beforehand (untimed), then engine::apply over the span of all of them (as replay applies
// them, with the cases ahead prefetched) into a counting sink, best of 3.
// Also replay() in this process over the same files, which leaves out the process start.
//
// Usage: dueday_replay_bench [path-to-dueday [work-dir]]   (default: the CLI built with it, $TMPDIR)
#include <fmt/format.h>
#include <sys/resource.h>
#include <dueday/dueday.hpp>

#include "command_stream.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#ifndef DUEDAY_CLI
#define DUEDAY_CLI "dueday"
#endif

namespace {

using namespace std::chrono;

// Seconds of CPU, user and system: this process's, or its waited-for children's (rusage).
double cpu_seconds(int who) {
  rusage u{};
  getrusage(who, &u);
  const auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return s(u.ru_utime) + s(u.ru_stime);
}

struct timing {
  double wall = 1e300;  // best of 3, seconds
  double cpu = 1e300;   // best of 3, CPU seconds of the one thread doing the work
};

// Best of 3 runs of f, wall and CPU time; `who` says whose CPU time (RUSAGE_SELF or RUSAGE_CHILDREN).
// `prepare` runs before each, untimed.
template <class Prepare, class F>
timing best_of_3(int who, Prepare&& prepare, F&& f) {
  timing best;
  for (int i = 0; i < 3; ++i) {
    prepare();
    const double c0 = cpu_seconds(who);
    const auto t0 = steady_clock::now();
    f();
    best.wall = std::min(best.wall, duration<double>(steady_clock::now() - t0).count());
    best.cpu = std::min(best.cpu, cpu_seconds(who) - c0);
  }
  return best;
}

std::size_t count_lines(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::vector<char> buf(1 << 20);
  std::size_t n = 0;
  while (in.read(buf.data(), static_cast<std::streamsize>(buf.size())) || in.gcount() > 0)
    n += static_cast<std::size_t>(std::count(buf.data(), buf.data() + in.gcount(), '\n'));
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string cli = argc > 1 ? argv[1] : DUEDAY_CLI;
  const std::filesystem::path dir = argc > 2 ? std::filesystem::path(argv[2]) : std::filesystem::temp_directory_path();
  const std::filesystem::path input = dir / "replay-bench-commands.jsonl";
  const std::filesystem::path output = dir / "replay-bench-events.jsonl";

  const dueday::calendar cal = dueday::builtin_calendar();
  std::size_t written = 0, opens = 0, generated = 0;
  {
    bench::stream_builder builder(cal, 200'000, 1'000'000, 10);
    const std::vector<bench::line> lines = builder.build();  // freed before timing: a clean heap for each run
    generated = builder.generated();
    std::ofstream out(input, std::ios::binary | std::ios::trunc);
    for (const bench::line& l : lines) {
      out << l.json << '\n';
      opens += l.json.starts_with(R"({"type":"open")");
    }
    written = lines.size();
    if (!out.flush()) {
      fmt::print(stderr, "cannot write {}\n", input.string());
      return 1;
    }
  }
  const double n = static_cast<double>(written);
  fmt::print("replay, {} commands ({} cases opened; cut from {}), {:.0f} MB of JSON Lines, one core:\n", written, opens,
             generated, static_cast<double>(std::filesystem::file_size(input)) / 1e6);

  // End to end: the CLI as a process.
  const std::string command =
      fmt::format("'{}' replay --input '{}' --output '{}'", cli, input.string(), output.string());
  int status = 0;
  // The events file of the run before is removed untimed: truncating 400 MB of page cache is the
  // kernel's work for the run before, not this one's.
  const auto no_output = [&] { std::filesystem::remove(output); };
  const timing cli_t = best_of_3(RUSAGE_CHILDREN, no_output, [&] { status |= std::system(command.c_str()); });
  if (status != 0) {
    fmt::print(stderr, "`{}` failed ({})\n", command, status);
    return 1;
  }
  const std::size_t events = count_lines(output);
  const double output_mb = static_cast<double>(std::filesystem::file_size(output)) / 1e6;

  // replay() in this process, same files.
  dueday::replay_stats stats;
  const timing lib_t = best_of_3(RUSAGE_SELF, no_output, [&] {
    std::ifstream in(input, std::ios::binary);
    std::ofstream out(output, std::ios::binary | std::ios::trunc);
    dueday::jsonl_sink sink(out, cal.offset());
    dueday::engine e(cal, dueday::builtin_policies(), sink);
    stats = dueday::replay(in, input.string(), e, sink);
    sink.flush();
  });

  // The engine alone on the same commands, parsed beforehand.
  std::vector<dueday::command> commands;
  commands.reserve(written);
  {
    std::ifstream in(input, std::ios::binary);
    for (std::string text; std::getline(in, text);)
      commands.push_back(dueday::parse_command(text, input.string(), static_cast<std::int64_t>(commands.size() + 1)));
  }
  std::uint64_t engine_events = 0;
  std::size_t rejected = 0;
  const timing engine_t = best_of_3(
      RUSAGE_SELF, [] {},
      [&] {
        dueday::counting_sink sink;
        dueday::engine e(cal, dueday::builtin_policies(), sink);
        rejected = 0;
        e.apply(commands, [&](std::size_t, const dueday::outcome& o) { rejected += o.rejected(); });
        engine_events = sink.total;
      });

  const auto rate = [&](double seconds) { return n / seconds / 1e6; };
  fmt::print("  (M commands/s per CPU-second, best of 3; wall clock in brackets: the machine is shared)\n");
  fmt::print("  engine alone, commands parsed beforehand: {:.2f} M/s [{:.2f}] ({} events, {} rejected)\n",
             rate(engine_t.cpu), rate(engine_t.wall), engine_events, rejected);
  fmt::print("  replay() in this process, file to file:   {:.2f} M/s [{:.2f}] ({} accepted, {} rejected)\n",
             rate(lib_t.cpu), rate(lib_t.wall), stats.accepted, stats.rejected);
  fmt::print("  `dueday replay --input F --output G`:     {:.2f} M/s [{:.2f}] ({} events, {:.0f} MB)\n",
             rate(cli_t.cpu), rate(cli_t.wall), events, output_mb);
  const double ratio = cli_t.cpu / engine_t.cpu;
  fmt::print("  end to end takes {:.2f}x the engine's time ({:.2f}x by wall clock)\n", ratio,
             cli_t.wall / engine_t.wall);
  fmt::print("  goals: >= 1 M commands/s end to end {}, within 2x of the engine alone {}\n",
             rate(cli_t.cpu) >= 1 ? "met" : "NOT met", ratio <= 2 ? "met" : "NOT met");
  std::filesystem::remove(output);
  return 0;
}
