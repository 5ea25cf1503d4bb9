// dueday/jsonl.hpp — commands in and events out as JSON Lines, and replaying a command stream.
//
// One JSON object per line both ways:
//   {"type":"open","case":"W-001","at":"2026-09-28T10:00:00+08:00","policy":"kunming-water-490","variant":"no-external"}
//   {"type":"open","case":"W-002","at":"...","policy":"kunming-water-490","works":{"meter_dn":40,"pipe_m":120,"crossings":[]}}
//   {"type":"open",...,"district":"五华区","units":{"survey":"昆明自来水集团有限公司五华分公司","approval-planning":"昆明市自然资源和规划局五华分局","overall":"..."}}
//   {"type":"start"|"pause"|"resume"|"complete","case":"W-001","step":"survey","at":"...","reason":"..."}
//   {"type":"start",...,"unit":"..."}                 (hands the step to that unit, over the open's units)
//   {"type":"cancel","case":"W-001","at":"..."}      {"type":"tick","at":"..."}
//   {"type":"start","id":"feeder-1-000042",...}      (any command may carry an id, see below)
// Fields not listed are ignored, so hosts may carry their own (valid JSON, as the whole line must
// be; no key twice in the command, its works or its units). `district`, each value of `units` and
// `unit` are non-empty strings of at most max_unit_name (200) bytes; a `units` key that is neither
// a step of the case's variant nor "overall" refuses the open (unknown_step). Events:
//   {"type":"warning","case":"W-001","step":"survey","unit":"供水企业","level":"yellow",
//    "at":"2026-10-09T00:00:00+08:00","due":"2026-10-10T00:00:00+08:00","elapsed_s":86400,
//    "remaining_s":86400,"provisional":false}
//   {"type":"case_opened","case":"W-001","at":"...","variant":"no-external","policy":"kunming-water-490","district":"五华区"}
// with `type`, `case` and `at` always; `step`, `unit` (right after `step`), `due`, `elapsed_s`,
// `remaining_s` and `provisional` for clock events (working seconds: a civil working day is 86400,
// an office day 25200); `unit` is the one the step's `start` named, else the open's `units`, else
// the title of the step's party in the policy, else the party id, else "". case_opened ends with
// `variant`, `policy` and, when the open named one, `district`. `level`, `on_time`,
// `previous_due`, `detail`, `line` where they apply. Timestamps are YYYY-MM-DDTHH:MM:SS+08:00.
//
// Command ids: a command may carry "id", a string of 1 to max_command_id (128) bytes without
// control characters (U+0000-U+001F, U+007F-U+009F); anything else refuses the line (as any bad
// field). The id names the command for its feeder: a command whose id was seen before is a
// duplicate, neither applied nor journaled, whatever it says, so a feeder may resend everything
// after the last id it saw answered. The durable store (store.hpp, `dueday run`) keeps the ids it
// applied; replay() honours ids the same way, in memory, for the stream it reads (an id counts as
// seen once its line was read as a command, refused by the engine or not; a line refused as
// malformed records nothing), so that replay and the store raise the same events for any stream.
// (What differs is the `line` of a rejected event: replay's is the input line; the store's is the
// command's journal position, the same number for a stream fed from its first line whose every
// line is a command, none blank, malformed or a duplicate by id.) A line without an id costs
// nothing more than before.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "dueday/engine.hpp"
#include "dueday/event.hpp"

namespace dueday {

namespace detail {
class event_writer;
}  // namespace detail

// One command line. Throws parse_error "<source>:<line>: <why>" for malformed JSON (which includes
// invalid UTF-8 and a number beyond a double's range, anywhere in the line), a key repeated in the
// command or in its works or units ("duplicate key 'type'"), a missing or mistyped field, an empty
// or over-long district or unit name, an unknown type or a bad timestamp. Fields not listed above are ignored but must
// be valid JSON. Thread-safe (each thread reuses a parser of its own).
[[nodiscard]] command parse_command(std::string_view line, const std::string& source, std::int64_t line_no);

// The longest command id, in bytes.
inline constexpr std::size_t max_command_id = 128;

// The same, also giving the line's id in `id` ("" when it has none). Throws as above, including
// for an id that is not a string, is empty, longer than max_command_id bytes or holds a control
// character ("id must be a string, not number", "id is empty", "id is 129 bytes long (at most
// 128)", "id 'a\nb' holds a control character"). When the line is refused for another fault,
// `id` still holds its id if that was read (a feeder can tell which of its commands was refused);
// else "".
[[nodiscard]] command parse_command(std::string_view line, const std::string& source, std::int64_t line_no,
                                    std::string& id);

// One event as a JSON object on one line (no newline), timestamps at `offset`.
[[nodiscard]] std::string to_json(const event& e, utc_offset offset = beijing_offset);

// Writes each event as a line to a stream, in large blocks: lines are kept in a buffer and written
// once it holds 64 KiB, and by flush() and the destructor. Call flush() before reading the stream's
// state (or what it wrote); the destructor swallows errors. Each batch (event_sink::on_events) is
// formatted whole or not at all: when formatting throws, none of its lines stays buffered, and a
// stream that throws does so before the batch is taken. Not thread-safe; not copyable.
class jsonl_sink final : public event_sink {
 public:
  explicit jsonl_sink(std::ostream& out, utc_offset offset = beijing_offset);
  jsonl_sink(const jsonl_sink&) = delete;
  jsonl_sink& operator=(const jsonl_sink&) = delete;
  ~jsonl_sink() override;

  void on_event(const event& e) override;
  void on_events(std::span<const event> batch) override;
  // Writes the buffered lines and flushes the stream.
  void flush();

 private:
  void write_out();

  std::ostream* out_;
  std::unique_ptr<detail::event_writer> writer_;
};

// The events of a JSON Lines stream as to_json writes them, in order; `unit`, `policy` and
// `district` are read when present (files written before they existed have none). Blank lines are
// skipped and keys not listed above ignored. Throws parse_error "<source>:<line>: <why>" (one line,
// untrusted text quoted) for a line that is not one JSON object, lacks `type`, `case` or `at`,
// names an unknown type, or has a field of the wrong type or a bad timestamp.
[[nodiscard]] std::vector<event> read_events(std::istream& in, const std::string& source);

// The command ids a replay has seen (ids live in memory only; the durable store keeps its own).
using command_ids = std::unordered_set<std::string>;

struct replay_stats {
  std::int64_t lines = 0;  // non-blank lines read
  std::int64_t accepted = 0;
  std::int64_t duplicates = 0;  // repeated identical commands and repeated ids, ignored
  std::int64_t rejected = 0;    // each also a `rejected` event
};

// Feeds every line of `in` to the engine in order: time first advances to the command's instant
// (raising due alerts), then the command applies. A malformed or refused line becomes a `rejected`
// event naming the line and the reason, sent to `sink`; processing goes on. At end of input nothing
// more is emitted. Blank lines are skipped. A line whose id is in `ids` (seen before in this
// stream) is a duplicate, see "Command ids" above: nothing is emitted for it; the id of every line
// read as a command is added. The engine sends its events to `sink` from here on.
// `lines_before` is added to line numbers, for a stream that continues an earlier one (a host
// that restored a snapshot taken after that many lines; it passes the earlier call's `ids`, which
// no snapshot holds). Without `ids`, a set of this call's own. Input is read in blocks of 1 MiB (a
// line is processed once its block has arrived, or the stream ended): for files and batch pipes,
// not for a host that waits on each event of a live stream (dueday run is one).
replay_stats replay(std::istream& in, const std::string& source, engine& e, event_sink& sink,
                    std::int64_t lines_before = 0, command_ids* ids = nullptr);

}  // namespace dueday
