// dueday_fuzz_seeds — writes the seed corpora of the fuzz targets from the repository's own data:
//
//   dueday_fuzz_seeds SOURCE_DIR OUT_DIR      (the committed ones: OUT_DIR = SOURCE_DIR/tests/fuzz/seeds)
//
// OUT_DIR/jsonl/     a split byte, then lines of examples/october-2026/commands.jsonl: the cases of
//                    one kind each (paused, cancelled, out of scope, ...) and a closing tick; and
//                    tests/data/replay/small.jsonl (repeats, a malformed line, refusals)
// OUT_DIR/snapshot/  the engine's snapshot after each of those streams, and after half of one
// OUT_DIR/checkpoint/ a store: the snapshot after the first half of each stream, its journal the
//                    second half; and one without a checkpoint
// OUT_DIR/notice/    notices from holidays/cn (plain, amending, a second national one) and an overlay
// OUT_DIR/policy/    the shipped policy
// Files it does not name (hand-written seeds) are left alone. Same data, same bytes.
#include <dueday/engine.hpp>
#include <dueday/io.hpp>
#include <dueday/jsonl.hpp>
#include <dueday/policy.hpp>
#include <dueday/snapshot.hpp>

#include <fmt/format.h>

#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace dueday;
namespace fs = std::filesystem;

std::string read(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw error(fmt::format("{}: cannot open file", file.string()));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush()) throw error(fmt::format("{}: cannot write file", file.string()));
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string join(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  return s;
}

// The engine's snapshot after replaying `stream` (JSON Lines).
std::string snapshot_after(const std::string& stream) {
  counting_sink sink;
  engine e(builtin_calendar(), builtin_policies(), sink);
  std::istringstream in(stream);
  (void)replay(in, "seed", e, sink);
  return snapshot(e);
}

// One JSON Lines seed: the split byte (after half the lines), then the lines.
std::string jsonl_seed(const std::vector<std::string>& lines) {
  return std::string(1, static_cast<char>(lines.size() / 2)) + join(lines);
}

}  // namespace

int main(int argc, char** argv) try {
  if (argc != 3) {
    std::fputs("usage: dueday_fuzz_seeds SOURCE_DIR OUT_DIR\n", stderr);
    return 2;
  }
  const fs::path src = argv[1];
  const fs::path out = argv[2];

  // The October example, grouped by case (in the order of their first line).
  const std::vector<std::string> october = lines_of(read(src / "examples/october-2026/commands.jsonl"));
  std::vector<command> commands;
  for (std::size_t i = 0; i < october.size(); ++i)
    commands.push_back(parse_command(october[i], "commands.jsonl", static_cast<std::int64_t>(i + 1)));
  const sla_policy& water = *builtin_policies().find("kunming-water-490");
  std::map<std::string, std::set<std::string>> traits;  // case -> what its lines do
  std::map<std::string, int> seen;                      // line -> times
  for (std::size_t i = 0; i < october.size(); ++i) {
    const command& c = commands[i];
    auto& t = traits[c.case_id];
    t.insert(std::string(to_string(c.kind)));
    if (c.kind == command_kind::open && c.works && !water.classify(*c.works).variant) t.insert("out-of-scope");
    if (c.kind == command_kind::open && (c.variant == "external" || (c.works && c.works->pipe_m > 0)))
      t.insert("external");
    if (++seen[october[i]] == 2) t.insert("repeat");
  }
  // The lines of the first `n` cases with `trait`, and the closing tick.
  const auto cases_with = [&](const std::string& trait, std::size_t n) {
    std::set<std::string> picked;
    for (const command& c : commands)
      if (picked.size() < n && traits[c.case_id].contains(trait)) picked.insert(c.case_id);
    std::vector<std::string> lines;
    for (std::size_t i = 0; i < october.size(); ++i)
      if (picked.contains(commands[i].case_id) || commands[i].kind == command_kind::tick) lines.push_back(october[i]);
    return lines;
  };

  std::map<std::string, std::vector<std::string>> streams;
  streams["october-head"] = std::vector<std::string>(october.begin(), october.begin() + 30);
  streams["october-head"].push_back(october.back());
  streams["paused"] = cases_with("pause", 3);
  streams["cancelled"] = cases_with("cancel", 2);
  streams["external"] = cases_with("external", 2);
  streams["out-of-scope"] = cases_with("out-of-scope", 2);
  streams["repeats"] = cases_with("repeat", 3);
  streams["small"] = lines_of(read(src / "tests/data/replay/small.jsonl"));
  for (const auto& [name, lines] : streams) {
    write(out / "jsonl" / name, jsonl_seed(lines));
    write(out / "snapshot" / (name + ".json"), snapshot_after(join(lines)));
  }
  const auto& ext = streams["external"];
  write(out / "snapshot" / "external-half.json",
        snapshot_after(join(std::vector<std::string>(ext.begin(), ext.begin() + static_cast<long>(ext.size() / 2)))));
  write(out / "snapshot" / "empty.json", snapshot_after(""));
  // A store: the checkpoint after the first half of a stream, then the second half as its journal.
  for (const auto& [name, lines] : streams) {
    const std::size_t half = lines.size() / 2;
    const std::vector<std::string> head(lines.begin(), lines.begin() + static_cast<long>(half));
    const std::vector<std::string> tail(lines.begin() + static_cast<long>(half), lines.end());
    write(out / "checkpoint" / name, std::to_string(half) + "\n" + snapshot_after(join(head)) + '\0' + join(tail));
  }
  write(out / "checkpoint" / "journal-only", join(streams["paused"]));

  for (const char* name : {"2026.toml", "2020-2.toml", "2015-2.toml", "2008.toml"})
    write(out / "notice" / name, read(src / "holidays/cn" / name));
  write(out / "notice" / "overlay-demo.toml", read(src / "tests/data/overlay-demo.toml"));
  write(out / "policy" / "kunming-water-490.toml", read(src / "policies/kunming-water-490.toml"));
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "dueday_fuzz_seeds: %s\n", e.what());
  return 1;
}
