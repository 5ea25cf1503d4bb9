// `dueday replay` (cli_replay.hpp): commands through the engine, events as JSON Lines, and a
// summary for the supervisor.
#include "cli_replay.hpp"

#include <fmt/format.h>
#include <dueday/dueday.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "cli_progress.hpp"

namespace dueday_cli {

namespace {

constexpr std::size_t max_path = 1024;  // characters of a file name echoed in a message

// Passes events on to the JSON Lines writer and keeps the totals a supervisor reads first: cases
// by variant and outcome, late steps by the party that answers for them, alerts by level.
// Rejected lines are counted by replay() itself (replay_stats).
// Counts by name, for the handful of names a tally sees (variants, steps, levels): a linear scan
// of a short vector costs less per event than a std::map's string comparisons down a tree.
class name_counts {
 public:
  void add(const std::string& name) {
    for (auto& [k, n] : counts_) {
      if (k == name) {
        ++n;
        return;
      }
    }
    counts_.emplace_back(name, 1);
  }
  [[nodiscard]] long total() const {
    long sum = 0;
    for (const auto& entry : counts_) sum += entry.second;
    return sum;
  }
  // By name, as the summary lists them.
  [[nodiscard]] std::vector<std::pair<std::string, long>> sorted() const {
    auto out = counts_;
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  std::vector<std::pair<std::string, long>> counts_;
};

class tally_sink final : public dueday::event_sink {
 public:
  tally_sink(dueday::event_sink& next, const dueday::policy_set& policies) : next_(next) {
    for (const auto& p : policies.all())
      for (const auto& v : p.variants)
        for (const auto& s : v.steps) party_[s.name] = s.party;
  }

  void on_event(const dueday::event& e) override {
    next_.on_event(e);
    count(e);
  }

  // A command's events go on as one batch (the JSON Lines writer formats it in one go).
  void on_events(std::span<const dueday::event> batch) override {
    next_.on_events(batch);
    for (const dueday::event& e : batch) count(e);
  }

  // Adds one event to the totals.
  void count(const dueday::event& e) {
    ++events_;
    using k = dueday::event_kind;
    switch (e.kind) {
      case k::case_opened:
        opened_.add(e.detail);
        ++open_;
        break;
      case k::out_of_scope:
        ++out_of_scope_;
        break;
      case k::step_completed:
        if (e.on_time == false) late_steps_.add(e.step);
        break;
      case k::case_completed:
        ++(*e.on_time ? on_time_ : late_);
        --open_;
        break;
      case k::case_cancelled:
        ++cancelled_;
        --open_;
        break;
      case k::warning:
      case k::overdue:
      case k::escalation:
        alerts_.add(e.level);
        if (e.kind == k::escalation) escalated_.add(e.step);
        break;
      default:
        break;
    }
  }

  void print(std::FILE* out, const dueday::replay_stats& st, const std::string& where) const {
    auto list = [](const name_counts& m, auto&& label) {
      std::string s;
      for (const auto& [name, n] : m.sorted()) s += fmt::format("{}{} {}", s.empty() ? "" : ", ", label(name), n);
      return s.empty() ? std::string("none") : s;
    };
    auto plain = [](const std::string& name) { return name; };
    auto with_party = [&](const std::string& step) {
      auto it = party_.find(step);
      return it == party_.end() || it->second.empty() ? step : fmt::format("{} ({})", step, it->second);
    };
    const long opened = opened_.total();
    fmt::print(out, "replayed {} commands: {} accepted, {} duplicates, {} rejected; {} events to {}\n", st.lines,
               st.accepted, st.duplicates, st.rejected, events_, where);
    fmt::print(out, "cases: {} opened ({}), {} out of scope\n", opened, list(opened_, plain), out_of_scope_);
    fmt::print(out, "completed: {} on time, {} late; {} cancelled; {} still open\n", on_time_, late_, cancelled_,
               open_);
    fmt::print(out, "late steps: {}\n", list(late_steps_, with_party));
    fmt::print(out, "escalated: {}\n", list(escalated_, with_party));
    fmt::print(out, "alerts: {}\n", list(alerts_, plain));
  }

 private:
  dueday::event_sink& next_;
  std::map<std::string, std::string> party_;
  name_counts opened_, late_steps_, escalated_, alerts_;
  long events_ = 0, out_of_scope_ = 0, on_time_ = 0, late_ = 0, cancelled_ = 0, open_ = 0;
};

}  // namespace

CLI::App* add_replay_command(CLI::App& app, replay_args& a) {
  auto* replay = app.add_subcommand("replay", "apply JSON Lines commands (stdin), write JSON Lines events (stdout)");
  replay->add_option("--policy", a.policies, "policy file (*.toml), repeatable; default: the bundled policies");
  replay->add_option("--input", a.input, "read commands from FILE instead of stdin");
  replay->add_option("--output", a.output, "write events to FILE instead of stdout");
  replay->add_flag("--summary", a.summary, "print a short summary to stderr once the events are written");
  return replay;
}

int run_replay(const replay_args& o, const dueday::calendar& cal, const dueday::policy_set& policies) {
  std::ifstream in_file;
  std::istream* in = &std::cin;
  std::string source = "stdin";
  if (!o.input.empty()) {
    std::error_code ec;
    if (std::filesystem::is_directory(o.input, ec))
      throw dueday::error(
          fmt::format("{}: is a directory (expected a file of commands)", dueday::escape(o.input, max_path)));
    // Opening the output would empty the input before a line of it is read.
    if (!o.output.empty() && std::filesystem::equivalent(o.input, o.output, ec)) {
      throw dueday::error(fmt::format("--output {} is the --input file: the events would overwrite the commands",
                                      dueday::escape(o.output, max_path)));
    }
    in_file.open(o.input, std::ios::binary);
    if (!in_file) throw dueday::error(fmt::format("{}: cannot open file", dueday::escape(o.input, max_path)));
    in = &in_file;
    source = o.input;
  }
  std::ofstream out_file;
  std::ostream* out = &std::cout;
  if (!o.output.empty()) {
    out_file.open(o.output, std::ios::binary | std::ios::trunc);
    if (!out_file) throw dueday::error(fmt::format("{}: cannot write file", dueday::escape(o.output, max_path)));
    out = &out_file;
  }
  std::ios::sync_with_stdio(false);
  dueday::jsonl_sink json(*out, cal.offset());
  tally_sink tally(json, policies);
  dueday::engine engine(cal, policies, tally);
  // On a terminal, progress over a file: its bytes pass through a counting buffer (else untouched).
  std::error_code ec;
  const auto size = in_file.is_open() ? std::filesystem::file_size(o.input, ec) : file_size(STDIN_FILENO);
  progress shown(ec ? 0 : size);
  progress_buf counted(*in->rdbuf(), shown);
  std::istream counted_in(&counted);
  const auto stats = dueday::replay(shown.active() ? counted_in : *in, source, engine, tally);
  shown.clear();
  json.flush();  // the sink writes in blocks
  out->flush();
  if (!*out)
    throw dueday::error(
        fmt::format("{}: write error", o.output.empty() ? "stdout" : dueday::escape(o.output, max_path)));
  if (o.summary) tally.print(stderr, stats, o.output.empty() ? "stdout" : dueday::escape(o.output, max_path));
  return 0;
}

}  // namespace dueday_cli
