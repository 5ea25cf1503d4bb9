// libFuzzer target: JSON Lines commands through replay() and the engine, on the built-in national
// calendar and policies (what `dueday replay` uses without --holidays or --policy).
//
// Input: one byte that picks a split point, then the command stream (seeds/jsonl/ holds lines of
// examples/october-2026/commands.jsonl). Properties, each a finding when broken:
// - every line reads alike through the simdjson reader and its nlohmann fallback (the same command
//   and id, or the same message), and parse_command throws nothing but parse_error, agreeing with both;
// - the stream read by blocks (command_lines, what replay reads with; blocks of 16 bytes to 2 KB by
//   the first byte) gives every line that is not blank the answer the simdjson reader gives it alone;
// - replay() throws nothing (bad lines become `rejected` events) and its counts add up;
// - the stream split after line k (k = first byte mod (number of '\n' + 1)): the first part
//   replayed, the engine snapshotted and restored into a new one (whose snapshot is the same
//   bytes), the rest replayed there with lines_before = k and the first part's command ids, gives
//   byte for byte the events, the counts and the final snapshot of the unsplit run.
#include <dueday/engine.hpp>
#include <dueday/io.hpp>
#include <dueday/jsonl.hpp>
#include <dueday/snapshot.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>

#include "../command_text.hpp"
#include "detail/command_json.hpp"
#include "fuzz_support.hpp"

namespace {

using namespace dueday;

using fuzz::cal;
using test::describe;

// Where an engine's sink points between replays (replay() points it at its own).
counting_sink& parked() {
  static counting_sink s;
  return s;
}

void check_readers(std::string_view stream) {
  static detail::command_reader reader;
  std::int64_t line_no = 0;
  for (std::size_t pos = 0; pos <= stream.size();) {
    const std::size_t end = std::min(stream.find('\n', pos), stream.size());
    const std::string_view line = stream.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    command fast, dom;
    std::string why_fast, why_dom, id_fast, id_dom;
    const bool ok_fast = reader.read(line, false, fast, why_fast, &id_fast);
    const bool ok_dom = detail::read_command_dom(line, dom, why_dom, &id_dom);
    const std::string described = describe(ok_fast, fast, why_fast);
    fuzz::same(described, describe(ok_dom, dom, why_dom), "the simdjson and nlohmann readers read a line differently");
    fuzz::same(id_fast, id_dom, "the simdjson and nlohmann readers read an id differently");
    try {
      const command c = parse_command(line, "fuzz", line_no);
      fuzz::same(describe(true, c, {}), described, "parse_command read a line otherwise than the readers");
    } catch (const parse_error& e) {
      fuzz::check(!ok_fast, "parse_command refused a line the readers take", e.what());
      fuzz::same(e.message(), why_fast, "parse_command refused a line for another reason than the readers");
    }
  }
}

void check_blocks(std::string_view stream, std::size_t block) {
  static detail::command_reader reader;
  std::istringstream in{std::string(stream)};
  detail::command_lines lines(in, block);
  command by_block, alone;
  std::string why_block, why_alone, id_block, id_alone;
  std::int64_t line_no = 0;
  for (std::size_t pos = 0; pos < stream.size();) {  // lines as std::getline splits them
    const std::size_t end = std::min(stream.find('\n', pos), stream.size());
    const std::string_view line = stream.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    const bool ok_alone = reader.read(line, false, alone, why_alone, &id_alone);
    const auto status = lines.next(by_block, why_block, &id_block);
    fuzz::check(status != detail::command_lines::status::end, "the stream read by blocks ended early");
    fuzz::same(std::to_string(lines.line()), std::to_string(line_no), "the stream read by blocks gave another line");
    fuzz::same(describe(status == detail::command_lines::status::command, by_block, why_block),
               describe(ok_alone, alone, why_alone), "a line read from its block reads otherwise than alone");
    fuzz::same(id_block, id_alone, "a line read from its block has another id than alone");
  }
  fuzz::check(lines.next(by_block, why_block, &id_block) == detail::command_lines::status::end,
              "the stream read by blocks gave a line too many");
}

// Replays `text` into `e` (which keeps its state) and returns the events as JSON Lines.
std::string replay_text(std::string_view text, engine& e, std::int64_t lines_before, replay_stats& total,
                        command_ids& ids) {
  std::istringstream in{std::string(text)};
  std::ostringstream out;
  jsonl_sink sink(out, cal().offset());
  const replay_stats st = replay(in, "fuzz", e, sink, lines_before, &ids);
  sink.flush();
  e.set_sink(parked());
  fuzz::check(st.lines == st.accepted + st.duplicates + st.rejected,
              "replay's counts do not add up to the lines it read");
  total.lines += st.lines;
  total.accepted += st.accepted;
  total.duplicates += st.duplicates;
  total.rejected += st.rejected;
  return out.str();
}

bool same_counts(const replay_stats& a, const replay_stats& b) {
  return a.lines == b.lines && a.accepted == b.accepted && a.duplicates == b.duplicates && a.rejected == b.rejected;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  return fuzz::run([&] {
    const std::string_view stream = fuzz::text_of(data + 1, size - 1);
    check_readers(stream);
    check_blocks(stream, std::size_t{16} << (data[0] % 8));
    const policy_set& policies = builtin_policies();

    engine whole(cal(), policies, parked());
    replay_stats whole_stats;
    command_ids whole_ids, split_ids;
    const std::string all = replay_text(stream, whole, 0, whole_stats, whole_ids);
    const std::string final_state = snapshot(whole);

    const auto lines = static_cast<std::size_t>(std::count(stream.begin(), stream.end(), '\n'));
    const std::size_t k = data[0] % (lines + 1);
    std::size_t cut = 0;
    for (std::size_t i = 0; i < k; ++i) cut = stream.find('\n', cut) + 1;
    engine first(cal(), policies, parked());
    replay_stats split_stats;
    std::string events = replay_text(stream.substr(0, cut), first, 0, split_stats, split_ids);
    const std::string middle = snapshot(first);
    engine second = restore(middle, cal(), policies, parked());
    fuzz::same(snapshot(second), middle, "snapshot -> restore -> snapshot changed the bytes");
    events += replay_text(stream.substr(cut), second, static_cast<std::int64_t>(k), split_stats, split_ids);
    fuzz::same(events, all, fmt::format("the stream split by a snapshot after line {} gave other events", k));
    fuzz::same(snapshot(second), final_state,
               fmt::format("the stream split by a snapshot after line {} ended in another state", k));
    fuzz::check(same_counts(split_stats, whole_stats), "the split stream's counts differ from the unsplit one's");
  });
}
