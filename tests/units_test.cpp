// Units in the data (issue 9): the district and units an `open` names, the unit a `start` hands
// its step to, the policy's parties as the fallback, and how they reach events and snapshots.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <dueday/engine.hpp>
#include <dueday/io.hpp>
#include <dueday/jsonl.hpp>
#include <dueday/policy.hpp>
#include <dueday/snapshot.hpp>

#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "detail/command_json.hpp"
#include "support.hpp"

namespace dueday {
namespace {

using test::at;
using test::cal;

using unit_map = std::vector<std::pair<std::string, std::string>>;

command open_cmd(std::string id, const char* when, std::string variant, std::string district = {}, unit_map units = {},
                 std::string policy = "kunming-water-490") {
  command c;
  c.kind = command_kind::open;
  c.case_id = std::move(id);
  c.at = at(when);
  c.policy = std::move(policy);
  c.variant = std::move(variant);
  c.district = std::move(district);
  c.units = std::move(units);
  return c;
}

command step_cmd(command_kind kind, std::string id, std::string step, const char* when, std::string unit = {}) {
  command c;
  c.kind = kind;
  c.case_id = std::move(id);
  c.step = std::move(step);
  c.at = at(when);
  c.unit = std::move(unit);
  return c;
}

// The unit of every clock event of a case, by step; fails when one step's events disagree.
std::map<std::string, std::string> units_of(const std::vector<event>& events, const std::string& case_id) {
  std::map<std::string, std::string> out;
  for (const event& e : events) {
    if (e.case_id != case_id || e.step.empty()) continue;
    const auto [it, fresh] = out.emplace(e.step, e.unit);
    INFO(case_id, " ", e.step, " ", to_string(e.kind));
    CHECK(it->second == e.unit);  // every event of a clock names the same unit
  }
  return out;
}

// Two variants of one policy without [parties]: "v" with both steps of party utility (and no
// overall party), "w" whose second step names none.
constexpr std::string_view party_ids = R"(id = "p"
version = "1"

[[variant]]
name = "v"
overall = { limit = "4wd", counts = ["a", "b"] }

[[variant.step]]
name = "a"
limit = "2wd"
party = "utility"

[[variant.step]]
name = "b"
limit = "2wd"
after = ["a"]
party = "utility"

[[variant]]
name = "w"
overall = { limit = "4wd", counts = ["a", "b"] }

[[variant.step]]
name = "a"
limit = "2wd"
party = "utility"

[[variant.step]]
name = "b"
limit = "2wd"
after = ["a"]
)";

std::vector<std::string> problems_of(const std::string& text) {
  try {
    (void)parse_policy(text, "p.toml");
  } catch (const policy_error& e) {
    std::vector<std::string> out;
    for (const auto& p : e.problems()) out.push_back(std::to_string(p.line) + ": " + p.message);
    return out;
  }
  return {"accepted"};
}

}  // namespace

TEST_CASE("units: a clock answers to the start's unit, else the open's, else the party's title") {
  vector_sink out;
  engine e(cal(), builtin_policies(), out);
  const auto ok = [](const outcome& o) { REQUIRE_MESSAGE(o.accepted(), o.reason); };
  // A: the open names the survey's unit, the start another; the connection is handed to 丁 by its
  // start while it waits for the survey, and keeps it when the join starts it.
  // B: the open names the survey's and the overall clock's units; the start names none.
  // C: nobody named: the title of the step's party (utility = 供水企业), the overall clock's too.
  ok(e.apply(open_cmd("A", "2026-10-12T09:00", "no-external", "五华区", {{"survey", "甲"}})));
  ok(e.apply(open_cmd("B", "2026-10-12T09:00", "no-external", {}, {{"overall", "丙"}, {"survey", "甲"}})));
  ok(e.apply(open_cmd("C", "2026-10-12T09:00", "no-external")));
  ok(e.apply(step_cmd(command_kind::start, "A", "survey", "2026-10-12T10:00", "乙")));
  ok(e.apply(step_cmd(command_kind::start, "A", "connect", "2026-10-12T11:00", "丁")));
  ok(e.apply(step_cmd(command_kind::complete, "A", "survey", "2026-10-12T12:00")));
  ok(e.apply(step_cmd(command_kind::start, "B", "survey", "2026-10-12T13:00")));
  ok(e.apply(step_cmd(command_kind::start, "C", "survey", "2026-10-12T13:00")));
  // Alerts carry the unit too: by 10-20 every survey still open is past due.
  ok(e.advance_to(at("2026-10-20T00:00")));

  bool waited = false, joined = false, warned = false;
  for (const event& ev : out.events) {
    waited = waited || (ev.kind == event_kind::step_waiting && ev.case_id == "A" && ev.unit == "丁");
    joined = joined || (ev.kind == event_kind::step_started && ev.case_id == "A" && ev.step == "connect");
    warned = warned || (ev.kind == event_kind::warning && ev.case_id == "C" && ev.unit == "供水企业");
  }
  CHECK(waited);
  CHECK(joined);
  CHECK(warned);
  CHECK(units_of(out.events, "A") ==
        std::map<std::string, std::string>{{"survey", "乙"}, {"connect", "丁"}, {"overall", "供水企业"}});
  CHECK(units_of(out.events, "B") == std::map<std::string, std::string>{{"survey", "甲"}, {"overall", "丙"}});
  CHECK(units_of(out.events, "C") ==
        std::map<std::string, std::string>{{"survey", "供水企业"}, {"overall", "供水企业"}});
  // inspect() says the same: A's district, each clock's unit.
  const auto view = e.inspect("A", at("2026-10-20T00:00"));
  REQUIRE(view);
  CHECK(view->district == "五华区");
  REQUIRE(view->clocks.size() == 3);
  CHECK(view->clocks[0].unit == "乙");
  CHECK(view->clocks[1].unit == "丁");
  CHECK(view->clocks[2].unit == "供水企业");
  CHECK(view->clocks[2].party == "utility");
  CHECK(e.inspect("C", at("2026-10-20T00:00"))->district.empty());
}

TEST_CASE("units: without [parties] a clock answers to its party id, and to nobody without a party") {
  vector_sink out;
  engine e(cal(), policy_set({parse_policy(party_ids, "p.toml")}), out);
  for (const char* v : {"v", "w"}) REQUIRE(e.apply(open_cmd(v, "2026-10-12T09:00", v, {}, {}, "p")).accepted());
  for (const char* v : {"v", "w"}) REQUIRE(e.start(v, "a", at("2026-10-12T10:00")).accepted());
  for (const char* v : {"v", "w"}) REQUIRE(e.complete(v, "a", at("2026-10-12T11:00")).accepted());
  for (const char* v : {"v", "w"}) REQUIRE(e.start(v, "b", at("2026-10-12T12:00")).accepted());
  // v: the overall clock takes the party its counted steps share; w: they share none.
  CHECK(units_of(out.events, "v") ==
        std::map<std::string, std::string>{{"a", "utility"}, {"b", "utility"}, {"overall", "utility"}});
  CHECK(units_of(out.events, "w") == std::map<std::string, std::string>{{"a", "utility"}, {"b", ""}, {"overall", ""}});
  // The empty unit is still written, right after the step.
  bool seen = false;
  for (const event& ev : out.events) {
    if (ev.case_id == "w" && ev.step == "b" && ev.kind == event_kind::step_started) {
      CHECK(to_json(ev).starts_with(R"({"type":"step_started","case":"w","step":"b","unit":"","at":)"));
      seen = true;
    }
  }
  CHECK(seen);
}

TEST_CASE("units: a units key that is no step of the variant nor overall refuses the open, leaving no name") {
  vector_sink out;
  engine e(cal(), builtin_policies(), out);
  // approval-planning is a step of "external", not of "no-external".
  const outcome o = e.apply(open_cmd("W", "2026-10-12T09:00", "no-external", "五华区",
                                     {{"approval-planning", "昆明市自然资源和规划局五华分局"}, {"survey", "甲"}}));
  CHECK(o.rejected());
  CHECK(o.code == reject_code::unknown_step);
  CHECK(o.reason == "units names unknown step 'approval-planning' (expected survey, connect, overall)");
  CHECK(e.cases() == 0);
  CHECK(e.state().names.empty());  // the district was not kept
  CHECK(out.events.empty());
  // Out of scope: no clocks to hand to anyone, so units are not checked against steps.
  command w = open_cmd("X", "2026-10-12T09:00", "", "五华区", {{"design", "甲"}});
  w.works = works{40, 500, {}};
  CHECK(e.apply(w).accepted());
  // Through replay: the key escaped and cut in a one-line reason.
  std::istringstream in(
      R"({"type":"open","case":"Y","at":"2026-10-12T10:00","policy":"kunming-water-490","variant":"external","units":{"a\nb":"甲"}})"
      "\n");
  vector_sink replayed;
  (void)replay(in, "cmds.jsonl", e, replayed);
  REQUIRE(replayed.events.size() == 1);
  CHECK(to_json(replayed.events[0]) ==
        R"j({"type":"rejected","case":"Y","at":"2026-10-12T10:00:00+08:00","line":1,"code":"unknown_step",)j"
        R"j("reason":"units names unknown step 'a\\nb' (expected survey, approval-planning, )j"
        R"j(approval-city-management, approval-traffic-police, connect, overall)"})j");
}

TEST_CASE("units: the engine refuses names no snapshot could hold, from a host that calls it directly") {
  vector_sink out;
  engine e(cal(), builtin_policies(), out);
  const auto refused = [&](const command& c) {
    const outcome o = e.apply(c);
    CHECK(o.code == reject_code::malformed);
    return o.reason;
  };
  CHECK(refused(open_cmd("W", "2026-10-12T09:00", "no-external", std::string(201, 'x'))) ==
        "district is 201 bytes long (at most 200)");
  CHECK(refused(open_cmd("W", "2026-10-12T09:00", "no-external", {}, {{"survey", ""}})) == "'units.survey' is empty");
  CHECK(refused(open_cmd("W", "2026-10-12T09:00", "no-external", "\xff")) == "district is not UTF-8");
  REQUIRE(e.apply(open_cmd("W", "2026-10-12T09:00", "no-external")).accepted());
  CHECK(refused(step_cmd(command_kind::start, "W", "survey", "2026-10-12T10:00", "\xc3")) == "unit is not UTF-8");
  CHECK(e.state().names.empty());
}

TEST_CASE("units: a repeated open or start is ignored whatever units it names; the first ones stand") {
  vector_sink out;
  engine e(cal(), builtin_policies(), out);
  REQUIRE(e.apply(open_cmd("W", "2026-10-12T09:00", "no-external", "五华区", {{"survey", "甲"}})).accepted());
  CHECK(e.apply(open_cmd("W", "2026-10-12T09:00", "no-external", "盘龙区", {{"survey", "乙"}})).result ==
        outcome::status::duplicate);
  REQUIRE(e.apply(step_cmd(command_kind::start, "W", "survey", "2026-10-12T10:00", "丙")).accepted());
  CHECK(e.apply(step_cmd(command_kind::start, "W", "survey", "2026-10-12T10:00", "丁")).result ==
        outcome::status::duplicate);
  CHECK(e.state().names == std::vector<std::string>{"五华区", "甲", "丙"});
  CHECK(units_of(out.events, "W")["survey"] == "丙");
}

TEST_CASE("units: case_opened names its policy, and its district when the open gave one") {
  vector_sink out;
  engine e(cal(), builtin_policies(), out);
  REQUIRE(e.apply(open_cmd("W-1", "2026-10-12T09:00", "no-external", "五华区")).accepted());
  REQUIRE(e.apply(open_cmd("W-2", "2026-10-12T09:30", "external")).accepted());
  REQUIRE(out.events.size() == 2);
  CHECK(to_json(out.events[0]) ==
        R"({"type":"case_opened","case":"W-1","at":"2026-10-12T09:00:00+08:00","variant":"no-external",)"
        R"("policy":"kunming-water-490","district":"五华区"})");
  CHECK(to_json(out.events[1]) ==
        R"({"type":"case_opened","case":"W-2","at":"2026-10-12T09:30:00+08:00","variant":"external",)"
        R"("policy":"kunming-water-490"})");
}

TEST_CASE("units: a snapshot keeps names, units and districts, and the restored engine goes on the same") {
  const std::vector<command> head = {
      open_cmd("A", "2026-10-12T09:00", "no-external", "五华区", {{"overall", "丙"}, {"survey", "甲"}}),
      open_cmd("B", "2026-10-12T09:30", "external", "盘龙区"),
      step_cmd(command_kind::start, "A", "survey", "2026-10-12T10:00"),
      step_cmd(command_kind::start, "B", "approval-planning", "2026-10-12T11:00", "昆明市自然资源和规划局盘龙分局"),
      step_cmd(command_kind::start, "A", "connect", "2026-10-12T12:00", "甲"),
  };
  const std::vector<command> tail = {
      step_cmd(command_kind::complete, "A", "survey", "2026-10-13T09:00"),
      step_cmd(command_kind::start, "B", "survey", "2026-10-13T10:00", "乙"),
  };
  vector_sink whole;
  engine straight(cal(), builtin_policies(), whole);
  for (const auto& c : head) REQUIRE(straight.apply(c).accepted());
  const std::size_t before = whole.events.size();
  const engine_state s = straight.state();
  // Names in the order first seen: A's district, then its units in step order (overall, survey),
  // B's district and its approval's unit; 甲 again is not a new name.
  CHECK(s.names == std::vector<std::string>{"五华区", "丙", "甲", "盘龙区", "昆明市自然资源和规划局盘龙分局"});
  REQUIRE(s.cases.size() == 2);
  CHECK(s.cases[0].district == 1);
  CHECK(s.cases[1].district == 4);
  // A no-external: survey, connect, overall; B external: survey, three approvals, connect, overall.
  CHECK(s.cases[0].clocks[0].unit == 3);
  CHECK(s.cases[0].clocks[1].unit == 3);
  CHECK(s.cases[0].clocks[2].unit == 2);
  CHECK(s.cases[1].clocks[1].unit == 5);
  CHECK(s.cases[1].clocks[0].unit == 0);
  const std::string text = to_snapshot_json(s);
  CHECK(parse_snapshot_json(text) == s);

  vector_sink resumed;
  engine back = restore(text, cal(), builtin_policies(), resumed);
  CHECK(back.state() == s);
  for (const auto& c : tail) {
    REQUIRE(straight.apply(c).accepted());
    REQUIRE(back.apply(c).accepted());
  }
  REQUIRE(straight.advance_to(at("2026-10-30T00:00")).accepted());
  REQUIRE(back.advance_to(at("2026-10-30T00:00")).accepted());
  const std::vector<event> after(whole.events.begin() + static_cast<std::ptrdiff_t>(before), whole.events.end());
  CHECK(resumed.events == after);
  CHECK(back.state() == straight.state());
  CHECK(units_of(resumed.events, "B")["survey"] == "乙");
  CHECK(units_of(resumed.events, "A")["overall"] == "丙");
}

TEST_CASE("units: a snapshot written before units restores under its policy version, every unit its default") {
  const std::string dir = std::string(DUEDAY_TEST_DATA) + "/before-units/";
  // Written by the engine before units (format 2; the fuzz seed small.json as it was) under
  // kunming-water-490 2020.2, which had no [parties]: a clock then answers to its party id.
  std::ifstream file(dir + "snapshot-v2.json", std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  REQUIRE(text.find(R"("version":2)") != std::string::npos);
  const policy_set old({load_policy(dir + "kunming-water-490-2020.2.toml")});
  REQUIRE(old.find("kunming-water-490")->version == "2020.2");
  vector_sink out;
  engine e = restore(text, cal(), old, out);
  CHECK(e.state().names.empty());
  // W-001's survey has run since 09-30; completing it pauses the overall clock.
  REQUIRE(e.complete("W-001", "survey", at("2026-10-30T01:00")).accepted());
  REQUIRE(out.events.size() == 2);
  CHECK(out.events[0].kind == event_kind::step_completed);
  CHECK(out.events[0].unit == "utility");
  CHECK(out.events[1].step == "overall");
  CHECK(out.events[1].unit == "utility");
  // The shipped policy is 2020.3 now: the snapshot names another version and is refused.
  vector_sink none;
  CHECK_THROWS_WITH_AS((void)restore(text, cal(), builtin_policies(), none),
                       "not a valid snapshot: policies: the state names policies kunming-water-490@2020.2, this "
                       "engine has kunming-water-490@2020.3",
                       error);
}

TEST_CASE("units: a snapshot's names are checked: non-empty, each once, and every id among them") {
  vector_sink out;
  engine e(cal(), builtin_policies(), out);
  REQUIRE(e.apply(open_cmd("A", "2026-10-12T09:00", "no-external", "五华区", {{"survey", "甲"}})).accepted());
  const engine_state good = e.state();
  const auto refusal = [&](const engine_state& s) -> std::string {
    vector_sink sink;
    try {
      (void)engine::from_state(s, cal(), builtin_policies(), sink);
    } catch (const error& x) {
      return x.what();
    }
    return "accepted";
  };
  CHECK(refusal(good) == "accepted");
  engine_state s = good;
  s.names[1] = "";
  CHECK(refusal(s) == "not a valid snapshot: names[1]: the name is empty");
  s = good;
  s.names[1] = "五华区";
  CHECK(refusal(s) == "not a valid snapshot: names[1]: '五华区' is given twice");
  s = good;
  s.names[1] = std::string(201, 'x');
  CHECK(refusal(s) == "not a valid snapshot: names[1]: 201 bytes, more than 200");
  s = good;
  s.cases[0].district = 3;
  CHECK(refusal(s) == "not a valid snapshot: cases[0].district: name 3 is not among the 2 names");
  s = good;
  s.cases[0].clocks[2].unit = 7;
  CHECK(refusal(s) == "not a valid snapshot: cases[0].clocks[2].unit: name 7 is not among the 2 names");
}

TEST_CASE("units: [parties] problems are reported with their lines") {
  // Lines: 1 id, 2 version, 4 [parties], 5 utility, 6 empty, 7 number; 9 [[variant]], 11 overall,
  // 13 [[variant.step]] with party on 16 and an empty title on 17.
  const std::string text = R"(id = "p"
version = "1"

[parties]
utility = "供水企业"
empty = ""
number = 3

[[variant]]
name = "v"
overall = { limit = "4wd", counts = ["a"], party = "nobody" }

[[variant.step]]
name = "a"
limit = "2wd"
party = "ghost"
title = ""
)";
  INFO(fmt::format("{}", fmt::join(problems_of(text), " | ")));
  CHECK(problems_of(text) == std::vector<std::string>{
                                 "6: party 'empty' has an empty title",
                                 "7: parties.number must be a string, not an integer",
                                 "11: variant 'v': overall: party 'nobody' is not declared in [parties]",
                                 "13: step 'a': party 'ghost' is not declared in [parties]",
                                 "17: step 'a': an empty title",
                             });
  // Without [parties], any party name stands (its id is then what reports show).
  CHECK(problems_of(std::string(party_ids)) == std::vector<std::string>{"accepted"});
  // The shipped policy declares every party it names, with the titles a circular prints.
  const sla_policy& p = *builtin_policies().find("kunming-water-490");
  REQUIRE(p.find_party("traffic-police"));
  CHECK(p.find_party("traffic-police")->title == "交警部门");
  CHECK(p.find_party("natural-resources-planning")->title == "自然资源规划部门");
  CHECK(p.find_party("city-management")->title == "城市管理部门");
  CHECK(p.find_party("utility")->title == "供水企业");
  CHECK(p.find_variant("external")->overall.party == "utility");
  CHECK(p.find_variant("external")->steps[1].title == "规划审批");
  CHECK(p.find_variant("no-external")->steps[0].title == "报装勘查");
}

TEST_CASE("units: both JSON readers read district, units and unit alike, and refuse the same faults") {
  detail::command_reader reader;
  const auto both = [&](const std::string& line) {
    command fast, dom;
    std::string why_fast, why_dom;
    const bool ok_fast = reader.read(line, false, fast, why_fast);
    const bool ok_dom = detail::read_command_dom(line, dom, why_dom);
    INFO(line);
    CHECK(ok_fast == ok_dom);
    CHECK(why_fast == why_dom);
    CHECK(fast.district == dom.district);
    CHECK(fast.units == dom.units);
    CHECK(fast.unit == dom.unit);
    return std::make_pair(fast, ok_fast ? std::string("ok") : why_fast);
  };
  const std::string open = R"({"type":"open","case":"W","at":"2026-10-12T09:00","policy":"p","variant":"v",)";
  {
    const auto [c, why] = both(open + R"("district":"五华区","units":{"survey":"乙","overall":"甲"}})");
    CHECK(why == "ok");
    CHECK(c.district == "五华区");
    CHECK(c.units == unit_map{{"overall", "甲"}, {"survey", "乙"}});  // in step-name order
  }
  {
    const auto [c, why] = both(R"({"type":"start","case":"W","step":"survey","at":"2026-10-12T10:00","unit":"丙"})");
    CHECK(why == "ok");
    CHECK(c.unit == "丙");
  }
  // A start's units and an open's unit are not theirs to carry: ignored, as other fields are.
  CHECK(both(open + R"("unit":7})").second == "ok");
  const std::string long_name(201, 'x');
  const std::string at_most(200, 'x');
  CHECK(both(open + R"("district":")" + at_most + R"("})").second == "ok");
  CHECK(both(open + R"("district":")" + long_name + R"("})").second == "district is 201 bytes long (at most 200)");
  CHECK(both(open + R"("district":""})").second == "district is empty");
  CHECK(both(open + R"("district":5})").second == "district must be a string, not number");
  CHECK(both(open + R"("units":[]})").second == "units must be an object {step: unit name}, not array");
  // The fault of the first step in name order, whichever order the line gives them in.
  CHECK(both(open + R"("units":{"z":1,"b":"","a":"x"}})").second == "'units.b' is empty");
  CHECK(both(open + R"("units":{"z":1,"b":"y","a":[]}})").second == "'units.a' must be a string, not array");
  CHECK(both(open + R"("units":{"a\n":")" + long_name + R"("}})").second ==
        "'units.a\\n' is 201 bytes long (at most 200)");
  CHECK(both(open + R"("units":{"a":"x","a":"y"}})").second == "duplicate key 'units.a'");
  CHECK(both(open + R"("units":{},"units":{}})").second == "duplicate key 'units'");
  CHECK(both(R"({"type":"start","case":"W","step":"s","at":"2026-10-12T10:00","unit":""})").second == "unit is empty");
  CHECK(both(R"({"type":"start","case":"W","step":"s","at":"2026-10-12T10:00","unit":null})").second ==
        "unit must be a string, not null");
}

}  // namespace dueday
