// The command stream of the benches that feed whole lifecycles (replay_bench, store_bench), as JSON
// Lines: cases of kunming-water-490 opened over the working days from 2026-10-08 on, with
// 18-character case numbers ("KM-2026-10-0000001"), most without external works (open, start and
// complete survey, start and complete connect; a tenth pause the survey for the customer), some
// with them (the three approvals in parallel too), some given by their works rather than the
// variant's name, a few out of scope or cancelled; steps take up to a working day more than their
// limit, so warnings, overdue and escalations come too. A tick at 09:00 of each working day. All
// in time order, cut at the number of commands wanted (cases opened last are still running then).
// Seeded: the same arguments give the same lines.
#pragma once

#include <fmt/format.h>
#include <dueday/dueday.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace bench {

using namespace std::chrono;
using dueday::civil_day;

struct line {
  int day;     // index of the working day
  int minute;  // minutes after 09:00
  std::size_t seq;
  std::string json;
};

class stream_builder {
 public:
  // `cases` cases opened over `opening_days` working days, cut at `commands_wanted` commands.
  stream_builder(const dueday::calendar& cal, std::size_t cases, std::size_t commands_wanted,
                 std::uint32_t opening_days)
      : cal_(cal), cases_(cases), commands_wanted_(commands_wanted), opening_days_(opening_days) {
    for (civil_day d{2026y / October / 8}; d <= civil_day{2026y / December / 31}; d = d + days{1})
      if (cal.is_working_day(d)) days_.push_back(d);
  }

  // Commands generated before the cut.
  [[nodiscard]] std::size_t generated() const noexcept { return generated_; }

  std::vector<line> build() {
    for (std::size_t i = 0; i < cases_; ++i) one_case(fmt::format("KM-2026-10-{:07}", i + 1));
    for (int d = 0; d < static_cast<int>(days_.size()); ++d)
      add(d, 9 * 60, fmt::format(R"({{"type":"tick","at":"{}"}})", iso(d, 9 * 60)));
    std::sort(lines_.begin(), lines_.end(), [](const line& a, const line& b) {
      return std::tie(a.day, a.minute, a.seq) < std::tie(b.day, b.minute, b.seq);
    });
    generated_ = lines_.size();
    if (lines_.size() > commands_wanted_) lines_.resize(commands_wanted_);
    return std::move(lines_);
  }

 private:
  std::uint32_t below(std::uint32_t n) { return static_cast<std::uint32_t>(rng_() % n); }

  std::string iso(int day, int minute) const {
    return dueday::format_instant(cal_.at(days_[static_cast<std::size_t>(day)], hours{9} + minutes{minute}));
  }

  void add(int day, int minute, std::string json) { lines_.push_back({day, minute, lines_.size(), std::move(json)}); }

  // A point `wd` working days (and some minutes) after (day, minute), in office hours (09:00-17:00).
  std::pair<int, int> after(std::pair<int, int> from, int wd) {
    int day = from.first + wd;
    int minute = from.second + 10 * static_cast<int>(below(12));
    if (minute >= 8 * 60) {
      ++day;
      minute -= 8 * 60;
    }
    return {day, minute};
  }

  void step(const std::string& id, const char* type, const char* name, std::pair<int, int> at,
            const char* reason = nullptr) {
    add(at.first, at.second,
        fmt::format(R"({{"type":"{}","case":"{}","step":"{}","at":"{}"{}}})", type, id, name, iso(at.first, at.second),
                    reason ? fmt::format(R"(,"reason":"{}")", reason) : std::string()));
  }

  // A step that starts at `start` and takes up to one working day more than its limit.
  std::pair<int, int> run(const std::string& id, const char* name, std::pair<int, int> start, int limit) {
    step(id, "start", name, start);
    std::pair<int, int> done = after(start, static_cast<int>(below(static_cast<std::uint32_t>(limit + 2))));
    if (below(10) == 0) {  // paused for the customer (补正) for a day or two
      const auto pause = after(start, 0);
      step(id, "pause", name, pause, "customer");
      const auto resume = after(pause, 1 + static_cast<int>(below(2)));
      step(id, "resume", name, resume);
      done = after(resume, static_cast<int>(below(static_cast<std::uint32_t>(limit + 1))));
    }
    step(id, "complete", name, done);
    return done;
  }

  void one_case(const std::string& id) {
    std::pair<int, int> t{static_cast<int>(below(opening_days_)), static_cast<int>(below(48)) * 10};
    const std::uint32_t kind = below(100);
    bool external = false;
    std::string how;
    if (kind < 75 || kind >= 98) {  // 98, 99: cancelled later
      how = R"("variant":"no-external")";
    } else if (kind < 85) {
      how = R"("variant":"external")";
      external = true;
    } else if (kind < 91) {
      how = R"("works":{"meter_dn":25,"pipe_m":0,"crossings":[]})";
    } else if (kind < 96) {
      how = R"("works":{"meter_dn":40,"pipe_m":120.5,"crossings":[]})";
      external = true;
    } else {  // out of scope: nothing follows
      how = R"("works":{"meter_dn":80,"pipe_m":300,"crossings":[]})";
    }
    add(t.first, t.second,
        fmt::format(R"({{"type":"open","case":"{}","at":"{}","policy":"kunming-water-490",{}}})", id,
                    iso(t.first, t.second), how));
    if (kind >= 96 && kind < 98) return;
    t = after(t, static_cast<int>(below(2)));
    if (kind >= 98) {  // cancelled while surveying
      step(id, "start", "survey", t);
      const auto c = after(t, 1);
      add(c.first, c.second,
          fmt::format(R"({{"type":"cancel","case":"{}","at":"{}","reason":"withdrawn"}})", id, iso(c.first, c.second)));
      return;
    }
    std::pair<int, int> ready = run(id, "survey", t, external ? 4 : 2);
    if (external) {
      for (const char* a : {"approval-planning", "approval-city-management", "approval-traffic-police"})
        ready = std::max(ready, run(id, a, after(t, static_cast<int>(below(2))), 3));
    }
    run(id, "connect", after(ready, 0), external ? 5 : 2);
  }

  const dueday::calendar& cal_;
  std::size_t cases_;
  std::size_t commands_wanted_;
  std::uint32_t opening_days_;
  std::vector<civil_day> days_;
  std::vector<line> lines_;
  std::mt19937 rng_{8490};
  std::size_t generated_ = 0;
};

}  // namespace bench
