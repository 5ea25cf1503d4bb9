#include <dueday/snapshot.hpp>  // first: proves the header stands alone

#include <doctest/doctest.h>
#include <dueday/error.hpp>
#include <dueday/io.hpp>
#include <dueday/jsonl.hpp>
#include <dueday/timer.hpp>

#include <fstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support.hpp"

using namespace dueday;
using dueday::test::at;
using dueday::test::cal;

namespace {

clock_rule civil(int n) {
  return clock_rule::of(span_spec{n, span_spec::unit::working_days}, counting_rule::civil, cal().hours());
}

// A case with no clocks or transitions yet; `closed` only for one that is not open.
case_record case_of(std::string id, std::string policy, std::string variant, case_status status, instant opened,
                    instant closed = {}) {
  case_record r;
  r.id = std::move(id);
  r.policy = std::move(policy);
  r.variant = std::move(variant);
  r.status = status;
  r.opened = opened;
  r.closed = closed;
  return r;
}

// A state with every status: open with paused, idle (waiting) and running clocks; out of scope
// (closed when it opened); completed with an overrun; cancelled, with a UTF-8 id.
engine_state sample_state() {
  engine_state s;
  s.now = at("2026-10-08T16:00");
  s.retired_before = at("2026-01-01T00:00");
  s.calendar = "5b1c0e3f9a7d2468";
  s.policies = {"kunming-water-490@2020.1", "electricity-lv@2024.2"};

  case_record w1 = case_of("W-001", "kunming-water-490", "standard", case_status::open, at("2026-09-30T10:00"));
  step_timer survey;  // 2 WD confirmed Wednesday 09-30 10:00, paused 10-08 15:00 (15 h of 48 used)
  REQUIRE(survey.start(cal(), civil(2), at("2026-09-30T10:00")) == timer_result::done);
  REQUIRE(survey.pause(cal(), civil(2), at("2026-10-08T15:00")) == timer_result::done);
  clock_record c0{survey.save(), std::nullopt, false, false, 1};
  clock_record c1{};  // design: its start came, the survey has not completed
  c1.commanded = at("2026-10-08T11:00");
  c1.waiting = true;
  step_timer overall;
  REQUIRE(overall.start(cal(), civil(10), at("2026-09-30T10:00")) == timer_result::done);
  clock_record c2{overall.save(), std::nullopt, false, false, 0};
  c0.unit = 2;  // named by its start
  w1.clocks = {c0, c1, c2};
  w1.transitions = {{0, true, at("2026-10-08T15:00")}};
  w1.district = 1;
  s.names = {"五华区", "昆明自来水集团有限公司五华分公司"};

  case_record w2 = case_of("W-002", "kunming-water-490", "", case_status::out_of_scope, at("2026-09-30T11:00"),
                           at("2026-09-30T11:00"));

  case_record e3 = case_of("E-003", "electricity-lv", "urban", case_status::completed, at("2026-09-01T09:30"),
                           at("2026-09-07T18:00"));
  step_timer::raw done{step_timer::status::stopped,
                       at("2026-09-02T00:00"),
                       at("2026-09-04T09:00"),
                       at("2026-09-07T18:00"),
                       at("2026-09-05T00:00"),
                       working_time{3 * 86400 + 18 * 3600},
                       true,
                       true};
  e3.clocks = {{done, at("2026-09-01T09:30"), false, true, 3}, {done, std::nullopt, false, false, 255}};
  e3.transitions = {
      {0, true, at("2026-09-03T09:00")}, {0, false, at("2026-09-04T09:00")}, {1, true, at("2026-09-04T10:00")}};

  case_record w4 = case_of("水-004", "kunming-water-490", "standard", case_status::cancelled, at("2026-10-02T08:00"),
                           at("2026-10-06T09:30"));
  step_timer::raw cancelled = done;
  cancelled.overran = false;
  cancelled.provisional = false;
  w4.clocks = {{cancelled, std::nullopt, false, false, 0}};

  s.cases = {w1, w2, e3, w4};
  return s;
}

// `text` with the n-th occurrence (from 0) of `from` replaced by `to`.
std::string mutate(std::string text, std::string_view from, std::string_view to, int nth = 0) {
  std::size_t p = text.find(from);
  for (int k = 0; k < nth && p != std::string::npos; ++k) p = text.find(from, p + 1);
  REQUIRE_MESSAGE(p != std::string::npos, "no '" << from << "' to replace");
  return text.replace(p, from.size(), to);
}

// What parse_snapshot_json makes of `text`: its refusal, or "accepted " and the state it read,
// written back (so that two readers that both accept are also checked to read the same state).
std::string refusal(const std::string& text) {
  try {
    return "accepted " + to_snapshot_json(parse_snapshot_json(text));
  } catch (const error& e) {
    return e.what();
  }
}

// The same through snapshot_reader, fed `piece` bytes at a time.
std::string streamed_refusal(const std::string& text, std::size_t piece) {
  try {
    snapshot_reader r;
    for (std::size_t k = 0; k < text.size(); k += piece) r.feed(std::string_view(text).substr(k, piece));
    return "accepted " + to_snapshot_json(r.finish());
  } catch (const error& e) {
    return e.what();
  }
}

// What snapshot_restorer, fed `piece` bytes at a time, makes of `text` on the built-in calendar
// and policies: its refusal, or "accepted " and the restored engine's snapshot.
std::string restorer_refusal(const std::string& text, std::size_t piece) {
  vector_sink sink;
  try {
    snapshot_restorer r(cal(), builtin_policies(), sink);
    for (std::size_t k = 0; k < text.size(); k += piece) r.feed(std::string_view(text).substr(k, piece));
    return "accepted " + snapshot(r.finish());
  } catch (const error& e) {
    return e.what();
  }
}

// The same through restore() of the whole text (parse_snapshot_json, then engine::from_state).
std::string restore_refusal(const std::string& text) {
  vector_sink sink;
  try {
    return "accepted " + snapshot(restore(text, cal(), builtin_policies(), sink));
  } catch (const error& e) {
    return e.what();
  }
}

// The snapshots of an engine after the first 1/4, 1/2 and all of the October example's commands.
std::vector<std::string> october_snapshots() {
  std::ifstream in(DUEDAY_EXAMPLES_DIR "/october-2026/commands.jsonl");
  std::vector<command> commands;
  std::int64_t n = 0;
  for (std::string line; std::getline(in, line);) commands.push_back(parse_command(line, "october", ++n));
  REQUIRE(commands.size() > 100);
  vector_sink sink;
  engine e(cal(), builtin_policies(), sink);
  std::vector<std::string> out;
  for (std::size_t k = 0; k < commands.size(); ++k) {
    (void)e.apply(commands[k]);
    if (k + 1 == commands.size() / 4 || k + 1 == commands.size() / 2 || k + 1 == commands.size())
      out.push_back(snapshot(e));
  }
  return out;
}

}  // namespace

TEST_CASE("snapshot: the restorer, fed in pieces, builds the engine restore builds") {
  for (const std::string& text : october_snapshots()) {
    CAPTURE(text.size());
    vector_sink sink;
    const engine whole = restore(text, cal(), builtin_policies(), sink);
    REQUIRE(snapshot(whole) == text);
    for (const std::size_t piece : {std::size_t{1}, std::size_t{7}, std::size_t{1000}, text.size()}) {
      CAPTURE(piece);
      vector_sink out;
      snapshot_restorer r(cal(), builtin_policies(), out);
      for (std::size_t k = 0; k < text.size(); k += piece) r.feed(std::string_view(text).substr(k, piece));
      const engine e = r.finish();
      CHECK(snapshot(e) == text);
      CHECK(e.next_due() == whole.next_due());
      CHECK(e.open_cases() == whole.open_cases());
    }
    // Cases in another form than the writer's (a space after each comma) go the tree reader's way.
    std::string spaced;
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
      spaced += text[i];
      if (text[i] == '"' && (i == 0 || text[i - 1] != '\\')) in_string = !in_string;
      if (!in_string && text[i] == ',') spaced += ' ';
    }
    CHECK(restorer_refusal(spaced, 5) == "accepted " + text);
  }
}

TEST_CASE("snapshot: the restorer refuses as restore does, a fault in the text before any fault in the state") {
  const std::string text = october_snapshots().back();
  // Faults in the state, each refused at its case with restore's words.
  const std::string first_id = R"("id":"KM-2026-0005")";
  REQUIRE(text.find(first_id) != std::string::npos);
  const std::string second_id = text.substr(text.find(R"("id":")", text.find(first_id) + 1), first_id.size());
  for (const std::string& changed : {mutate(text, second_id, first_id),  // the id twice
                                     mutate(text, R"("variant":"external")", R"("variant":"internal")"),
                                     mutate(text, R"("policies":["kunming-water-490@)", R"("policies":["x@)"),
                                     mutate(text, R"("fired":0,)", R"("fired":128,)", 3)}) {
    const std::string message = restore_refusal(changed);
    CAPTURE(message);
    REQUIRE(message.starts_with("not a valid snapshot: "));
    CHECK(restorer_refusal(changed, 1) == message);
    CHECK(restorer_refusal(changed, 4096) == message);
    CHECK(restorer_refusal(changed, changed.size()) == message);
    // Cut short, or with a bad value in the last case: the text's fault is named, as restore names it.
    const std::string cut = changed.substr(0, changed.size() - 1);
    REQUIRE(restore_refusal(cut).starts_with("not a valid snapshot: line 1, column "));
    CHECK(restorer_refusal(cut, 4096) == restore_refusal(cut));
    const std::size_t last = changed.rfind(R"("district":)");
    const std::string bad_last =
        changed.substr(0, last) + R"("district":1.5)" + changed.substr(changed.find_first_of(",}", last + 11));
    REQUIRE(restore_refusal(bad_last).ends_with(".district: 1.5 is not an integer"));
    CHECK(restorer_refusal(bad_last, 4096) == restore_refusal(bad_last));
  }
  // sample_state() names another calendar: refused at its header, unless its text is at fault.
  const std::string other = to_snapshot_json(sample_state());
  REQUIRE(restore_refusal(other).starts_with("not a valid snapshot: calendar: "));
  CHECK(restorer_refusal(other, 3) == restore_refusal(other));
  const std::string other_cut = other.substr(0, other.size() - 2);
  CHECK(restorer_refusal(other_cut, 3) == refusal(other_cut));
}

TEST_CASE("snapshot: an open and a cancelled case, byte for byte") {
  engine_state s;
  s.now = at("2026-10-08T16:00");
  s.calendar = "5b1c0e3f9a7d2468";
  s.policies = {"kunming-water-490@2020.1"};
  case_record r = case_of("W-001", "kunming-water-490", "standard", case_status::open, at("2026-09-30T10:00"));
  step_timer t;
  REQUIRE(t.start(cal(), civil(2), at("2026-09-30T10:00")) == timer_result::done);
  REQUIRE(t.pause(cal(), civil(2), at("2026-10-08T15:00")) == timer_result::done);
  r.clocks = {{t.save(), std::nullopt, false, false, 1, 1}};
  r.transitions = {{0, true, at("2026-10-08T15:00")}};
  r.district = 2;
  s.names = {"昆明自来水集团有限公司", "五华区"};
  // Cancelled before its clock ran: only `closed` tells when.
  case_record c = case_of("W-002", "kunming-water-490", "standard", case_status::cancelled, at("2026-09-30T11:00"),
                          at("2026-09-30T11:30"));
  c.clocks = {clock_record{}};
  s.cases = {r, c};
  const std::string text = to_snapshot_json(s);
  // Version 3 wrote every clock in full; version 4 writes W-002's, which has nothing set, short.
  const std::string v3 =
      R"({"format":"dueday-engine-snapshot","version":3,"now":"2026-10-08T16:00:00+08:00","retired_before":null,)"
      R"("calendar":"5b1c0e3f9a7d2468","policies":["kunming-water-490@2020.1"],)"
      R"("names":["昆明自来水集团有限公司","五华区"],"cases":[{"id":"W-001",)"
      R"("policy":"kunming-water-490","variant":"standard","status":"open","opened":"2026-09-30T10:00:00+08:00",)"
      R"("closed":null,"clocks":[{"state":"paused","first_count":"2026-10-01T00:00:00+08:00",)"
      R"("run_from":"2026-10-01T00:00:00+08:00","mark":"2026-10-08T15:00:00+08:00",)"
      R"("due":"2026-10-10T00:00:00+08:00","elapsed":54000,"provisional":false,"overran":false,)"
      R"("commanded":null,"waiting":false,"completed":false,"fired":1,"unit":1}],)"
      R"("transitions":[{"step":0,"pause":true,"at":"2026-10-08T15:00:00+08:00"}],"district":2},)"
      R"({"id":"W-002","policy":"kunming-water-490","variant":"standard","status":"cancelled",)"
      R"("opened":"2026-09-30T11:00:00+08:00","closed":"2026-09-30T11:30:00+08:00",)"
      R"("clocks":[{"state":"idle","first_count":"1970-01-01T08:00:00+08:00",)"
      R"("run_from":"1970-01-01T08:00:00+08:00","mark":"1970-01-01T08:00:00+08:00",)"
      R"("due":"1970-01-01T08:00:00+08:00","elapsed":0,"provisional":false,"overran":false,)"
      R"("commanded":null,"waiting":false,"completed":false,"fired":0,"unit":0}],"transitions":[],)"
      R"("district":0}]})";
  const std::string idle_in_full =
      R"({"state":"idle","first_count":"1970-01-01T08:00:00+08:00","run_from":"1970-01-01T08:00:00+08:00",)"
      R"("mark":"1970-01-01T08:00:00+08:00","due":"1970-01-01T08:00:00+08:00","elapsed":0,"provisional":false,)"
      R"("overran":false,"commanded":null,"waiting":false,"completed":false,"fired":0,"unit":0})";
  CHECK(text == mutate(mutate(v3, R"("version":3)", R"("version":4)"), idle_in_full, R"({"state":"idle","unit":0})"));
  CHECK(parse_snapshot_json(text) == s);
  CHECK(parse_snapshot_json(v3) == s);  // version 3 is read too
  CHECK(streamed_refusal(v3, v3.size()) == "accepted " + text);
  CHECK(streamed_refusal(v3, 3) == "accepted " + text);
  // The same state as version 2 wrote it, before units: read with no names, every unit and district 0.
  engine_state old = s;
  old.names.clear();
  old.cases[0].district = 0;
  old.cases[0].clocks[0].unit = 0;
  std::string v2 = v3;
  for (const auto& [from, to] : {std::pair<std::string, std::string>{R"("version":3)", R"("version":2)"},
                                 {R"("names":["昆明自来水集团有限公司","五华区"],)", ""},
                                 {R"(,"unit":1)", ""},
                                 {R"(,"unit":0)", ""},
                                 {R"(,"district":2)", ""},
                                 {R"(,"district":0)", ""}}) {
    const auto p = v2.find(from);
    REQUIRE(p != std::string::npos);
    v2.replace(p, from.size(), to);
  }
  CHECK(parse_snapshot_json(v2) == old);
}

TEST_CASE("snapshot: version 4 writes a clock with nothing set but its unit short, and reads it only so") {
  engine_state s = sample_state();
  clock_record unit_only{};
  unit_only.unit = 2;
  clock_record raised{};  // idle with a level raised: no engine makes it, but it is written as it is
  raised.fired = 1;
  s.cases[0].clocks[1] = unit_only;
  s.cases[0].clocks.push_back(raised);
  const std::string text = to_snapshot_json(s);
  CHECK(text.find(R"("clocks":[{"state":"paused",)") != std::string::npos);
  CHECK(text.find(R"(},{"state":"idle","unit":2},{"state":"running",)") != std::string::npos);
  CHECK(text.find(R"({"state":"idle","first_count":"1970-01-01T08:00:00+08:00",)") != std::string::npos);
  CHECK(text.find(R"("fired":1,"unit":0}])") != std::string::npos);
  CHECK(parse_snapshot_json(text) == s);
  for (const std::size_t piece : {std::size_t{1}, std::size_t{7}, text.size()})
    CHECK(streamed_refusal(text, piece) == "accepted " + text);
  const std::string p = "not a valid snapshot: ";
  const std::string short_clock = R"({"state":"idle","unit":2})";
  for (const auto& [changed, message] : std::vector<std::pair<std::string, std::string>>{
           {mutate(text, short_clock, R"({"state":"idle","unit":2,"fired":0})"),
            p + "cases[0].clocks[1]: unknown field 'fired'"},
           {mutate(text, short_clock, R"({"state":"idle"})"), p + "cases[0].clocks[1].unit: missing"},
           {mutate(text, short_clock, R"({"state":"running","unit":2})"),
            p + "cases[0].clocks[1].first_count: missing"},
           {mutate(text, short_clock, R"({"state":"idle","unit":-2})"),
            p + "cases[0].clocks[1].unit: -2 is out of range (expected 0 to 4294967295)"},
           {mutate(text, R"("version":4)", R"("version":3)"), p + "cases[0].clocks[1].first_count: missing"},
       }) {
    CAPTURE(message);
    CHECK(refusal(changed) == message);
    CHECK(streamed_refusal(changed, 7) == message);
    CHECK(streamed_refusal(changed, changed.size()) == message);
  }
  // Read in another order or with spaces, the short form is the same clock.
  const std::string reordered = mutate(text, short_clock, R"({ "unit":2, "state":"idle" })");
  CHECK(refusal(reordered) == "accepted " + text);
  CHECK(streamed_refusal(reordered, reordered.size()) == "accepted " + text);
}

TEST_CASE("snapshot: a state round-trips to an equal state and the same bytes") {
  const engine_state s = sample_state();
  const std::string text = to_snapshot_json(s);
  CHECK(text == to_snapshot_json(s));
  const engine_state back = parse_snapshot_json(text);
  CHECK(back == s);
  CHECK(to_snapshot_json(back) == text);
  CHECK(text.find('\n') == std::string::npos);
  CHECK(text.find(R"("retired_before":"2026-01-01T00:00:00+08:00")") != std::string::npos);
  CHECK(text.find(R"("commanded":"2026-10-08T11:00:00+08:00","waiting":true)") != std::string::npos);
  CHECK(text.find(R"("variant":"","status":"out_of_scope")") != std::string::npos);
  CHECK(text.find(R"("id":"水-004")") != std::string::npos);
  // Every status, and its closing instant: none while open, the opening when out of scope.
  CHECK(text.find(R"("status":"open","opened":"2026-09-30T10:00:00+08:00","closed":null,)") != std::string::npos);
  CHECK(text.find(R"("status":"out_of_scope","opened":"2026-09-30T11:00:00+08:00",)"
                  R"("closed":"2026-09-30T11:00:00+08:00",)") != std::string::npos);
  CHECK(text.find(R"("status":"completed","opened":"2026-09-01T09:30:00+08:00",)"
                  R"("closed":"2026-09-07T18:00:00+08:00",)") != std::string::npos);
  CHECK(text.find(R"("status":"cancelled","opened":"2026-10-02T08:00:00+08:00",)"
                  R"("closed":"2026-10-06T09:30:00+08:00",)") != std::string::npos);
  REQUIRE(back.cases.size() == 4);
  CHECK(back.cases[0].closed == instant{});
  CHECK(back.cases[1].closed == at("2026-09-30T11:00"));
  CHECK(back.cases[2].closed == at("2026-09-07T18:00"));
  CHECK(back.cases[3].closed == at("2026-10-06T09:30"));

  engine_state unretired = s;
  unretired.retired_before.reset();
  const std::string text2 = to_snapshot_json(unretired);
  CHECK(text2.find(R"("retired_before":null)") != std::string::npos);
  CHECK(parse_snapshot_json(text2) == unretired);
  CHECK(to_snapshot_json(parse_snapshot_json(text2)) == text2);

  CHECK(parse_snapshot_json(to_snapshot_json(engine_state{})) == engine_state{});
}

TEST_CASE("snapshot: the reader given whole cases reads what parse_snapshot_json reads") {
  // Cases whole in a piece, written as the writer writes them, go the reader's fast path; a case
  // cut by a piece's end goes the tree reader's way. Both give the state written.
  engine_state s = sample_state();
  s.cases[0].clocks[0].timer.elapsed = working_time{10'000'000'000};  // the largest elapsed
  s.cases[0].clocks[0].fired = 255;
  s.cases[0].district = 0xffffffff;
  const std::string text = to_snapshot_json(s);
  REQUIRE(parse_snapshot_json(text) == s);
  for (const std::size_t piece : {text.size(), text.size() / 2, std::size_t{300}}) {
    CAPTURE(piece);
    snapshot_reader r;
    for (std::size_t k = 0; k < text.size(); k += piece) r.feed(std::string_view(text).substr(k, piece));
    CHECK(r.finish() == s);
  }
  // Just past a limit, or in another form than the writer's: read as parse_snapshot_json reads it
  // (refused, naming the same place; the escaped id is the same id).
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"10000000000", "10000000001"},
           {"\"fired\":255", "\"fired\":256"},
           {"\"district\":4294967295", "\"district\":4294967296"},
           {"\"waiting\":false", "\"waiting\":0"},
           {"\"elapsed\":0", "\"elapsed\":00"},
           {"\"elapsed\":0", "\"elapsed\":0.0"},
           {"2026-09-30T10:00:00+08:00", "2026-09-31T10:00:00+08:00"},
           {"2026-09-30T10:00:00+08:00", "2026-09-30T24:00:00+08:00"},
           {"2026-09-30T10:00:00+08:00", "2026-09-30T10:00:00+09:00"},
           {"\"id\":\"水-004\"", "\"id\":\"\\u6c34-004\""},
       }) {
    CAPTURE(to);
    const std::string changed = mutate(text, from, to);
    CHECK(streamed_refusal(changed, changed.size()) == refusal(changed));
    CHECK(streamed_refusal(changed, 5) == refusal(changed));
  }
}

TEST_CASE("snapshot: whitespace between tokens is read") {
  const std::string text = to_snapshot_json(sample_state());
  std::string spaced;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    spaced += text[i];
    if (text[i] == '"' && (i == 0 || text[i - 1] != '\\')) in_string = !in_string;
    if (!in_string && (text[i] == ',' || text[i] == '{' || text[i] == ':')) spaced += "\n  ";
  }
  CHECK(parse_snapshot_json(spaced) == sample_state());
  for (const std::size_t piece : {std::size_t{1}, std::size_t{5}, std::size_t{4096}}) {
    snapshot_reader r;
    for (std::size_t k = 0; k < spaced.size(); k += piece) r.feed(std::string_view(spaced).substr(k, piece));
    CHECK(r.finish() == sample_state());
  }
  // Line breaks before the bad value: the reader names the line and column the whole parse names.
  const std::string broken = mutate(spaced, "54000", "1.5");
  CHECK(streamed_refusal(broken, 3) == refusal(broken));
  const std::string bad_syntax = mutate(spaced, "54000", "5x");
  REQUIRE(refusal(bad_syntax).starts_with("not a valid snapshot: line "));
  CHECK(streamed_refusal(bad_syntax, 3) == refusal(bad_syntax));
}

TEST_CASE("snapshot: the reader in pieces refuses text between and after the cases, and fields after them") {
  const std::string good = to_snapshot_json(sample_state());
  const std::string p = "not a valid snapshot: ";
  // `"cases":[` ends at this byte offset (0-based); columns count from 1.
  const std::size_t open = good.find(R"("cases":[)") + 9;
  const std::size_t first_end = good.find(R"(},{"id")", open) + 1;  // after the first case's '}'
  CHECK(streamed_refusal(good.substr(0, first_end) + ";" + good.substr(first_end), 4) ==
        p + "line 1, column " + std::to_string(first_end + 1) +
            ": syntax error in cases: unexpected ';' after cases[0]");
  CHECK(streamed_refusal(good.substr(0, open) + "," + good.substr(open), 4) ==
        p + "line 1, column " + std::to_string(open + 1) + ": syntax error in cases: unexpected ',' after '['");
  CHECK(streamed_refusal(good + "x", 4) ==
        p + "line 1, column " + std::to_string(good.size() + 1) +
            ": syntax error: unexpected text after the snapshot; expected end of input");
  // nlohmann stops at a NUL byte as at the end of the text: what follows is refused all the same.
  for (const std::string& tail : {std::string(1, '\0'), std::string("\0x", 2), std::string("\n\0", 2)}) {
    const std::string with_nul = good + tail;
    const std::string message =
        p + (tail[0] == '\n' ? "line 2, column 1" : "line 1, column " + std::to_string(good.size() + 1)) +
        ": syntax error: unexpected text after the snapshot; expected end of input";
    CHECK(refusal(with_nul) == message);
    CHECK(streamed_refusal(with_nul, 4) == message);
  }
  CHECK(streamed_refusal(good.substr(0, good.size() - 1) + ",\"names\":[]}", 4) ==
        p + "line 1, column " + std::to_string(good.size()) +
            ": unexpected ',' after cases (a snapshot ends with them)");
  // A case that is no object is refused as parse_snapshot_json refuses it.
  const std::string scalar = good.substr(0, open) + "17," + good.substr(open);
  CHECK(streamed_refusal(scalar, 4) == refusal(scalar));
  CHECK(refusal(scalar) == p + "cases[0]: 17 is not an object");
}

TEST_CASE("snapshot: what could not be read back is not written") {
  const auto refused = [](const engine_state& s) {
    try {
      (void)to_snapshot_json(s);
    } catch (const error& e) {
      return std::string(e.what());
    }
    return std::string("written");
  };
  engine_state s = sample_state();
  s.cases[2].policy = "electricity-\xff";
  CHECK(refused(s) == "cannot write a snapshot: cases[2].policy: 'electricity-\\xff' is not UTF-8");
  s.cases[2].policy = "e\xe2\x80\xae\xff";  // a right-to-left override, escaped as quote() does
  CHECK(refused(s) == "cannot write a snapshot: cases[2].policy: 'e\\u202e\\xff' is not UTF-8");
  s = sample_state();
  s.cases[0].clocks[2].timer.elapsed = working_time{-1};
  CHECK(refused(s) ==
        "cannot write a snapshot: cases[0].clocks[2].elapsed: -1 is out of range (expected 0 to 10000000000)");
  s = sample_state();
  s.cases[3].clocks[0].timer.state = static_cast<step_timer::status>(4);
  CHECK(refused(s) == "cannot write a snapshot: cases[3].clocks[0].state: 4 is not a timer state");
  s = sample_state();
  s.cases[1].status = static_cast<case_status>(9);
  CHECK(refused(s) == "cannot write a snapshot: cases[1].status: 9 is not a case status");
  s = sample_state();
  s.cases[0].closed = at("1970-01-02T08:00:00+08:00");  // null would read back as instant{}
  CHECK(refused(s) ==
        "cannot write a snapshot: cases[0].closed: 86400 s from 1970-01-01T00:00:00Z is not 0 (an open case has no "
        "closing instant)");
  s = sample_state();
  s.cases[2].closed = instant::min();
  CHECK(refused(s) ==
        "cannot write a snapshot: cases[2].closed: -9223372036854775808 s from 1970-01-01T00:00:00Z is not in the "
        "years 0000 to 9999");
  s = sample_state();
  s.cases[0].transitions[0].at = instant::max();
  CHECK(refused(s) ==
        "cannot write a snapshot: cases[0].transitions[0].at: 9223372036854775807 s from "
        "1970-01-01T00:00:00Z is not in the years 0000 to 9999");

  // The years 0000..9999 at +08:00, both ends, are written and read back.
  s = engine_state{};
  s.now = at("0000-01-01T00:00:00+08:00");
  s.retired_before = at("9999-12-31T23:59:59+08:00");
  const std::string text = to_snapshot_json(s);
  CHECK(text.find(R"("now":"0000-01-01T00:00:00+08:00","retired_before":"9999-12-31T23:59:59+08:00")") !=
        std::string::npos);
  CHECK(parse_snapshot_json(text) == s);
  s.now -= std::chrono::seconds{1};
  CHECK(refused(s) ==
        "cannot write a snapshot: now: -62167248001 s from 1970-01-01T00:00:00Z is not in the years "
        "0000 to 9999");
}

TEST_CASE("snapshot: every refusal is one line naming the place and the bad value") {
  const std::string good = to_snapshot_json(sample_state());
  REQUIRE(parse_snapshot_json(good) == sample_state());
  struct row {
    std::string text;
    std::string message;
  };
  const auto m = [&](std::string_view from, std::string_view to, int nth = 0) { return mutate(good, from, to, nth); };
  const std::string p = "not a valid snapshot: ";
  // Columns count bytes from 1; nlohmann reports the one it stopped at.
  const auto column = [&](std::string_view needle, std::size_t offset) {
    return "line 1, column " + std::to_string(good.find(needle) + offset + 1);
  };
  const std::string id = column(R"("W-001")", 0);  // the quote that opens the first case's id
  const row rows[] = {
      // malformed JSON: nlohmann's position and message, on one line
      {"", p + "line 1, column 1: syntax error while parsing value - unexpected end of input; expected '[', '{', or a "
               "literal"},
      {good.substr(0, good.size() - 1),
       p + "line 1, column " + std::to_string(good.size()) +
           ": syntax error while parsing object - unexpected end of input; expected '}'"},
      {R"({"format":"dueday-engine-snapshot"}x)",
       p + "line 1, column 36: syntax error while parsing value - invalid literal; last read: "
           "'\"dueday-engine-snapshot\"}x'; expected end of input"},
      {"{\n\"format\":tru}", p + "line 2, column 13: syntax error while parsing value - invalid literal; last read: "
                                 "'\"format\":tru}'"},
      {m(R"("id":"W-001")", R"("id":W-001)"),
       p + id + ": syntax error while parsing value - invalid literal; last read: '\"id\":W'"},
      {m(R"("elapsed":54000)", R"("elapsed":1e400)"),
       p + column(R"("elapsed":54000)", 14) + ": number overflow parsing '1e400'"},
      {m(R"("W-001")", "\"W-\n001\""),
       p + "line 2, column 0: syntax error while parsing value - invalid string: control character U+000A (LF) "
           "must be escaped to \\u000A or \\n; last read: '\"W-<U+000A>'"},
      // not UTF-8: a stray byte, an overlong form, an encoded surrogate, an escaped lone surrogate
      {m(R"("W-001")",
         "\"W-\xff"
         "001\""),
       p + column(R"("W-001")", 3) +
           ": syntax error while parsing value - invalid string: ill-formed UTF-8 byte; last read: '\"W-\\xff'"},
      {m(R"("W-001")", "\"W-\xc0\xaf\""),
       p + column(R"("W-001")", 3) +
           ": syntax error while parsing value - invalid string: ill-formed UTF-8 byte; last read: '\"W-\\xc0'"},
      {m(R"("W-001")", "\"W-\xed\xa0\x80\""),
       p + column(R"("W-001")", 4) +
           ": syntax error while parsing value - invalid string: ill-formed UTF-8 byte; last read: '\"W-\\xed\\xa0'"},
      {m(R"("W-001")", R"("W-\ud800")"),
       p + column(R"("W-001")", 9) +
           ": syntax error while parsing value - invalid string: surrogate U+D800..U+DBFF must be followed by "
           "U+DC00..U+DFFF; last read: '\"W-\\ud800\"'"},
      // nesting
      {std::string(9, '[') + std::string(9, ']'), p + "[0][0][0][0][0][0][0][0]: nested deeper than 8 levels"},
      {std::string(100000, '['), p + "[0][0][0][0][0][0][0][0]: nested deeper than 8 levels"},
      {std::string(8, '[') + std::string(8, ']'), p + "top level: an array is not an object"},
      {m(R"("policies":[)", R"("policies":[[[[[[[[)"),
       p + "policies[0][0][0][0][0][0][0]: nested deeper than 8 levels"},
      {m(R"("fired":1)", R"("fired":{"a":{"b":[[[[]]]]}})"),
       p + "cases[0].clocks[0].fired.a.b[0]: nested deeper than 8 levels"},
      // duplicate keys, wherever they are
      {m(R"({"format")", R"({"format":"x","format")"), p + "top level: duplicate key 'format'"},
      {m(R"("id":"W-001")", R"("id":"W-001","id":"W-009")"), p + "cases[0]: duplicate key 'id'"},
      {m(R"("fired":0,"unit":0})", R"("fired":0,"fired":0,"unit":0})", 1),
       p + "cases[0].clocks[2]: duplicate key 'fired'"},
      {m(R"("step":0)", R"("step":0,"at":"2026-10-08T15:00:00+08:00")"),
       p + "cases[0].transitions[0]: duplicate key 'at'"},
      {m(R"("fired":1)", R"("fired":{"a":1,"a":1})"), p + "cases[0].clocks[0].fired: duplicate key 'a'"},
      // not a snapshot, or another version
      {"[]", p + "top level: an array is not an object"},
      {"null", p + "top level: null is not an object"},
      {"{}", p + "format: missing"},
      {m(R"("dueday-engine-snapshot")", R"("dueday-snapshot")"),
       p + "format: 'dueday-snapshot' is not the snapshot format (expected 'dueday-engine-snapshot')"},
      {m(R"("version":4,)", ""), p + "version: missing"},
      {m(R"("version":4)", R"("version":1)"), p + "version: 1 is not a supported version (expected 2, 3 or 4)"},
      {m(R"("version":4)", R"("version":5)"), p + "version: 5 is not a supported version (expected 2, 3 or 4)"},
      {m(R"("version":4)", R"("version":4.0)"), p + "version: 4.0 is not a supported version (expected 2, 3 or 4)"},
      {m(R"("version":4)", R"("version":"4")"), p + "version: '4' is not a supported version (expected 2, 3 or 4)"},
      // version 2 has no names, units or districts; versions 3 and 4 have them all
      {m(R"("version":4)", R"("version":2)"), p + "top level: unknown field 'names'"},
      {m(R"("names":["五华区","昆明自来水集团有限公司五华分公司"],)", ""), p + "names: missing"},
      {m(R"(,"unit":2)", ""), p + "cases[0].clocks[0].unit: missing"},
      {m(R"(,"district":1)", ""), p + "cases[0].district: missing"},
      {m(R"("unit":2)", R"("unit":-1)"), p + "cases[0].clocks[0].unit: -1 is out of range (expected 0 to 4294967295)"},
      {m(R"("district":1)", R"("district":4294967296)"),
       p + "cases[0].district: 4294967296 is out of range (expected 0 to 4294967295)"},
      {m(R"("五华区")", "5"), p + "names[0]: 5 is not a string"},
      // unknown fields
      {m(R"("now":)", R"("extra":1,"now":)"), p + "top level: unknown field 'extra'"},
      {m(R"("opened":)", R"("closing":"2026-10-01T00:00:00+08:00","opened":)"),
       p + "cases[0]: unknown field 'closing'"},
      {m(R"("fired":0,"unit":0})", R"("fired":0,"flags":0,"unit":0})", 1),
       p + "cases[0].clocks[2]: unknown field 'flags'"},
      {m(R"("step":0)", R"("step":0,"x":null)"), p + "cases[0].transitions[0]: unknown field 'x'"},
      {m(R"("now":)", R"("a\nb":1,"now":)"), p + "top level: unknown field 'a\\nb'"},
      // missing fields
      {m(R"("retired_before":"2026-01-01T00:00:00+08:00",)", ""), p + "retired_before: missing"},
      {m(R"("commanded":null,)", ""), p + "cases[0].clocks[0].commanded: missing"},
      {m(R"("closed":null,)", ""), p + "cases[0].closed: missing"},
      {m(R"("closed":"2026-09-07T18:00:00+08:00",)", ""), p + "cases[2].closed: missing"},
      {m(R"(,"transitions":[])", ""), p + "cases[1].transitions: missing"},
      {m(R"({"step":1,"pause":true,)", R"({"pause":true,)"), p + "cases[2].transitions[2].step: missing"},
      // wrong types
      {m(R"("now":"2026-10-08T16:00:00+08:00")", R"("now":1)"), p + "now: 1 is not a string"},
      {m(R"("calendar":"5b1c0e3f9a7d2468")", R"("calendar":null)"), p + "calendar: null is not a string"},
      {m(R"(["kunming-water-490@2020.1","electricity-lv@2024.2"])", "{}"), p + "policies: an object is not an array"},
      {m(R"("electricity-lv@2024.2")", "7"), p + "policies[1]: 7 is not a string"},
      {m(R"("cases":[)", R"("cases":[[],)"), p + "cases[0]: an array is not an object"},
      {m(R"("clocks":[])", R"("clocks":{})"), p + "cases[1].clocks: an object is not an array"},
      {m(R"("id":"W-001")", R"("id":5)"), p + "cases[0].id: 5 is not a string"},
      {m(R"("variant":"")", R"("variant":null)"), p + "cases[1].variant: null is not a string"},
      {m(R"("provisional":false)", R"("provisional":"false")"), p + "cases[0].clocks[0].provisional: 'false' is not "
                                                                    "true or false"},
      {m(R"("waiting":false)", R"("waiting":0)"), p + "cases[0].clocks[0].waiting: 0 is not true or false"},
      {m(R"("pause":true)", R"("pause":null)"), p + "cases[0].transitions[0].pause: null is not true or false"},
      {m(R"("commanded":null)", R"("commanded":false)"), p + "cases[0].clocks[0].commanded: false is not a string"},
      // integers: no fractions or exponents, within the field's range
      {m(R"("elapsed":54000)", R"("elapsed":1.5)"), p + "cases[0].clocks[0].elapsed: 1.5 is not an integer"},
      {m(R"("elapsed":54000)", R"("elapsed":54000.0)"), p + "cases[0].clocks[0].elapsed: 54000.0 is not an integer"},
      {m(R"("elapsed":54000)", R"("elapsed":5.4e4)"), p + "cases[0].clocks[0].elapsed: 5.4e4 is not an integer"},
      {m(R"("elapsed":54000)", R"("elapsed":"54000")"), p + "cases[0].clocks[0].elapsed: '54000' is not an integer"},
      {m(R"("elapsed":54000)", R"("elapsed":-1)"),
       p + "cases[0].clocks[0].elapsed: -1 is out of range (expected 0 to 10000000000)"},
      {m(R"("elapsed":54000)", R"("elapsed":-9223372036854775808)"),
       p + "cases[0].clocks[0].elapsed: -9223372036854775808 is out of range (expected 0 to 10000000000)"},
      {m(R"("elapsed":54000)", R"("elapsed":10000000001)"),
       p + "cases[0].clocks[0].elapsed: 10000000001 is out of range (expected 0 to 10000000000)"},
      {m(R"("elapsed":54000)", R"("elapsed":18446744073709551615)"),
       p + "cases[0].clocks[0].elapsed: 18446744073709551615 is out of range (expected 0 to 10000000000)"},
      {m(R"("elapsed":54000)", R"("elapsed":99999999999999999999999)"),
       p + "cases[0].clocks[0].elapsed: 99999999999999999999999 is out of range (expected 0 to 10000000000)"},
      {m(R"("fired":255)", R"("fired":256)"), p + "cases[2].clocks[1].fired: 256 is out of range (expected 0 to 255)"},
      {m(R"("fired":1)", R"("fired":true)"), p + "cases[0].clocks[0].fired: true is not an integer"},
      {m(R"("step":1)", R"("step":-1)"), p + "cases[2].transitions[2].step: -1 is out of range (expected 0 to 255)"},
      {m(R"("step":1)", R"("step":300)"), p + "cases[2].transitions[2].step: 300 is out of range (expected 0 to 255)"},
      // names
      {m(R"("state":"paused")", R"("state":"runing")"),
       p + "cases[0].clocks[0].state: 'runing' is not a timer state (expected idle, running, paused or stopped)"},
      {m(R"("state":"paused")", R"("state":2)"),
       p + "cases[0].clocks[0].state: 2 is not a timer state (expected idle, running, paused or stopped)"},
      {m(R"("status":"completed")", R"("status":"closed")"),
       p + "cases[2].status: 'closed' is not a case status (expected open, completed, cancelled or out_of_scope)"},
      {m(R"("status":"open")", R"("status":"Open")"),
       p + "cases[0].status: 'Open' is not a case status (expected open, completed, cancelled or out_of_scope)"},
      // closing instants: null exactly when the case is open, whatever the status is changed to
      {m(R"("closed":null)", R"("closed":"2026-10-01T00:00:00+08:00")"),
       p + "cases[0].closed: '2026-10-01T00:00:00+08:00' is not null (an open case has no closing instant)"},
      {m(R"("closed":null)", R"("closed":false)"),
       p + "cases[0].closed: false is not null (an open case has no closing instant)"},
      {m(R"("status":"completed")", R"("status":"open")"),
       p + "cases[2].closed: '2026-09-07T18:00:00+08:00' is not null (an open case has no closing instant)"},
      {m(R"("closed":"2026-09-30T11:00:00+08:00")", R"("closed":null)"),
       p + "cases[1].closed: null is not an instant (only an open case has none)"},
      {m(R"("closed":"2026-09-07T18:00:00+08:00")", R"("closed":null)"),
       p + "cases[2].closed: null is not an instant (only an open case has none)"},
      {m(R"("closed":"2026-10-06T09:30:00+08:00")", R"("closed":null)"),
       p + "cases[3].closed: null is not an instant (only an open case has none)"},
      {m(R"("status":"open")", R"("status":"cancelled")"),
       p + "cases[0].closed: null is not an instant (only an open case has none)"},
      {m(R"("closed":"2026-09-07T18:00:00+08:00")", R"("closed":1)"), p + "cases[2].closed: 1 is not a string"},
      {m(R"("closed":"2026-09-07T18:00:00+08:00")", R"("closed":"2026-09-07T18:00:00")"),
       p + "cases[2].closed: '2026-09-07T18:00:00' is not an instant (expected YYYY-MM-DDTHH:MM:SS+08:00)"},
      {m(R"("closed":"2026-10-06T09:30:00+08:00")", R"("closed":"2026-10-06T01:30:00Z")"),
       p + "cases[3].closed: '2026-10-06T01:30:00Z' is not an instant (expected YYYY-MM-DDTHH:MM:SS+08:00)"},
      // instants: only the form the writer writes
      {m(R"("now":"2026-10-08T16:00:00+08:00")", R"("now":"2026-10-08T16:00+08:00")"),
       p + "now: '2026-10-08T16:00+08:00' is not an instant (expected YYYY-MM-DDTHH:MM:SS+08:00)"},
      {m(R"("now":"2026-10-08T16:00:00+08:00")", R"("now":"2026-10-08T08:00:00Z")"),
       p + "now: '2026-10-08T08:00:00Z' is not an instant (expected YYYY-MM-DDTHH:MM:SS+08:00)"},
      {m(R"("now":"2026-10-08T16:00:00+08:00")", R"("now":"2026-10-08T17:00:00+09:00")"),
       p + "now: '2026-10-08T17:00:00+09:00' is not an instant (expected YYYY-MM-DDTHH:MM:SS+08:00)"},
      {m(R"("now":"2026-10-08T16:00:00+08:00")", R"("now":"2026-10-08 16:00:00+08:00")"),
       p + "now: '2026-10-08 16:00:00+08:00' is not an instant (expected YYYY-MM-DDTHH:MM:SS+08:00)"},
      {m(R"("now":"2026-10-08T16:00:00+08:00")", R"("now":"2026-10-08")"),
       p + "now: '2026-10-08' is not an instant (expected YYYY-MM-DDTHH:MM:SS+08:00)"},
      {m(R"("opened":"2026-09-30T10:00:00+08:00")", R"("opened":"2026-02-30T10:00:00+08:00")"),
       p + "cases[0].opened: '2026-02-30T10:00:00+08:00' is not an instant (expected YYYY-MM-DDTHH:MM:SS+08:00)"},
      {m(R"("due":"2026-10-10T00:00:00+08:00")", R"("due":"2026-10-10T24:00:00+08:00")"),
       p + "cases[0].clocks[0].due: '2026-10-10T24:00:00+08:00' is not an instant (expected "
           "YYYY-MM-DDTHH:MM:SS+08:00)"},
      {m(R"("at":"2026-10-08T15:00:00+08:00")", R"("at":" 2026-10-08T15:00:00+08:00")"),
       p + "cases[0].transitions[0].at: ' 2026-10-08T15:00:00+08:00' is not an instant (expected "
           "YYYY-MM-DDTHH:MM:SS+08:00)"},
      {m(R"("retired_before":"2026-01-01T00:00:00+08:00")", R"("retired_before":"")"),
       p + "retired_before: '' is not an instant (expected YYYY-MM-DDTHH:MM:SS+08:00)"},
      {m(R"("commanded":"2026-10-08T11:00:00+08:00")", R"("commanded":"2026-10-08T11:00:00+08:00\n")"),
       p + "cases[0].clocks[1].commanded: '2026-10-08T11:00:00+08:00\\n' is not an instant (expected "
           "YYYY-MM-DDTHH:MM:SS+08:00)"},
  };
  for (const row& r : rows) {
    CAPTURE(r.text.substr(0, 300));
    CHECK(refusal(r.text) == r.message);
    CHECK(streamed_refusal(r.text, 7) == r.message);  // the same place and words, read piece by piece
    CHECK(streamed_refusal(r.text, 1) == r.message);
    CHECK(streamed_refusal(r.text, r.text.size()) == r.message);  // whole cases: the reader's fast path
  }
}

TEST_CASE("snapshot: text in a refusal is escaped and cut as dueday::quote escapes it (C1 and bidi controls too)") {
  const std::string good = to_snapshot_json(sample_state());
  const std::string p = "not a valid snapshot: ";
  CHECK(refusal(mutate(good, R"("now":)", R"("a\u009b[2Jb":1,"now":)")) ==
        p + "top level: unknown field 'a\\u009b[2Jb'");
  CHECK(refusal(mutate(good, R"("now":)", "\"x" + std::string(99, 'x') + "\":1,\"now\":")) ==
        p + "top level: unknown field '" + std::string(60, 'x') + "\u2026' (100 bytes)");
  CHECK(refusal(mutate(good, R"("now":"2026-10-08T16:00:00+08:00")", R"("now":"\u202e2026")")) ==
        p + "now: '\\u202e2026' is not an instant (expected YYYY-MM-DDTHH:MM:SS+08:00)");
  CHECK(refusal(mutate(good, R"("format":)", R"("a":{"\u2028":1,"\u2028":2},"format":)")) ==
        p + "a: duplicate key '\\u2028'");
}

TEST_CASE("snapshot: every cut of a valid text is refused with a dueday::error of one line") {
  const std::string good = to_snapshot_json(sample_state());
  for (std::size_t n = 0; n < good.size(); ++n) {
    const std::string message = refusal(good.substr(0, n));
    CAPTURE(n);
    CHECK(message.starts_with("not a valid snapshot: line 1, column "));
    CHECK(message.find('\n') == std::string::npos);
    CHECK(streamed_refusal(good.substr(0, n), 5) == message);
  }
}
