// What the cluster tests share: a command stream over many cases (opens, starts, pauses, resumes,
// completions, cancels, ticks, malformed lines, refused commands), and the events `dueday replay`
// writes for a list of command lines, the reference every partition's events are held to.
#pragma once

#include <fmt/format.h>
#include <dueday/engine.hpp>
#include <dueday/format.hpp>
#include <dueday/io.hpp>
#include <dueday/jsonl.hpp>

#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace dueday::test {

// Command lines over `cases` cases of the Kunming water policy, each at the instant it is asked
// for. Most follow a case's life (open, survey, connect, with pauses), some are refused by the
// engine (a pause of a closed case, a command of an unknown case), a few are malformed.
class stream_maker {
 public:
  stream_maker(std::uint32_t seed, int cases) : rng_(seed), state_(static_cast<std::size_t>(cases), 0) {}

  // The next line at `at`, and the case it names ("" for a tick or a malformed line).
  std::pair<std::string, std::string> next(instant at) {
    const std::string t = format_instant(at);
    const auto roll = rng_() % 100;
    if (roll < 3) return {fmt::format(R"({{"type":"tick","at":"{}"}})", t), ""};
    if (roll < 5) return {malformed(t), ""};
    const std::size_t k = rng_() % state_.size();
    const std::string id = fmt::format("KM-{:04}", k);
    if (roll < 7) return {fmt::format(R"({{"type":"pause","case":"KM-X{}","step":"survey","at":"{}"}})", k, t), ""};
    int& s = state_[k];
    if (roll < 10 && s > 0 && s < 6) {
      s = 6;
      return {fmt::format(R"({{"type":"cancel","case":"{}","at":"{}","reason":"withdrawn"}})", id, t), id};
    }
    const auto cmd = [&](const char* type, const char* step) {
      // Every fifth line carries an id, unique in the stream.
      const std::string with_id = (++lines_ % 5 == 0) ? fmt::format(R"("id":"cmd-{}",)", lines_) : std::string();
      return std::pair{
          fmt::format(R"({{"type":"{}",{}"case":"{}","step":"{}","at":"{}"}})", type, with_id, id, step, t), id};
    };
    switch (s) {
      case 0:
        s = 1;
        return {
            fmt::format(
                R"({{"type":"open","case":"{}","at":"{}","policy":"kunming-water-490","variant":"no-external","district":"五华区"}})",
                id, t),
            id};
      case 1:
        s = 2;
        return cmd("start", "survey");
      case 2:
        s = (rng_() % 2 != 0) ? 3 : 4;
        return cmd(s == 3 ? "pause" : "complete", "survey");
      case 3:
        s = 2;
        return cmd("resume", "survey");
      case 4:
        s = 5;
        return cmd("start", "connect");
      case 5:
        s = 7;
        return cmd("complete", "connect");
      default:  // closed: refused (case_closed or bad_transition)
        return cmd("pause", "survey");
    }
  }

 private:
  std::string malformed(const std::string& t) {
    switch (rng_() % 3) {
      case 0:
        return R"({"type":"open","case":)";
      case 1:
        return R"({"type":"pause","case":"KM-0001","step":"survey","at":"yesterday"})";
      default:
        return fmt::format(R"({{"type":"bogus","at":"{}"}})", t);
    }
  }

  std::mt19937 rng_;
  std::vector<int> state_;  // 0 none, 1 opened, 2 survey running, 3 paused, 4 surveyed, 5 connecting, 6+ closed
  std::uint64_t lines_ = 0;
};

// The events `dueday replay` writes for these lines (one per line of a file, in order), each line
// without its newline.
inline std::vector<std::string> replay_lines(const std::vector<std::string>& lines, const calendar& cal,
                                             const policy_set& policies) {
  std::string text;
  for (const std::string& l : lines) text += l + "\n";
  std::istringstream in(text);
  std::ostringstream out;
  vector_sink none;
  engine e(cal, policies, none);
  {
    jsonl_sink sink(out);
    (void)replay(in, "partition", e, sink);
    sink.flush();
  }
  std::vector<std::string> events;
  std::istringstream written(out.str());
  for (std::string line; std::getline(written, line);) events.push_back(line);
  return events;
}

}  // namespace dueday::test
