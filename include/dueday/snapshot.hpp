// dueday/snapshot.hpp — an engine's state (engine_state) as JSON text and back.
//
// One compact JSON object, keys always in the order below, so the same state gives the same bytes.
// Format "dueday-engine-snapshot", version 4. Versions 3 and 2 are read too: version 3 writes every
// clock in full; version 2, written before units, has no `names`, `unit` or `district`, read as
// none. A case with a 2 WD survey confirmed on Wednesday
// 2026-09-30 10:00 and paused 10-08 15:00 (15 h of the 48 used; 10-01..10-07 国庆节), and an out of
// scope case (a snapshot is one line; broken here at the cases and clocks):
//
//   {"format":"dueday-engine-snapshot","version":4,"now":"2026-10-08T16:00:00+08:00",
//    "retired_before":null,"calendar":"5b1c0e3f9a7d2468","policies":["kunming-water-490@2020.1"],
//    "names":["五华区","昆明自来水集团有限公司五华分公司"],"cases":[
//     {"id":"W-001","policy":"kunming-water-490","variant":"standard","status":"open",
//      "opened":"2026-09-30T10:00:00+08:00","closed":null,"clocks":[
//       {"state":"paused","first_count":"2026-10-01T00:00:00+08:00","run_from":"2026-10-01T00:00:00+08:00",
//        "mark":"2026-10-08T15:00:00+08:00","due":"2026-10-10T00:00:00+08:00","elapsed":54000,
//        "provisional":false,"overran":false,"commanded":null,"waiting":false,"completed":false,"fired":0,
//        "unit":2},
//       ...],
//      "transitions":[{"step":0,"pause":true,"at":"2026-10-08T15:00:00+08:00"}],"district":1},
//     {"id":"W-002","policy":"kunming-water-490","variant":"","status":"out_of_scope",
//      "opened":"2026-09-30T11:00:00+08:00","closed":"2026-09-30T11:00:00+08:00","clocks":[],"transitions":[],
//      "district":0}]}
//
// Field by field (engine_state.hpp says what each means):
//   now, opened, first_count, run_from, mark, due, at   instants, exactly YYYY-MM-DDTHH:MM:SS+08:00
//   retired_before, commanded                           such an instant, or null when absent
//   closed                                              such an instant (out of scope: the opening), or
//                                                       null exactly when the status is open
//   calendar, id, policy, variant                       strings; variant "" when out of scope
//   policies                                            array of strings ("id@version")
//   names         array of strings: the district and unit names commands gave, each once
//   unit, district   integers 0..4294967295: a name's place in `names` + 1, 0 for none
//   status        open, completed, cancelled or out_of_scope
//   state         idle, running, paused or stopped
//   elapsed       integer seconds of working time, 0..10^10
//   fired, step   integers 0..255 (fired: bit l is alert level l)
//   provisional, overran, waiting, completed, pause     true or false
//
// A clock with nothing set but its unit (idle, never started, not waiting, not completed, no level
// raised, elapsed 0, every instant of it 1970-01-01T08:00:00+08:00: step_timer::raw{}) is written
// short, {"state":"idle","unit":N} (version 4; a snapshot of a million open cases is mostly steps
// not begun: 40% of its bytes). A version 4 clock without `first_count` whose state is idle is
// read in that form, as that clock; any other clock is read in full.
//
// Reading trusts nothing: parse_snapshot_json refuses malformed JSON, text nested deeper than 8
// arrays or objects, a key twice in one object, any other format or version, unknown and missing
// fields, a value of the wrong type, a number with a fraction or exponent where an integer
// belongs, an integer out of the field's range, a name that is not a state or status, a closing
// instant on an open case or none on any other, and an instant in any other form than the one
// written above. JSON strings must be UTF-8. The error is one line, "not a valid snapshot: <where>:
// <what>", <where> the path of the value (or the line and column of a JSON syntax error, or "top
// level"):
//
//   not a valid snapshot: cases[3].clocks[1].elapsed: 1.5 is not an integer
//   not a valid snapshot: cases[0].clocks[0].state: 'runing' is not a timer state (expected idle, ...)
//   not a valid snapshot: cases[0]: duplicate key 'id'
//   not a valid snapshot: cases[2].closed: null is not an instant (only an open case has none)
//   not a valid snapshot: line 2, column 13: syntax error while parsing value - invalid literal; ...
//
// Whether the state makes sense (instants in order, working times the instants allow, the clocks
// the policy has) is for engine::from_state to check, against the calendar and the policies.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "dueday/engine.hpp"
#include "dueday/engine_state.hpp"

namespace dueday {

// The state as one line of compact JSON (no newline), byte for byte the same for equal states.
// Instants are written at +08:00. Refuses to write what parse_snapshot_json would refuse to read:
// throws dueday::error, one line "cannot write a snapshot: <where>: <what>", for a string that is
// not UTF-8, an instant outside the years 0000..9999, elapsed outside 0..10^10 s, a state or
// status that is no enumerator, or an open case whose `closed` is not instant{} (it would come back
// as instant{}). Thread-safe.
[[nodiscard]] std::string to_snapshot_json(const engine_state& s);

// The same bytes as to_snapshot_json(s), handed to `out` in pieces: the header (everything before
// the first case), each case, then the closing "]}". The text is never whole in memory: at most one
// case's JSON at a time (plus `s` itself, which the caller holds). Throws as to_snapshot_json; on a
// throw `out` may have had part of the text. Thread-safe.
void write_snapshot_json(const engine_state& s, const std::function<void(std::string_view)>& out);
// The same bytes as write_snapshot_json(e.state(), out), in the same pieces, taking the engine's
// state a case at a time (engine::state(header, each)): no copy of the whole state is made. Throws
// as to_snapshot_json. Not thread-safe with changes to `e`.
void write_snapshot_json(const engine& e, const std::function<void(std::string_view)>& out);

// The state written by to_snapshot_json. Throws dueday::error, one line "not a valid snapshot:
// <where>: <what>", for anything that text could not be (see above). An open case's `closed` is
// instant{}. Thread-safe.
[[nodiscard]] engine_state parse_snapshot_json(std::string_view text);

// Reads snapshot text handed over in pieces (a store's checkpoint), holding the state read so far
// and at most one case's text, never the whole text. Accepts and returns what parse_snapshot_json
// of the whole text would, provided `cases` is the last field, as to_snapshot_json writes it (a
// field after it is refused). A text with one fault is refused with parse_snapshot_json's message,
// naming the same place (tested on every refusal of its tests and on every cut of a valid text),
// except for a stray byte between the cases or after them, refused at the same line and column in
// words of its own. With several faults the first in the text is named, where parse_snapshot_json
// names a syntax error before any other fault.
// Not thread-safe; feed() after a refusal or after finish() is a logic error.
class snapshot_reader {
 public:
  snapshot_reader();
  snapshot_reader(snapshot_reader&&) noexcept;
  snapshot_reader& operator=(snapshot_reader&&) noexcept;
  ~snapshot_reader();

  // The next piece of the text (any size, any boundary). Throws dueday::error as soon as the text
  // read so far cannot begin a snapshot (in the header, once its `cases` begins; then case by case).
  void feed(std::string_view piece);
  // The state, once the whole text was fed.
  [[nodiscard]] engine_state finish();

 private:
  friend class snapshot_restorer;
  struct impl;
  std::unique_ptr<impl> p_;
};

// snapshot_reader and engine::from_state in one, case by case: each case is checked and added to
// the engine as soon as it is read, so neither the text nor the whole engine_state is ever in
// memory (a store's checkpoint of a million cases). Accepts what from_state(snapshot_reader's
// state) accepts, giving the same engine, and refuses what it refuses with the same message: a
// fault in the text is named before any fault in the state, however late in the text it comes.
// Not thread-safe; feed() after a refusal or after finish() is a logic error.
class snapshot_restorer {
 public:
  snapshot_restorer(calendar cal, policy_set policies, event_sink& sink, engine_options options = {});
  snapshot_restorer(snapshot_restorer&&) noexcept;
  snapshot_restorer& operator=(snapshot_restorer&&) noexcept;
  ~snapshot_restorer();

  // As snapshot_reader::feed. A fault in the state is held until finish().
  void feed(std::string_view piece);
  // The engine, once the whole text was fed.
  [[nodiscard]] engine finish();

 private:
  struct impl;
  std::unique_ptr<impl> p_;
};

// An engine's snapshot text: to_snapshot_json(e.state()).
[[nodiscard]] std::string snapshot(const engine& e);

// An engine rebuilt from snapshot text, trusting nothing in it: parse_snapshot_json, then
// engine::from_state (which checks the state against `cal` and `policies`). Throws dueday::error,
// one line "not a valid snapshot: <where>: <what>".
[[nodiscard]] engine restore(std::string_view text, calendar cal, policy_set policies, event_sink& sink,
                             engine_options options = {});

}  // namespace dueday
