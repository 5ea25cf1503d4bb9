// dueday/jsonl.hpp — commands in and events out as JSON Lines, and replaying a command stream.
//
// One JSON object per line both ways:
//   {"type":"open","case":"W-001","at":"2026-09-28T10:00:00+08:00","policy":"kunming-water-490","variant":"no-external"}
//   {"type":"open","case":"W-002","at":"...","policy":"kunming-water-490","works":{"meter_dn":40,"pipe_m":120,"crossings":[]}}
//   {"type":"start"|"pause"|"resume"|"complete","case":"W-001","step":"survey","at":"...","reason":"..."}
//   {"type":"cancel","case":"W-001","at":"..."}      {"type":"tick","at":"..."}
// Fields not listed are ignored, so hosts may carry their own. Events:
//   {"type":"warning","case":"W-001","step":"survey","level":"yellow","at":"2026-10-09T00:00:00+08:00",
//    "due":"2026-10-10T00:00:00+08:00","elapsed_s":86400,"remaining_s":86400,"provisional":false}
// with `type`, `case` and `at` always; `step`, `due`, `elapsed_s`, `remaining_s` and `provisional`
// for clock events (working seconds: a civil working day is 86400, an office day 25200);
// `level`, `on_time`, `previous_due`, `detail`, `line` where they apply. Timestamps are
// YYYY-MM-DDTHH:MM:SS+08:00.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>

#include "dueday/engine.hpp"
#include "dueday/event.hpp"

namespace dueday {

// One command line. Throws parse_error "<source>:<line>: <why>" for malformed JSON, a missing or
// mistyped field, an unknown type or a bad timestamp.
[[nodiscard]] command parse_command(std::string_view line, const std::string& source, std::int64_t line_no);

// One event as a JSON object on one line (no newline), timestamps at `offset`.
[[nodiscard]] std::string to_json(const event& e, utc_offset offset = beijing_offset);

// Writes each event as a line to a stream.
class jsonl_sink final : public event_sink {
 public:
  explicit jsonl_sink(std::ostream& out, utc_offset offset = beijing_offset) : out_(&out), offset_(offset) {}
  void on_event(const event& e) override;

 private:
  std::ostream* out_;
  utc_offset offset_;
};

struct replay_stats {
  std::int64_t lines = 0;  // non-blank lines read
  std::int64_t accepted = 0;
  std::int64_t duplicates = 0;  // repeated identical commands, ignored
  std::int64_t rejected = 0;    // each also a `rejected` event
};

// Feeds every line of `in` to the engine in order: time first advances to the command's instant
// (raising due alerts), then the command applies. A malformed or refused line becomes a `rejected`
// event naming the line and the reason, sent to `sink`; processing goes on. At end of input nothing
// more is emitted. Blank lines are skipped. The engine sends its events to `sink` from here on.
// `lines_before` is added to line numbers, for a stream that continues an earlier one (a host
// that restored a snapshot taken after that many lines).
replay_stats replay(std::istream& in, const std::string& source, engine& e, event_sink& sink,
                    std::int64_t lines_before = 0);

}  // namespace dueday
