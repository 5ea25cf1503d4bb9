#include <doctest/doctest.h>
#include <dueday/jsonl.hpp>  // first: proves the header stands alone

#include <fmt/format.h>
#include <dueday/io.hpp>

#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "command_text.hpp"
#include "detail/command_json.hpp"
#include "support.hpp"

using namespace dueday;
using namespace std::string_literals;
using namespace std::string_view_literals;
using dueday::test::at;
using dueday::test::cal;
using dueday::test::describe;

TEST_CASE("jsonl: commands parse with their fixed fields") {
  const command o = parse_command(
      R"({"type":"open","case":"W-001","at":"2026-09-28T10:00:00+08:00","policy":"kunming-water-490","variant":"no-external","operator":"x"})",
      "in", 1);
  CHECK(o.kind == command_kind::open);
  CHECK(o.case_id == "W-001");
  CHECK(o.at == at("2026-09-28T10:00"));
  CHECK(o.variant == "no-external");
  const command w = parse_command(
      R"({"type":"open","case":"W-2","at":"2026-09-28T02:00:00Z","policy":"p","works":{"meter_dn":40,"pipe_m":120.5,"crossings":["rail"]}})",
      "in", 2);
  REQUIRE(w.works);
  CHECK(*w.works == works{40, 120.5, {"rail"}});
  CHECK(w.at == at("2026-09-28T10:00"));
  const command p = parse_command(
      R"({"type":"pause","case":"W-1","step":"survey","at":"2026-10-08T15:00:00+08:00","reason":"customer"})", "in", 3);
  CHECK(p.reason == "customer");
  CHECK(parse_command(R"({"type":"tick","at":"2026-10-08T15:00:00+08:00"})", "in", 4).kind == command_kind::tick);
}

TEST_CASE("jsonl: a bad command line names the input, the line and the problem") {
  auto bad = [](const char* text) {
    try {
      (void)parse_command(text, "cmds.jsonl", 7);
    } catch (const parse_error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  CHECK(bad("{").starts_with("cmds.jsonl:7: malformed JSON ("));
  CHECK(bad("[1]") == "cmds.jsonl:7: a command must be a JSON object");
  CHECK(bad(R"({"type":"close","case":"W","at":"2026-10-08"})") ==
        "cmds.jsonl:7: unknown type 'close' (expected open, start, pause, resume, complete, cancel, tick)");
  CHECK(bad(R"({"type":"start","case":"W","step":"survey"})") == "cmds.jsonl:7: missing field 'at'");
  CHECK(bad(R"({"type":"start","case":"W","at":"2026-10-08T10:00"})") == "cmds.jsonl:7: missing field 'step'");
  CHECK(bad(R"({"type":"start","case":7,"step":"s","at":"2026-10-08T10:00"})") ==
        "cmds.jsonl:7: case must be a string, not number");
  CHECK(bad(R"({"type":"tick","at":"2026-13-08T10:00"})") ==
        "cmds.jsonl:7: bad date-time '2026-13-08T10:00' (expected ISO 8601 such as 2026-09-28T10:00:00+08:00)");
  CHECK(bad(R"({"type":"open","case":"W","at":"2026-10-08","policy":"p","works":{"meter_dn":-4,"pipe_m":1}})") ==
        "cmds.jsonl:7: works.meter_dn must be a positive integer (DN, mm)");
  CHECK(bad(R"({"type":"open","case":"W","at":"2026-10-08","policy":"p","works":{"meter_dn":40}})") ==
        "cmds.jsonl:7: works needs meter_dn and pipe_m");
}

TEST_CASE("jsonl: events carry type, case, at and the clock's due and working time") {
  event e;
  e.kind = event_kind::warning;
  e.at = at("2026-10-09T00:00");
  e.case_id = "W-001";
  e.step = "survey";
  e.unit = "昆明自来水集团有限公司五华分公司";
  e.level = "yellow";
  e.due = at("2026-10-10T00:00");
  e.elapsed = working_time{86400};
  e.remaining = working_time{86400};
  CHECK(
      to_json(e) ==
      R"({"type":"warning","case":"W-001","step":"survey","unit":"昆明自来水集团有限公司五华分公司","level":"yellow",)"
      R"("at":"2026-10-09T00:00:00+08:00",)"
      R"("due":"2026-10-10T00:00:00+08:00","elapsed_s":86400,"remaining_s":86400,"provisional":false})");
  event r;
  r.kind = event_kind::rejected;
  r.at = at("2026-10-09T00:00");
  r.line = 4;
  r.code = "unknown_case";
  r.detail = "unknown case 'X'";
  CHECK(to_json(r) == R"({"type":"rejected","case":"","at":"2026-10-09T00:00:00+08:00","line":4,"code":"unknown_case",)"
                      R"("reason":"unknown case 'X'"})");
}

TEST_CASE("jsonl: replay rejects bad lines by number and keeps everything accepted") {
  std::istringstream in(
      R"({"type":"open","case":"W-1","at":"2026-10-12T09:00:00+08:00","policy":"kunming-water-490","variant":"no-external"}

{"type":"start","case":"W-1","step":"survey","at":"2026-10-12T10:00:00+08:00"}
not json
{"type":"start","case":"W-1","step":"survey","at":"2026-10-12T10:00:00+08:00"}
{"type":"complete","case":"W-1","step":"connect","at":"2026-10-12T11:00:00+08:00"}
{"type":"start","case":"W-1","step":"connect","at":"2026-10-12T10:30:00+08:00"}
{"type":"tick","at":"2026-10-14T00:00:00+08:00"}
)");
  vector_sink out;
  engine e(cal(), builtin_policies(), out);
  const auto stats = replay(in, "cmds.jsonl", e, out);
  CHECK(stats.lines == 7);
  CHECK(stats.accepted == 3);
  CHECK(stats.duplicates == 1);
  CHECK(stats.rejected == 3);
  std::vector<std::string> lines;
  for (const auto& ev : out.events) lines.push_back(to_json(ev));
  REQUIRE(lines.size() == 7);
  CHECK(lines[0].starts_with(R"({"type":"case_opened","case":"W-1",)"));
  CHECK(lines[3].starts_with(
      R"({"type":"rejected","case":"","at":"2026-10-12T10:00:00+08:00","line":4,"code":"malformed","reason":"malformed JSON)"));
  CHECK(
      lines[4] ==
      R"j({"type":"rejected","case":"W-1","at":"2026-10-12T11:00:00+08:00","line":6,"code":"bad_transition","reason":"step 'connect' has not started (not started)"})j");
  CHECK(
      lines[5] ==
      R"({"type":"rejected","case":"W-1","at":"2026-10-12T11:00:00+08:00","line":7,"code":"out_of_order","reason":"at 2026-10-12T10:30:00+08:00 is before the latest instant seen, 2026-10-12T11:00:00+08:00"})");
  CHECK(lines[6].starts_with(R"({"type":"warning","case":"W-1","step":"survey","unit":"供水企业","level":"yellow",)"
                             R"("at":"2026-10-14T00:00:00+08:00")"));  // no unit named: the title of the step's party
}

namespace {

std::string refusal(std::string_view text) {
  try {
    (void)parse_command(text, "cmds.jsonl", 7);
  } catch (const parse_error& e) {
    return e.message();
  }
  return "accepted";
}

constexpr const char* open_line =
    R"({"type":"open","case":"W-1","at":"2026-10-12T09:00:00+08:00","policy":"kunming-water-490",)";

}  // namespace

TEST_CASE("jsonl: a key given twice is refused, in the command and in its works") {
  CHECK(refusal(R"({"type":"open","type":"tick","at":"2026-10-08T10:00"})") == "duplicate key 'type'");
  // Keys compare once unescaped, as JSON means them.
  CHECK(refusal(R"({"type":"tick","\u0074ype":"tick","at":"2026-10-08T10:00"})") == "duplicate key 'type'");
  CHECK(refusal(R"({"type":"tick","at":"2026-10-08T10:00","note":1,"note":2})") == "duplicate key 'note'");
  CHECK(refusal(std::string(open_line) + R"("works":{"meter_dn":40,"pipe_m":1,"pipe_m":2}})") ==
        "duplicate key 'works.pipe_m'");
  // The first key repeated, in the order of the line; before any other fault of the fields.
  CHECK(refusal(R"({"type":7,"at":1,"at":2,"type":8})") == "duplicate key 'at'");
  // Objects inside the fields a host carries are its own business.
  CHECK(refusal(R"({"type":"tick","at":"2026-10-08T10:00","host":{"a":1,"a":2}})") == "accepted");
  // Many keys: still the first repeated one.
  std::string many = R"({"type":"tick","at":"2026-10-08T10:00")";
  for (int i = 0; i < 40; ++i) many += fmt::format(R"(,"k{}":{})", i, i);
  CHECK(refusal(many + "}") == "accepted");
  CHECK(refusal(many + R"(,"k31":0,"k2":0})") == "duplicate key 'k31'");
}

TEST_CASE("jsonl: a number beyond a double, invalid UTF-8 or an unknown field that is not JSON make a malformed line") {
  CHECK(refusal(R"({"type":"tick","at":"2026-10-08T10:00","note":1e999})") ==
        "malformed JSON (number overflow parsing '1e999')");
  CHECK(refusal(R"({"type":"tick","at":"2026-10-08T10:00","note":[{"x":-1e400}]})") ==
        "malformed JSON (number overflow parsing '-1e400')");
  // nlohmann's message quotes what it last read: the bad byte, escaped in the reason.
  const std::string utf8 = refusal("{\"type\":\"tick\",\"at\":\"2026-10-08T10:00\",\"note\":\"\xff\"}");
  CHECK(utf8 ==
        "malformed JSON (parse error at line 1, column 48: syntax error while parsing value - invalid string: "
        "ill-formed UTF-8 byte; last read: '\"\\xff')");
  // ... and 3 MB of an unterminated string: cut.
  const std::string open_string =
      refusal("{\"type\":\"tick\",\"at\":\"2026-10-08T10:00\",\"note\":\"" + std::string(std::size_t{3} << 20, 'x'));
  CHECK(open_string.size() < 400);
  CHECK(open_string.starts_with("malformed JSON (parse error at line 1, column 3145776: syntax error"));
  CHECK(open_string.ends_with(" bytes))"));
  CHECK(refusal("{\"type\":\"tick\",\"at\":\"2026-10-08T10:00\",\"n\xc3\":0}").starts_with("malformed JSON ("));
  for (const char* bad : {R"("note":tru)", R"("note":[1,])", R"("note":{"a"})", R"("note":01)", R"("note":"\x")",
                          R"("note":"\udc00")", R"("note":nul)", R"("note":-)", R"("note":1.)", R"("note":[1 2])"}) {
    INFO(bad);
    CHECK(refusal(fmt::format(R"({{"type":"tick","at":"2026-10-08T10:00",{}}})", bad)).starts_with("malformed JSON ("));
  }
  CHECK(refusal(R"({"type":"tick","at":"2026-10-08T10:00"} {})").starts_with("malformed JSON ("));
  CHECK(refusal(R"({"type":"tick","at":"2026-10-08T10:00"}x)").starts_with("malformed JSON ("));
  // nlohmann took a NUL byte for the end of the text, and left what followed unread.
  CHECK(refusal(std::string(R"({"type":"tick","at":"2026-10-08T10:00"})") + '\0') ==
        "malformed JSON (NUL byte at column 40)");
  CHECK(refusal(std::string(R"({"type":"tick","at":"2026-10-08T10:00"})") + '\0' + "[") ==
        "malformed JSON (NUL byte at column 40)");
}

TEST_CASE("jsonl: fields not listed are skipped whatever valid JSON they hold") {
  const command c = parse_command(
      R"({"host":{"ids":[1,-2.5e3,18446744073709551615,null,true,false,"\u00e9\ud83d\ude00",{"deep":[[[]]]}]},)"
      R"("type":"pause","case":"W-\u0031","step":"survey","at":"2026-10-08T15:00:00+08:00","reason":"a\"b\\c\n"})",
      "in", 1);
  CHECK(c.kind == command_kind::pause);
  CHECK(c.case_id == "W-1");
  CHECK(c.reason == "a\"b\\c\n");
  // JSON simdjson leaves to nlohmann: a byte-order mark, an integer past 64 bits, deep nesting.
  CHECK(parse_command("\xef\xbb\xbf{\"type\":\"tick\",\"at\":\"2026-10-08T10:00\"}", "in", 1).kind ==
        command_kind::tick);
  CHECK(parse_command(R"({"type":"tick","at":"2026-10-08T10:00","n":123456789012345678901234567890})", "in", 1).kind ==
        command_kind::tick);
  const std::string deep = std::string(2000, '[') + std::string(2000, ']');
  CHECK(parse_command(R"({"type":"tick","at":"2026-10-08T10:00","n":)" + deep + "}", "in", 1).kind ==
        command_kind::tick);
  // works: an integer DN from 1 to 10000, metres >= 0, crossings as strings; the first fault by key.
  const command w = parse_command(
      std::string(open_line) + R"("works":{"pipe_m":0,"crossings":["rail","river"],"meter_dn":10000}})", "in", 1);
  REQUIRE(w.works);
  CHECK(*w.works == works{10000, 0, {"rail", "river"}});
  CHECK(refusal(std::string(open_line) + R"("works":{"meter_dn":40.0,"pipe_m":1}})") ==
        "works.meter_dn must be a positive integer (DN, mm)");
  CHECK(refusal(std::string(open_line) + R"("works":{"zz":1,"pipe_m":-1,"meter_dn":0,"crossings":[1]}})") ==
        "works.crossings must be an array of strings");
  CHECK(refusal(std::string(open_line) + R"("works":{"zz":1,"pipe_m":-1,"meter_dn":0}})") ==
        "works.meter_dn must be a positive integer (DN, mm)");
  CHECK(refusal(std::string(open_line) + R"("works":{"pipe_m":1,"a":{}}})") ==
        "unknown field 'works.a' (expected meter_dn, pipe_m, crossings)");
  CHECK(refusal(std::string(open_line) + R"("works":[]})") == "works must be an object {meter_dn, pipe_m, crossings}");
  // Works on a command other than open is not looked at.
  CHECK(refusal(R"({"type":"tick","at":"2026-10-08T10:00","works":7})") == "accepted");
}

namespace {

// What the simdjson reader and the nlohmann reader say of a line they refuse: the same.
std::string says(const std::string& line) {
  detail::command_reader reader;
  command c;
  std::string fast, dom;
  CHECK_FALSE(reader.read(line, false, c, fast));
  CHECK_FALSE(detail::read_command_dom(line, c, dom));
  CHECK(fast == dom);
  return fast;
}

}  // namespace

TEST_CASE("jsonl: an unknown type or works key is named escaped and cut, in one line") {
  // A newline and a terminal escape, as JSON escapes in the line.
  CHECK(says(R"({"type":"a\nb\u001b[2J","at":"2026-10-08T10:00"})") ==
        "unknown type 'a\\nb\\u001b[2J' (expected open, start, pause, resume, complete, cancel, tick)");
  CHECK(refusal(R"({"type":"a\nb\u001b[2J","at":"2026-10-08T10:00"})") ==
        "unknown type 'a\\nb\\u001b[2J' (expected open, start, pause, resume, complete, cancel, tick)");
  CHECK(says(std::string(open_line) + R"("works":{"meter_dn":40,"pipe_m":1,"a\nb\u001b[2J":0}})") ==
        "unknown field 'works.a\\nb\\u001b[2J' (expected meter_dn, pipe_m, crossings)");
  // 3 MB: the first 80 characters, an ellipsis and the whole length (checked by its head, so that
  // a failure prints no megabytes).
  const std::string big(std::size_t{3} << 20, 'x');
  const std::string type = says(R"({"type":")" + big + R"(","at":"2026-10-08T10:00"})");
  CHECK(type.size() < 200);
  CHECK(type.substr(0, 200) ==
        "unknown type '" + std::string(80, 'x') +
            "\u2026' (3145728 bytes) (expected open, start, pause, resume, complete, cancel, tick)");
  const std::string key = says(std::string(open_line) + R"("works":{"meter_dn":40,"pipe_m":1,")" + big + R"(":0}})");
  CHECK(key.size() < 200);
  CHECK(key.substr(0, 200) == "unknown field 'works." + std::string(74, 'x') +
                                  "\u2026' (3145734 bytes) (expected meter_dn, pipe_m, crossings)");
}

TEST_CASE("jsonl: what follows a string value is checked, though the reader takes the string from the line") {
  // The jsonl fuzz target's finding: a string left unconsumed let On Demand pass over the ':' after it.
  CHECK(says(R"({"type":"com":[]},"at":"2026-10-08T10:00"})")
            .starts_with("malformed JSON (parse error at line 1, column 14"));
  CHECK(says(R"({"type":"tick" "at":"2026-10-08T10:00"})").starts_with("malformed JSON"));
  CHECK(says(R"({"type":"tick","at":"2026-10-08T10:00" 1})").starts_with("malformed JSON"));
  CHECK(says(R"({"type":"tick","at":"2026-10-08T10:00","case":"W"]})").starts_with("malformed JSON"));
  // An escape in a value or a key: unescaped by simdjson, as before.
  CHECK(refusal(R"({"type":"tic\u006b","at":"2026-10-08T10:00"})") == "accepted");
  CHECK(refusal(R"({"typ\u0065":"tick","\u0061t":"2026-10-08T10:00"})") == "accepted");
}

TEST_CASE("jsonl: a repeated key is named escaped and cut, in one line") {
  CHECK(says(R"({"type":"tick","at":"2026-10-08T10:00","a\nb\u001b[2J":1,"a\nb\u001b[2J":2})") ==
        "duplicate key 'a\\nb\\u001b[2J'");
  const std::string big(std::size_t{3} << 20, 'x');
  const std::string key = says(R"({"type":"tick","at":"2026-10-08T10:00",")" + big + R"(":1,")" + big + R"(":2})");
  CHECK(key.size() < 200);
  CHECK(key.substr(0, 200) == "duplicate key '" + std::string(80, 'x') + "\u2026' (3145728 bytes)");
}

TEST_CASE("jsonl: replay turns a line the old reader threw on into one rejected line and goes on") {
  std::istringstream in(
      R"({"type":"open","case":"W-1","at":"2026-10-12T09:00:00+08:00","policy":"kunming-water-490","variant":"no-external","note":1e999}
{"type":"open","case":"W-1","type":"tick","at":"2026-10-12T09:00:00+08:00"}
{"type":"open","case":"W-1","at":"2026-10-12T09:00:00+08:00","policy":"kunming-water-490","variant":"no-external"})");
  vector_sink out;
  engine e(cal(), builtin_policies(), out);
  const auto stats = replay(in, "cmds.jsonl", e, out);
  CHECK(stats.lines == 3);
  CHECK(stats.accepted == 1);
  CHECK(stats.rejected == 2);
  REQUIRE(out.events.size() == 3);
  CHECK(to_json(out.events[0]) ==
        R"({"type":"rejected","case":"","at":"2007-01-01T00:00:00+08:00","line":1,"code":"malformed",)"
        R"j("reason":"malformed JSON (number overflow parsing '1e999')"})j");
  CHECK(out.events[1].detail == "duplicate key 'type'");
  CHECK(out.events[1].line == 2);
  CHECK(out.events[2].kind == event_kind::case_opened);
}

TEST_CASE("jsonl: lines are split as std::getline splits them, whatever the block size") {
  const std::string inputs[] = {"",         "\n",       "a",
                                "a\n",      "a\nb",     "\n\nx\n",
                                "ab\r\ncd", "a\0b\nc"s, std::string(100, 'y') + "\nz\n" + std::string(30, 'w')};
  for (const std::string& text : inputs) {
    for (const std::size_t block : {1U, 2U, 3U, 7U, 64U, 1U << 20}) {
      INFO(text, " / block ", block);
      std::istringstream a(text), b(text);
      detail::line_reader reader(a, block);
      std::vector<std::string> got, expected;
      while (auto l = reader.next()) got.emplace_back(*l);
      for (std::string l; std::getline(b, l);) expected.push_back(l);
      CHECK(got == expected);
    }
  }
}

namespace {

// Random lines near valid commands: seeds edited byte by byte.
std::string mutate(std::string s, std::mt19937& rng) {
  static constexpr std::string_view alphabet = "{}[]\":,\\ 0123456789eE+-.tfnulrsaxu\x01\x7f\xc3\xa9\xff\xed\xa0\0"sv;
  const int edits = 1 + static_cast<int>(rng() % 3);
  for (int i = 0; i < edits; ++i) {
    const std::size_t at = s.empty() ? 0 : rng() % (s.size() + 1);
    const char ch = alphabet[rng() % alphabet.size()];
    switch (rng() % 3) {
      case 0:
        s.insert(s.begin() + static_cast<std::ptrdiff_t>(at), ch);
        break;
      case 1:
        if (at < s.size()) s.erase(at, 1);
        break;
      default:
        if (at < s.size()) s[at] = ch;
        break;
    }
  }
  return s;
}

// Lines of every shape a command line takes, valid or not, to start from.
const std::vector<std::string>& command_seeds() {
  static const std::vector<std::string> seeds = {
      R"({"type":"open","case":"KM-2026-10-0000001","at":"2026-10-12T09:00:00+08:00","policy":"kunming-water-490","variant":"no-external"})",
      R"({"type":"open","case":"W-2","at":"2026-09-28T02:00:00Z","policy":"p","works":{"meter_dn":40,"pipe_m":120.5,"crossings":["rail"]}})",
      R"({"type":"pause","case":"W-1","step":"survey","at":"2026-10-08T15:00:00+08:00","reason":"cust\u00e9\ud83d\ude00\"\\\/\b\f\n\r\t"})",
      R"({"type":"cancel","case":"W","at":"2026-10-08 10:00","reason":"x","host":{"a":[1,2.5,-3e2,true,false,null,{}],"b":""}})",
      R"({ "type" : "tick" , "at" : "2026-10-08" , "n" : [ ] })",
      R"({"\u0074ype":"start","case":"W","step":"s","at":"2026-10-08T10:00:00-01:30"})",
      R"({"type":"complete","case":7,"step":null,"at":"2026-10-08T10:00"})",
      R"({"type":"open","case":"W","at":"2026-10-08T10:00","policy":"p","works":{"meter_dn":0,"pipe_m":-1,"crossings":"x","q":1}})",
      R"([{"type":"tick","at":"2026-10-08T10:00"}])",
      R"("tick")",
      R"({"type":"open","case":"W","at":"2026-10-08T10:00","policy":"p","variant":"v","district":"五华区","units":{"survey":"昆明自来水集团有限公司五华分公司","overall":"供水","a":""}})",
      R"({"type":"open","case":"W","at":"2026-10-08T10:00","policy":"p","variant":"v","units":{"z":1,"b":"x","a":[2]}})",
      R"({"type":"start","case":"W","step":"survey","at":"2026-10-08T10:00","unit":"西山区城市管理局","units":7,"district":""})",
  };
  return seeds;
}

}  // namespace

TEST_CASE("jsonl: the simdjson reader reads every line as the nlohmann reader does") {
  const std::vector<std::string>& seeds = command_seeds();
  std::mt19937 rng(20261012);
  detail::command_reader reader;
  std::size_t agreed = 0;
  const auto check = [&](const std::string& line) {
    command fast, dom;
    std::string why_fast, why_dom;
    const bool ok_fast = reader.read(line, false, fast, why_fast);
    const bool ok_dom = detail::read_command_dom(line, dom, why_dom);
    INFO(line);
    CHECK(describe(ok_fast, fast, why_fast) == describe(ok_dom, dom, why_dom));
    ++agreed;
  };
  for (const auto& seed : seeds) check(seed);
  CHECK(reader.fallbacks() == 2);  // the array and the string: not objects
  for (int i = 0; i < 20000; ++i) check(mutate(seeds[rng() % seeds.size()], rng));
  CHECK(agreed == 20000 + seeds.size());
}

namespace {

// What command_lines gives for `stream`, a line each: its number and its answer.
std::vector<std::string> read_by_blocks(const std::string& stream, std::size_t block, std::size_t* streamed = nullptr) {
  std::istringstream in(stream);
  detail::command_lines lines(in, block);
  std::vector<std::string> got;
  command c;
  std::string why, id;
  for (;;) {
    const auto status = lines.next(c, why, &id);
    if (status == detail::command_lines::status::end) break;
    got.push_back(fmt::format("{}: {} [{}]", lines.line(),
                              describe(status == detail::command_lines::status::command, c, why), id));
  }
  if (streamed) *streamed = lines.streamed();
  return got;
}

// The same, each line read alone by command_reader (lines as std::getline splits them, blank ones
// passed as replay passes them).
std::vector<std::string> read_one_by_one(const std::string& stream) {
  std::istringstream in(stream);
  detail::command_reader reader;
  std::vector<std::string> got;
  std::int64_t number = 0;
  command c;
  std::string why, id;
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const bool ok = reader.read(line, false, c, why, &id);
    got.push_back(fmt::format("{}: {} [{}]", number, describe(ok, c, why), id));
  }
  return got;
}

}  // namespace

TEST_CASE("jsonl: a stream read by blocks gives every line the answer it gets alone") {
  const std::string tick = R"({"type":"tick","at":"2026-10-08T10:00"})";
  // Lines a block's documents must not be taken for: blank, spaced, two values on a line, one
  // value over two lines, not objects, a byte-order mark, invalid UTF-8 (which fails the whole
  // block's stage 1), unbalanced braces, ids.
  const std::vector<std::string> odd = {"",
                                        "   ",
                                        "\t\r",
                                        tick + " ",
                                        "  " + tick,
                                        tick + "\r",
                                        tick + tick,
                                        tick + " 7",
                                        tick + R"("x":1})",
                                        tick + "7}",
                                        R"({"type":"tick",)",
                                        R"("at":"2026-10-08T10:00"})",
                                        "[1,2]",
                                        "7",
                                        "\"x\"",
                                        "}",
                                        "{",
                                        "{}}",
                                        "\xef\xbb\xbf" + tick,
                                        R"({"type":"tick","at":"2026-10-08T10:00","x":"\xff"})",
                                        R"({"type":"tick","at":"2026-10-08T10:00","x":")",
                                        R"({"type":"tick","at":"2026-10-08T10:00","id":"c-1"})",
                                        R"({"type":"tick","at":"2026-10-08T10:00","id":"c-1","id":"c-2"})"};
  const std::vector<std::string>& seeds = command_seeds();
  std::mt19937 rng(20261201);
  for (int round = 0; round < 300; ++round) {
    std::string stream;
    const int n = 1 + static_cast<int>(rng() % 40);
    for (int i = 0; i < n; ++i) {
      switch (rng() % 4) {
        case 0:
          stream += odd[rng() % odd.size()];
          break;
        case 1:
          stream += mutate(seeds[rng() % seeds.size()], rng);
          break;
        default:
          stream += seeds[rng() % seeds.size()];
          break;
      }
      if (i + 1 < n || rng() % 2 == 0) stream += '\n';
    }
    const std::vector<std::string> expected = read_one_by_one(stream);
    for (const std::size_t block : {std::size_t{16}, std::size_t{200}, std::size_t{4096}, std::size_t{1} << 20}) {
      INFO(stream, " / block ", block);
      CHECK(read_by_blocks(stream, block) == expected);
    }
  }
}

TEST_CASE("jsonl: lines come from their block's documents; from a bad one on, its block goes line by line") {
  std::string good;
  for (int i = 0; i < 100; ++i)
    good += fmt::format(R"({{"type":"start","case":"KM-{}","step":"survey","at":"2026-10-12T09:00:00+08:00"}})", i) +
            (i % 10 == 3 ? "\n\n" : "\n");
  std::size_t streamed = 0;
  CHECK(read_by_blocks(good, std::size_t{1} << 20, &streamed) == read_one_by_one(good));
  CHECK(streamed == 100);
  // The fuzz target's finding: after an object, the start of an unbalanced value at the end of a
  // block, which stage 1 cuts off.
  const std::string tail = good + R"({"type":"tick","at":"2026-10-12T10:00:00+08:00"}"x":1})" + "\n";
  CHECK(read_by_blocks(tail, std::size_t{1} << 20) == read_one_by_one(tail));
  CHECK(read_by_blocks(tail, std::size_t{1} << 20).back() ==
        "111: refused: malformed JSON (parse error at line 1, column 51: syntax error while parsing value - unexpected "
        "string literal; expected end of input) []");
  // Blank lines and spaces before the block's first document too.
  CHECK(read_by_blocks("\n \t\n  " + good, std::size_t{1} << 20, &streamed) == read_one_by_one("\n \t\n  " + good));
  CHECK(streamed == 100);
  // A line that is not JSON at line 21: the lines before it came from the block's documents, it
  // and the rest of the block went one by one.
  const std::size_t cut = good.rfind('\n', good.find("KM-20\"")) + 1;
  const std::string bad = good.substr(0, cut) + "not json\n" + good.substr(cut);
  CHECK(read_by_blocks(bad, std::size_t{1} << 20, &streamed) == read_one_by_one(bad));
  CHECK(streamed == 20);
  // In blocks of about 8 lines, the later blocks are read from their documents again.
  CHECK(read_by_blocks(bad, 1024, &streamed) == read_one_by_one(bad));
  CHECK(streamed > 80);
}

TEST_CASE("jsonl: the usual timestamps read as parse_instant reads them") {
  const auto both = [](const std::string& at) {
    INFO(at);
    std::string expected;
    try {
      expected = format_instant(parse_instant(at), utc_offset{0});
    } catch (const error& e) {
      expected = e.what();
    }
    std::string got;
    try {
      got = format_instant(parse_command(fmt::format(R"({{"type":"tick","at":"{}"}})", at), "in", 1).at, utc_offset{0});
    } catch (const parse_error& e) {
      got = e.message();
    }
    CHECK(got == expected);
  };
  for (int v = 0; v < 100; ++v) {
    both(fmt::format("2026-10-08T{:02}:30:15+08:00", v));
    both(fmt::format("2026-10-08T10:{:02}:15+08:00", v));
    both(fmt::format("2026-10-08T10:30:{:02}+08:00", v));
    both(fmt::format("2026-10-08T10:30:15+{:02}:00", v));
    both(fmt::format("2026-10-08T10:30:15-{:02}:00", v));
    both(fmt::format("2026-10-08T10:30:15+05:{:02}", v));
    both(fmt::format("2026-10-08T10:30:15-05:{:02}", v));
    both(fmt::format("2026-10-{:02}T23:59:59Z", v));
  }
  for (const char* at : {"0000-01-01T00:00:00+08:00", "9999-12-31T23:59:59-23:59", "2024-02-29T00:00:00Z",
                         "2025-02-29T00:00:00Z", "2026-10-08T10:30:15z", "2026-10-08 10:30:15+08:00",
                         "2026-10-08T10:30:15+0800", "2026-10-08T1:30:15+08:00", "+026-10-08T10:30:15+08:00"})
    both(at);
}

namespace {

// to_json as it was written before: nlohmann's ordered_json. The reference for the writer.
std::string reference_json(const event& e, utc_offset offset) {
  nlohmann::ordered_json j;
  const auto iso = [&](instant t) { return format_instant(t, offset); };
  j["type"] = to_string(e.kind);
  j["case"] = e.case_id;
  if (!e.step.empty()) j["step"] = e.step;
  if (!e.step.empty()) j["unit"] = e.unit;  // a clock's unit follows its step, "" included
  if (!e.level.empty()) j["level"] = e.level;
  j["at"] = iso(e.at);
  if (e.due) j["due"] = iso(*e.due);
  if (e.previous_due) j["previous_due"] = iso(*e.previous_due);
  if (e.on_time) j["on_time"] = *e.on_time;
  if (e.elapsed) j["elapsed_s"] = e.elapsed->count();
  if (e.remaining) j["remaining_s"] = e.remaining->count();
  if (e.due) j["provisional"] = e.provisional;
  if (!e.detail.empty()) j[e.kind == event_kind::case_opened ? "variant" : "detail"] = e.detail;
  if (e.kind == event_kind::rejected) {
    j["line"] = e.line;
    j["code"] = e.code;
    j["reason"] = e.detail;
    j.erase("detail");
  }
  if (!e.policy.empty()) j["policy"] = e.policy;
  if (!e.district.empty()) j["district"] = e.district;
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string random_text(std::mt19937& rng) {
  static const std::vector<std::string> pieces = {"a",
                                                  "Z",
                                                  " ",
                                                  "\"",
                                                  "\\",
                                                  "/",
                                                  "\x01",
                                                  "\x1f",
                                                  "\x7f",
                                                  "\b",
                                                  "\f",
                                                  "\n",
                                                  "\r",
                                                  "\t",
                                                  std::string(1, '\0'),
                                                  "é",
                                                  "中",
                                                  "😀",
                                                  "\xff",
                                                  "\x80",
                                                  "\xc3",
                                                  "\xe4\xb8",
                                                  "\xed\xa0\x80",
                                                  "\xc0\xaf",
                                                  "\xf4\x90\x80\x80",
                                                  "\xf0\x9f\x98",
                                                  "KM-2026-10-0000001"};
  std::string s;
  const int n = static_cast<int>(rng() % 8);
  for (int i = 0; i < n; ++i) s += pieces[rng() % pieces.size()];
  return s;
}

}  // namespace

TEST_CASE("jsonl: events are written byte for byte as nlohmann wrote them, any text and instant") {
  std::mt19937 rng(490);
  const instant base = at("2026-10-09T00:00");
  const utc_offset offsets[] = {beijing_offset,        utc_offset{0},        utc_offset{-5 * 3600 - 1800},
                                utc_offset{24 * 3600}, utc_offset{3600 + 7}, utc_offset{25 * 3600}};
  const instant instants[] = {base,
                              base + std::chrono::seconds{12345},
                              instant{},
                              instant{std::chrono::seconds{-1}},
                              parse_instant("0000-01-01T00:00:00Z"),
                              parse_instant("9999-12-31T23:59:59Z"),
                              parse_instant("0000-01-01T07:59:59Z"),
                              instant{std::chrono::seconds{-70000000000}},
                              instant{std::chrono::seconds{400000000000}}};
  const auto some_instant = [&] { return instants[rng() % std::size(instants)]; };
  for (int i = 0; i < 5000; ++i) {
    event e;
    e.kind = static_cast<event_kind>(rng() % (static_cast<unsigned>(event_kind::rejected) + 1));
    e.at = some_instant();
    e.case_id = random_text(rng);
    if (rng() % 2) e.step = random_text(rng);
    if (rng() % 2) e.level = random_text(rng);
    if (rng() % 2) e.due = some_instant();
    if (rng() % 3 == 0) e.previous_due = some_instant();
    if (rng() % 2) e.elapsed = working_time{static_cast<std::int64_t>(rng()) - (1LL << 31)};
    if (rng() % 2) e.remaining = working_time{-static_cast<std::int64_t>(rng()) * 1000};
    if (rng() % 3 == 0) e.on_time = rng() % 2 == 0;
    e.provisional = rng() % 2 == 0;
    if (rng() % 2) e.detail = random_text(rng);
    e.line = static_cast<std::int64_t>(rng());
    e.code = random_text(rng);
    if (rng() % 2) e.unit = random_text(rng);
    if (rng() % 3 == 0) e.policy = random_text(rng);
    if (rng() % 3 == 0) e.district = random_text(rng);
    const utc_offset offset = offsets[rng() % std::size(offsets)];
    INFO(reference_json(e, offset));
    CHECK(to_json(e, offset) == reference_json(e, offset));
  }
}

TEST_CASE("jsonl: integers at every count of digits, both sides of each power of ten, as nlohmann wrote them") {
  std::vector<std::int64_t> values = {0, -1, std::numeric_limits<std::int64_t>::min(),
                                      std::numeric_limits<std::int64_t>::max()};
  for (std::int64_t p = 10; p <= 1'000'000'000'000; p *= 10) {
    for (const std::int64_t v : {p - 1, p, p + 1, -p}) values.push_back(v);
  }
  for (const std::int64_t v : values) {
    event e;
    e.kind = event_kind::rejected;
    e.case_id = "W-1";
    e.elapsed = working_time{v};
    e.remaining = working_time{v / 7};
    e.line = v;
    INFO(v);
    CHECK(to_json(e) == reference_json(e, beijing_offset));
  }
  // By hand: 99999999 (8 digits, the longest the writer writes itself) and 100000000 (fmt's).
  event e;
  e.kind = event_kind::case_cancelled;
  e.at = at("2026-10-09T00:00");
  e.case_id = "W-1";
  e.elapsed = working_time{99'999'999};
  e.remaining = working_time{100'000'000};
  CHECK(to_json(e) == R"({"type":"case_cancelled","case":"W-1","at":"2026-10-09T00:00:00+08:00",)"
                      R"("elapsed_s":99999999,"remaining_s":100000000})");
}

TEST_CASE("jsonl: one character that needs care is found at any place in a text of any length") {
  for (std::size_t n = 1; n <= 40; ++n) {
    for (std::size_t at = 0; at < n; ++at) {
      for (const char* special : {"\"", "\\", "\n", "\x1f", "\xc3\xa9", "\xff"}) {
        event e;
        e.case_id = std::string(at, 'a') + special + std::string(n - at - 1, 'b');
        INFO(e.case_id);
        CHECK(to_json(e) == reference_json(e, beijing_offset));
      }
    }
  }
}

TEST_CASE("jsonl: the sink writes whole lines in blocks, on flush and when it goes") {
  event e;
  e.kind = event_kind::case_cancelled;
  e.at = at("2026-10-09T00:00");
  e.case_id = "W-1";
  e.detail = "customer";
  const std::string line = to_json(e) + "\n";
  std::ostringstream out;
  {
    jsonl_sink sink(out);
    sink.on_event(e);
    CHECK(out.str().empty());  // buffered
    sink.flush();
    CHECK(out.str() == line);
    const std::vector<event> batch(3, e);
    sink.on_events(batch);
    CHECK(out.str() == line);
  }
  CHECK(out.str() == line + line + line + line);  // the destructor wrote the rest
  // Past 64 KiB the buffer goes out as each batch comes.
  std::ostringstream big;
  jsonl_sink sink(big);
  const std::size_t n = 65536 / line.size() + 2;
  for (std::size_t i = 0; i < n; ++i) sink.on_event(e);
  CHECK(!big.str().empty());
  CHECK(big.str().size() % line.size() == 0);
  sink.flush();
  CHECK(big.str().size() == n * line.size());
}
