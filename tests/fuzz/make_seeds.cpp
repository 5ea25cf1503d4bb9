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
// OUT_DIR/http/      requests to `dueday serve` (a mode byte, then one connection's bytes): each
//                    path with and without the token, October commands as JSON Lines, an array
//                    and chunked, pipelined requests, and malformed ones of many kinds
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

// One request as a client writes it: `headers` are whole lines; a body gets its Content-Length
// unless `headers` frame it already.
std::string request(const std::string& method, const std::string& target, const std::string& headers = "",
                    const std::string& body = "") {
  std::string r = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1:8490\r\n" + headers;
  if (!body.empty() && headers.find("Transfer-Encoding") == std::string::npos &&
      headers.find("Content-Length") == std::string::npos)
    r += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  return r + "\r\n" + body;
}

// The http target's seeds (see http_fuzz.cpp): mode byte '0' (no token) or '1' (the token), then
// the connection.
void write_http_seeds(const fs::path& out, const std::vector<std::string>& october) {
  const std::string auth = "Authorization: Bearer fuzz-token-0123456789\r\n";
  const auto lines = [&](std::size_t from, std::size_t n, const std::string& id) {
    std::string body;
    for (std::size_t i = from; i < from + n; ++i)
      body += "{\"id\":\"" + id + std::to_string(i) + "\"," + october[i].substr(1) + "\n";
    return body;
  };
  const std::string array = "[" + october[0] + ",\n " + october[1] + "," + october[7] + "]";
  const std::string chunked = "1a\r\n" + october[0].substr(0, 26) + "\r\n" +
                              fmt::format("{:x}", october[0].size() - 26 + 1) + "\r\n" + october[0].substr(26) +
                              "\n\r\n0\r\n\r\n";
  std::string ticks;
  for (int i = 1; i <= 9; ++i)
    ticks += fmt::format("{{\"type\":\"tick\",\"at\":\"2026-10-{:02}T09:00:00+08:00\"}}\n", i + 12);
  std::string six_health;
  for (int i = 0; i < 6; ++i) six_health += request("GET", "/healthz");
  const std::map<std::string, std::string> seeds = {
      {"healthz", "0" + request("GET", "/healthz")},
      {"healthz-token", "1" + request("GET", "/healthz")},
      {"metrics", "0" + request("GET", "/metrics")},
      {"metrics-token", "1" + request("GET", "/metrics", auth)},
      {"token-missing", "1" + request("GET", "/v1/events?after=0")},
      {"token-wrong", "1" + request("GET", "/v1/cases", "Authorization: Bearer fuzz-token-0123456780\r\n")},
      {"commands-jsonl",
       "0" + request("POST", "/v1/commands", "Content-Type: application/x-ndjson\r\n", lines(0, 4, "oct-"))},
      {"commands-array", "1" + request("POST", "/v1/commands", auth + "Content-Type: application/json\r\n", array)},
      {"commands-chunked", "0" + request("POST", "/v1/commands", "Transfer-Encoding: chunked\r\n", chunked)},
      {"commands-malformed", "0" + request("POST", "/v1/commands", "",
                                           "bogus\n{\"type\":\"open\"}\n\n" + lines(5, 1, "base-") +
                                               "[1,2]\n{\"id\":7,\"type\":\"tick\"}\n")},
      {"commands-array-bad", "0" + request("POST", "/v1/commands", "", "[" + october[0] + " " + october[1] + "]")},
      {"commands-too-many", "0" + request("POST", "/v1/commands", "", ticks)},
      {"commands-too-long", "0" + request("POST", "/v1/commands", "Content-Length: 5000\r\n", ticks)},
      {"events", "0" + request("GET", "/v1/events?after=0&limit=3&wait=0")},
      {"events-wait", "1" + request("GET", "/v1/events?after=100&limit=16&wait=1.5", auth)},
      {"events-bad", "0" + request("GET", "/v1/events?after=x&limit=0&wait=61")},
      {"ack-body", "0" + request("POST", "/v1/consumers/sms/ack", "", "{\"seq\":3}")},
      {"ack-query", "1" + request("POST", "/v1/consumers/fuzz/ack?seq=2", auth + "Content-Length: 0\r\n")},
      {"ack-past", "0" + request("POST", "/v1/consumers/sms/ack", "", "{\"seq\":99999}")},
      {"ack-bad-name", "0" + request("POST", "/v1/consumers/a%0Ab/ack", "", "{\"seq\":1}")},
      {"cases-at-risk", "0" + request("GET", "/v1/cases?at_risk=1&limit=5")},
      {"case", "1" + request("GET", "/v1/cases/W-001", auth)},
      {"case-unknown", "0" + request("GET", "/v1/cases/KM-2026-9999")},
      {"tick", "0" + request("POST", "/v1/tick", "Content-Type: application/json\r\n",
                             "{\"at\":\"2026-10-20T09:00:00+08:00\"}")},
      {"tick-bad", "0" + request("POST", "/v1/tick", "", "{\"at\":\"yesterday\"}")},
      {"report-json", "0" + request("GET", "/v1/reports/2026-10?format=json")},
      {"report-text", "1" + request("GET", "/v1/reports/2026-10?format=text", auth)},
      {"report-csv", "0" + request("GET", "/v1/reports/2026-10?format=csv")},
      {"report-html", "0" + request("GET", "/v1/reports/2026-09")},
      {"report-bad", "0" + request("GET", "/v1/reports/2026-13?format=pdf")},
      {"summary", "0" + request("GET", "/v1/summary")},
      {"dashboard", "1" + request("GET", "/")},
      {"pipelined", "0" + request("GET", "/healthz") + request("POST", "/v1/commands", "", lines(8, 2, "p-")) +
                        request("GET", "/v1/events?after=5&limit=2") + request("GET", "/v1/cases/W-002")},
      {"keep-alive-max", "0" + six_health},
      {"connection-close", "0" + request("GET", "/healthz", "Connection: close\r\n") + request("GET", "/metrics")},
      {"http10", "0GET /healthz HTTP/1.0\r\n\r\nGET /metrics HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"},
      {"head", "0" + request("HEAD", "/v1/cases/W-001") + request("HEAD", "/nowhere")},
      {"methods", "0" + request("PUT", "/v1/commands", "", "x") + request("DELETE", "/v1/events") +
                      request("OPTIONS", "/") + request("PATCH", "/nowhere", "", "{}")},
      {"bad-request-line", "0GARBAGE\r\n\r\n"},
      {"bad-header", "0GET /healthz HTTP/1.1\r\nno colon here\r\n\r\n"},
      {"range", "0" + request("GET", "/v1/cases/W-001", "Range: bytes=0-3\r\n") +
                    request("GET", "/healthz", "Range: bytes=0-1,5-2\r\n")},
      {"accept-gzip", "0" + request("GET", "/v1/events?after=0", "Accept-Encoding: gzip, br\r\n")},
      {"multipart", "0" + request("POST", "/v1/commands", "Content-Type: multipart/form-data; boundary=x\r\n",
                                  "--x\r\n\r\n{}\r\n--x--\r\n")},
      {"expect-continue",
       "0" + request("POST", "/v1/tick", "Expect: 100-continue\r\n", "{\"at\":\"2026-10-13T00:00:00+08:00\"}")},
      {"gzip-not", "0" + request("POST", "/v1/commands", "Content-Encoding: gzip\r\n", october[0])},
      {"chunked-bad", "0" + request("POST", "/v1/commands", "Transfer-Encoding: chunked\r\n", "zz\r\nabc\r\n")},
      {"path-long", "0" + request("GET", "/v1/cases/" + std::string(1100, 'A'))},
      {"post-no-length", "0POST /v1/commands HTTP/1.1\r\n\r\n" + october[0] + "\n"},
      {"length-negative", "0" + request("POST", "/v1/tick", "Content-Length: -1\r\n", "{}")},
  };
  for (const auto& [name, text] : seeds) write(out / "http" / name, text);
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
  write_http_seeds(out, october);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "dueday_fuzz_seeds: %s\n", e.what());
  return 1;
}
