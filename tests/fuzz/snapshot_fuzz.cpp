// libFuzzer target: snapshot text through parse_snapshot_json, engine::from_state and restore, on
// the built-in national calendar and policies.
//
// Input: any bytes (seeds/snapshot/ holds snapshots the engine wrote after lines of the October
// example). Properties:
// - parse_snapshot_json and restore throw nothing but dueday::error, and refuse or take alike;
// - snapshot_reader, fed the text in pieces (of 1 to 16 bytes, by the text's length), takes what
//   parse_snapshot_json takes, as an equal state, and refuses what it refuses (it also refuses a
//   field after `cases`, which parse_snapshot_json takes: a field read before it may then be
//   missing);
// - snapshot_restorer, fed the same pieces, refuses with snapshot_reader's message when the
//   reader refuses, else with engine::from_state's when that refuses, else gives the engine
//   from_state gives (the same snapshot);
// - a parsed state is written again without throwing, and that text reads back to an equal state
//   and the same bytes;
// - a restored engine's state is the state it was restored from (its snapshot is that text); it
//   answers inspect() for every case, and ticks to its next alerts and far ahead without throwing,
//   with its events in time order; then snapshot -> restore -> snapshot gives the same bytes.
#include <dueday/engine.hpp>
#include <dueday/io.hpp>
#include <dueday/snapshot.hpp>

#include <fmt/format.h>

#include <iterator>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "fuzz_support.hpp"

namespace {

using namespace dueday;
using namespace std::chrono;

using fuzz::cal;

// Ticks `e` to its next alerts a few times, then far ahead.
void run(engine& e, vector_sink& out) {
  for (int i = 0; i < 8; ++i) {
    const std::optional<instant> next = e.next_due();
    if (!next) break;
    fuzz::check(*next >= e.now(), "next_due() is before the engine's time");
    const outcome o = e.advance_to(*next);
    if (!o.accepted()) break;  // beyond the projection
  }
  (void)e.advance_to(cal().at(cal().projection_end(), hours{12}));
  for (std::size_t i = 1; i < out.events.size(); ++i)
    fuzz::check(out.events[i - 1].at <= out.events[i].at, "events out of time order after a restore");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return fuzz::run([&] {
    const std::string_view text = fuzz::text_of(data, size);
    const policy_set& policies = builtin_policies();
    vector_sink out;
    bool restored = true;
    try {
      (void)restore(text, cal(), policies, out);
    } catch (const error&) {
      restored = false;
    }

    std::optional<engine_state> streamed;
    std::string streamed_refusal;
    try {
      snapshot_reader reader;
      const std::size_t piece = 1 + size % 16;
      for (std::size_t k = 0; k < text.size(); k += piece) reader.feed(text.substr(k, piece));
      streamed = reader.finish();
    } catch (const error& x) {
      streamed_refusal = x.what();
      fuzz::check(streamed_refusal.find('\n') == std::string::npos, "a refusal in pieces is not one line");
    }

    std::optional<engine> by_restorer;
    std::string restorer_refusal;
    vector_sink restorer_out;
    try {
      snapshot_restorer restorer(cal(), policies, restorer_out);
      const std::size_t piece = 1 + size % 16;
      for (std::size_t k = 0; k < text.size(); k += piece) restorer.feed(text.substr(k, piece));
      by_restorer.emplace(restorer.finish());
    } catch (const error& x) {
      restorer_refusal = x.what();
    }
    if (!streamed) fuzz::same(restorer_refusal, streamed_refusal, "snapshot_restorer and snapshot_reader refuse apart");

    engine_state state;
    try {
      state = parse_snapshot_json(text);
    } catch (const error&) {
      fuzz::check(!restored, "restore took a text parse_snapshot_json refuses");
      fuzz::check(!streamed, "snapshot_reader took a text parse_snapshot_json refuses");
      return;
    }
    if (streamed) {
      fuzz::check(*streamed == state, "snapshot_reader read another state than parse_snapshot_json");
    } else {
      // Only a text whose last field is not `cases` (valid JSON here: parse_snapshot_json took it).
      const auto doc = nlohmann::ordered_json::parse(text);
      fuzz::check(!doc.empty() && std::prev(doc.end()).key() != "cases",
                  "snapshot_reader refused a text parse_snapshot_json takes", streamed_refusal);
    }
    const std::string canonical = to_snapshot_json(state);
    fuzz::check(parse_snapshot_json(canonical) == state, "a state written and read back is another state");
    fuzz::same(to_snapshot_json(parse_snapshot_json(canonical)), canonical, "a snapshot read and written changed");

    std::optional<engine> e;
    try {
      e.emplace(engine::from_state(state, cal(), policies, out));
    } catch (const error& x) {
      fuzz::check(!restored, "restore took a state engine::from_state refuses");
      if (streamed) fuzz::same(restorer_refusal, x.what(), "snapshot_restorer and engine::from_state refuse apart");
      return;
    }
    if (streamed) {
      fuzz::check(by_restorer.has_value(), "snapshot_restorer refused a state engine::from_state takes",
                  restorer_refusal);
      fuzz::same(snapshot(*by_restorer), snapshot(*e), "snapshot_restorer built another engine than from_state");
    }
    fuzz::check(restored, "restore refused a state engine::from_state takes");
    fuzz::check(e->state() == state, "a restored engine's state is not the state it was restored from");
    fuzz::same(snapshot(*e), canonical, "a restored engine's snapshot is not the text of its state");
    for (const case_record& r : state.cases)
      fuzz::check(e->inspect(r.id, e->now()).has_value(), "a restored case cannot be inspected", r.id);
    run(*e, out);
    const std::string after = snapshot(*e);
    vector_sink again;
    const engine back = restore(after, cal(), policies, again);
    fuzz::same(snapshot(back), after, "snapshot -> restore -> snapshot changed the bytes after ticks");
  });
}
