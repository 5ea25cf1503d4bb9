#include <doctest/doctest.h>
#include <dueday/policy.hpp>  // first: proves the header stands alone

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

using namespace dueday;

namespace {

// A minimal valid policy; tests append or replace lines.
const std::string head = R"(id = "t"
version = "1"
[[alert]]
level = "red"
raises = "overdue"
after_due = "0wd"
)";

std::string variant(const std::string& overall, const std::string& steps) {
  return "[[variant]]\nname = \"v\"\noverall = " + overall + "\n" + steps;
}

const std::string two_steps = R"([[variant.step]]
name = "survey"
limit = "2wd"
[[variant.step]]
name = "connect"
limit = "3wd"
after = ["survey"]
)";

}  // namespace

TEST_CASE("policy: the shipped kunming-water-490 has both variants as the rules say") {
  const sla_policy* p = builtin_policies().find("kunming-water-490");
  REQUIRE(p);
  CHECK(p->version == "2020.3");
  REQUIRE(p->alerts.size() == 3);
  CHECK(p->alerts[0].level == "yellow");
  CHECK(p->alerts[0].from == alert_rule::anchor::remaining);
  CHECK(p->alerts[1].raises == alert_event::overdue);
  CHECK(p->alerts[2].amount == span_spec{1, span_spec::unit::working_days});
  const variant_policy* n = p->find_variant("no-external");
  REQUIRE(n);
  REQUIRE(n->steps.size() == 2);
  CHECK(n->steps[0].limit.amount == 2);
  CHECK(n->steps[1].limit.amount == 2);
  CHECK(n->overall.limit.amount == 4);
  const variant_policy* x = p->find_variant("external");
  REQUIRE(x);
  REQUIRE(x->steps.size() == 5);
  CHECK(x->steps[0].limit.amount == 4);
  for (int i = 1; i <= 3; ++i) {
    CHECK(x->steps[static_cast<std::size_t>(i)].limit.amount == 3);
    CHECK(x->steps[static_cast<std::size_t>(i)].after.empty());  // each department from its own start
  }
  CHECK(x->steps[4].name == "connect");
  CHECK(x->steps[4].limit.amount == 5);
  CHECK(x->steps[4].after ==
        std::vector<std::string>{"survey", "approval-planning", "approval-city-management", "approval-traffic-police"});
  CHECK(x->overall.limit.amount == 9);
  CHECK(x->overall.counts == std::vector<std::string>{"survey", "connect"});
  for (const auto& s : x->steps) CHECK(s.rule == counting_rule::civil);
  CHECK(validate(*p).empty());
}

TEST_CASE("policy: spans are <n>wd or <n>h") {
  CHECK(parse_span("2wd") == span_spec{2, span_spec::unit::working_days});
  CHECK(parse_span("14h") == span_spec{14, span_spec::unit::hours});
  CHECK_FALSE(parse_span("2"));
  CHECK_FALSE(parse_span("-1wd"));
  CHECK_FALSE(parse_span("+1wd"));
  CHECK_FALSE(parse_span("wd"));
  CHECK_FALSE(parse_span("2 wd"));
  CHECK(to_string(span_spec{5, span_spec::unit::hours}) == "5h");
}

TEST_CASE("policy: steps that add up to more than the overall limit are refused (the 5-vs-4 WD case)") {
  const std::string text = head + variant(R"({ limit = "4wd", counts = ["survey", "connect"] })", two_steps);
  CHECK_THROWS_WITH_AS((void)parse_policy(text, "p.toml"),
                       "p.toml:9: variant 'v': counted steps survey 2wd + connect 3wd exceed the overall limit 4wd",
                       policy_error);
  CHECK_NOTHROW(
      (void)parse_policy(head + variant(R"({ limit = "5wd", counts = ["survey", "connect"] })", two_steps), "p.toml"));
}

TEST_CASE("policy: every problem is reported at once, each with its line") {
  const std::string text = head + R"(
[[alert]]
level = "red"
raises = "panic"
remaining = "1wd"
after_due = "1wd"

[[variant]]
name = "v"
overall = { limit = "4wd", counts = ["survey", "ghost"] }
[[variant.step]]
name = "survey"
limit = "2days"
[[variant.step]]
name = "a"
limit = "1wd"
after = ["b"]
[[variant.step]]
name = "b"
limit = "14h"
after = ["a"]
colour = "blue"

[[scope]]
variant = "nope"
)";
  try {
    (void)parse_policy(text, "p.toml");
    FAIL("no error");
  } catch (const policy_error& e) {
    std::string all;
    for (const auto& p : e.problems()) all += std::to_string(p.line) + ": " + p.message + "\n";
    CHECK(all ==
          "8: alert 'red' needs exactly one of remaining, after_due, elapsed_share\n"
          "8: alert level 'red' twice\n"
          "10: raises 'panic' is unknown (expected warning, overdue or escalation)\n"
          "14: variant 'v': the steps' `after` lists form a cycle\n"
          "16: variant 'v': the overall clock counts unknown step 'ghost'\n"
          "19: limit '2days' is not a span (expected \"<n>wd\" or \"<n>h\")\n"
          "24: step 'b': a limit in hours needs rule = \"hours\" (the civil rule counts whole working days)\n"
          "28: unknown field 'colour' in [[variant.step]] (expected name, title, limit, rule, after, start, "
          "pausable, party)\n"
          "30: scope rule names unknown variant 'nope'\n");
    CHECK(std::string(e.what()).starts_with("p.toml:8: alert 'red' needs exactly one of"));
    CHECK(std::string(e.what()).find('\n') == std::string::npos);  // one line
  }
}

TEST_CASE("policy: counted steps that may run at once are refused") {
  const std::string steps = R"([[variant.step]]
name = "a"
limit = "1wd"
[[variant.step]]
name = "b"
limit = "1wd"
)";
  CHECK_THROWS_WITH_AS((void)parse_policy(head + variant(R"({ limit = "4wd", counts = ["a", "b"] })", steps), "p"),
                       "p:9: variant 'v': counted steps 'a' and 'b' may run at the same time (make one `after` "
                       "the other)",
                       policy_error);
}

TEST_CASE("policy: a TOML syntax error names its line") {
  CHECK_THROWS_WITH_AS((void)parse_policy("id = \"t\"\nversion = \n", "p.toml"), doctest::Contains("p.toml:2: "),
                       policy_error);
  CHECK_THROWS_AS((void)load_policy("/nonexistent/policy.toml"), parse_error);
  // A directory read as a file once gave "the policy has no id; ... no version; ... no [[variant]]".
  CHECK_THROWS_WITH_AS((void)load_policy(DUEDAY_TEST_DATA "/replay"), DUEDAY_TEST_DATA "/replay: is a directory",
                       parse_error);
}

TEST_CASE("policy: hostile TOML is refused in one line before the parser sees it") {
  std::string deep = "a";
  for (int i = 0; i < 40000; ++i) deep += ".a";
  CHECK_THROWS_WITH_AS((void)parse_policy(head + deep + " = 1\n", "p.toml"),
                       "p.toml:7: the line is 80005 bytes long (at most 4096)", policy_error);
  CHECK_THROWS_WITH_AS((void)parse_policy(head + deep.substr(0, 201) + " = 1\n", "p.toml"),
                       "p.toml:7: a dotted key of more than 32 parts", policy_error);
  CHECK_THROWS_WITH_AS((void)parse_policy("id = \"t\"、\n", "p.toml"),
                       "p.toml:1: unexpected '、' (U+3001) after a value", policy_error);
  CHECK_THROWS_WITH_AS(
      (void)parse_policy(head + "[[variant]]\nname = \"v\"\noverall = { limit = \"4wd\"〔 }\n", "p.toml"),
      "p.toml:9: unexpected '〔' (U+3014) after a value", policy_error);
}

TEST_CASE("policy: scope rules are tried in order, first match wins") {
  const sla_policy& p = *builtin_policies().find("kunming-water-490");
  CHECK(p.classify(works{100, 0, {}}).variant->name == "no-external");  // no pipe: any meter
  CHECK(p.classify(works{49, 200, {}}).variant->name == "external");
  CHECK_FALSE(p.classify(works{49, 200.5, {}}).variant);
  CHECK(p.classify(works{25, 10, {"rail", "river"}}).reason == "works cross rail, river");
}

TEST_CASE("policy: a set refuses two policies with one id") {
  const sla_policy p =
      parse_policy(head + variant(R"({ limit = "5wd", counts = ["survey", "connect"] })", two_steps), "a.toml");
  sla_policy q = p;
  q.source = "b.toml";
  CHECK_THROWS_WITH_AS(policy_set({p, q}), "b.toml: policy 't' is already given by a.toml", dueday::error);
  const policy_set set({p});
  CHECK(set.find("t"));
  CHECK_FALSE(set.find("u"));
}

namespace {

// A variant "v" of n steps s0..s{n-1} in a chain (each after the one before), counting s0 and
// s{n-1} against an overall 2wd.
std::string chain(std::size_t n) {
  std::string text = variant("{ limit = \"2wd\", counts = [\"s0\", \"s" + std::to_string(n - 1) + "\"] }", "");
  for (std::size_t i = 0; i < n; ++i) {
    text += "[[variant.step]]\nname = \"s" + std::to_string(i) + "\"\nlimit = \"1wd\"\n";
    if (i > 0) text += "after = [\"s" + std::to_string(i - 1) + "\"]\n";
  }
  return text;
}

// A policy built in C++, as a host might: one variant "v" (line 3) of n steps s0..s{n-1} (step i
// on line 5 + i, after no step), its overall clock (line 4) counting `counts` against overall_wd.
sla_policy built(std::size_t n, std::vector<std::string> counts, std::int32_t overall_wd) {
  sla_policy p;
  p.id = "built";
  p.version = "1";
  p.source = "built";
  variant_policy v;
  v.name = "v";
  v.line = 3;
  v.overall = overall_policy{
      span_spec{overall_wd, span_spec::unit::working_days}, counting_rule::civil, std::move(counts), 4, {}};
  v.steps.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    v.steps[i].name = "s" + std::to_string(i);
    v.steps[i].limit = span_spec{1, span_spec::unit::working_days};
    v.steps[i].line = static_cast<int>(5 + i);
  }
  p.variants.push_back(std::move(v));
  return p;
}

std::vector<std::string> messages(const std::vector<policy_problem>& problems) {
  std::vector<std::string> out;
  out.reserve(problems.size());
  for (const auto& p : problems) out.push_back(std::to_string(p.line) + ": " + p.message);
  return out;
}

}  // namespace

TEST_CASE("policy: a variant over max_steps_per_variant is refused at its line (the engine's 8-bit indexes)") {
  static_assert(max_steps_per_variant == 64);
  // head is 6 lines: [[variant]] is line 7.
  CHECK_THROWS_WITH_AS((void)parse_policy(head + chain(256), "p.toml"),
                       "p.toml:7: variant 'v' has 256 steps, more than the 64 allowed", policy_error);
  CHECK_THROWS_WITH_AS((void)parse_policy(head + chain(300), "p.toml"),
                       "p.toml:7: variant 'v' has 300 steps, more than the 64 allowed", policy_error);
  CHECK_THROWS_WITH_AS((void)parse_policy(head + chain(65), "p.toml"),
                       "p.toml:7: variant 'v' has 65 steps, more than the 64 allowed", policy_error);
  // Exactly 64: s0 and s63 are counted, connected only through the 62 steps between them.
  const sla_policy p = parse_policy(head + chain(64), "p.toml");
  CHECK(p.variants.at(0).steps.size() == 64);
}

TEST_CASE("policy: validate() reports the cap on huge chains without deep recursion or quadratic work") {
  // 10,000 steps, each after the one before.
  sla_policy p = built(10'000, {"s0"}, 1);
  for (std::size_t i = 1; i < 10'000; ++i) p.variants[0].steps[i].after = {"s" + std::to_string(i - 1)};
  CHECK(messages(validate(p)) == std::vector<std::string>{"3: variant 'v' has 10000 steps, more than the 64 allowed"});
  // 100,000 steps in reverse: step i after step i+1 (a recursive walk from s0 overflowed the stack).
  sla_policy q = built(100'000, {"s0"}, 1);
  for (std::size_t i = 0; i + 1 < 100'000; ++i) q.variants[0].steps[i].after = {"s" + std::to_string(i + 1)};
  CHECK(messages(validate(q)) == std::vector<std::string>{"3: variant 'v' has 100000 steps, more than the 64 allowed"});
  // Over the cap, per-step checks still run.
  q.variants[0].steps[7].after.emplace_back("ghost");
  CHECK(messages(validate(q)) == std::vector<std::string>{"3: variant 'v' has 100000 steps, more than the 64 allowed",
                                                          "12: step 's7' is after unknown step 'ghost'"});
}

TEST_CASE("policy: under the cap, counted steps joined only through a long chain are in order") {
  // 64 steps in reverse (step i after step i+1): s63 runs first, s0 last, 62 steps between.
  sla_policy p = built(64, {"s0", "s63"}, 2);
  for (std::size_t i = 0; i + 1 < 64; ++i) p.variants[0].steps[i].after = {"s" + std::to_string(i + 1)};
  CHECK(validate(p).empty());
  // Cut the chain in the middle: s0..s31 no longer wait on s32..s63.
  p.variants[0].steps[31].after.clear();
  CHECK(messages(validate(p)) ==
        std::vector<std::string>{"4: variant 'v': counted steps 's0' and 's63' may run at the same time (make one "
                                 "`after` the other)"});
}

TEST_CASE("policy: under the cap, counted steps on parallel branches may run at the same time") {
  // s0, then two branches of 31 steps each: s1..s31 and s32..s62; s63 after the ends of both.
  sla_policy p = built(64, {"s0", "s31", "s62", "s63"}, 4);
  auto& steps = p.variants[0].steps;
  for (std::size_t i = 1; i < 63; ++i) steps[i].after = {"s" + std::to_string(i == 32 ? 0 : i - 1)};
  steps[63].after = {"s31", "s62"};
  CHECK(messages(validate(p)) ==
        std::vector<std::string>{"4: variant 'v': counted steps 's31' and 's62' may run at the same time (make one "
                                 "`after` the other)"});
}

TEST_CASE("policy: under the cap, a cycle is still reported (and hides the concurrency check)") {
  sla_policy p = built(64, {"s0", "s63"}, 2);
  for (std::size_t i = 1; i < 64; ++i) p.variants[0].steps[i].after = {"s" + std::to_string(i - 1)};
  p.variants[0].steps[0].after = {"s63"};
  CHECK(messages(validate(p)) == std::vector<std::string>{"3: variant 'v': the steps' `after` lists form a cycle"});
  // A step after itself is a cycle too.
  p.variants[0].steps[0].after = {"s0"};
  CHECK(messages(validate(p)) == std::vector<std::string>{"3: variant 'v': the steps' `after` lists form a cycle"});
}

TEST_CASE("policy: more than max_alert_levels alert levels are refused (raised levels are bits of a byte)") {
  static_assert(max_alert_levels == 8);
  std::string alerts;  // head has "red" on lines 3-6; each of these takes 4 lines from line 7
  for (int i = 2; i <= 9; ++i) alerts += "[[alert]]\nlevel = \"l" + std::to_string(i) + "\"\nremaining = \"1wd\"\n\n";
  const std::string steps = variant(R"({ limit = "5wd", counts = ["survey", "connect"] })", two_steps);
  // The ninth level starts on line 7 + 7 x 4.
  CHECK_THROWS_WITH_AS((void)parse_policy(head + alerts + steps, "p.toml"), "p.toml:35: more than 8 alert levels",
                       policy_error);
  const std::string eight = alerts.substr(0, alerts.find("[[alert]]\nlevel = \"l9\""));
  CHECK(parse_policy(head + eight + steps, "p.toml").alerts.size() == 8);
}

TEST_CASE("policy: a set validates every policy it is given") {
  sla_policy p = built(2, {"s0", "s1"}, 2);  // s0 and s1 both counted, neither after the other
  p.source = "host";
  CHECK_THROWS_WITH_AS(policy_set({p}),
                       "host:4: variant 'v': counted steps 's0' and 's1' may run at the same time (make one `after` "
                       "the other)",
                       policy_error);
  p.variants[0].steps[1].after = {"s0"};
  p.version.clear();
  CHECK_THROWS_WITH_AS(policy_set({p}), "host: the policy has no version", policy_error);
  p.version = "1";
  const policy_set set({p});
  CHECK(set.find("built"));
}

TEST_CASE("policy: scope values out of range are refused, not narrowed or compared with NaN") {
  const std::string ok = head + variant(R"({ limit = "5wd", counts = ["survey", "connect"] })", two_steps);
  const auto scope = [&](const std::string& fields) {
    return parse_policy(ok + "[[scope]]\nvariant = \"v\"\n" + fields + "\n", "p.toml");  // fields from line 19
  };
  // 4294967346 was cast to 32 bits: DN50.
  CHECK_THROWS_WITH_AS((void)scope("meter_dn_below = 4294967346"),
                       "p.toml:19: meter_dn_below 4294967346 is out of range (1 to 2147483647)", policy_error);
  CHECK_THROWS_WITH_AS((void)scope("meter_dn_below = 0"),
                       "p.toml:19: meter_dn_below 0 is out of range (1 to 2147483647)", policy_error);
  CHECK_THROWS_WITH_AS((void)scope("meter_dn_below = -50"),
                       "p.toml:19: meter_dn_below -50 is out of range (1 to 2147483647)", policy_error);
  CHECK_THROWS_WITH_AS((void)scope("pipe_m_max = nan"),
                       "p.toml:19: pipe_m_max nan is not a length in metres (0 or more)", policy_error);
  CHECK_THROWS_WITH_AS((void)scope("pipe_m_max = -1.5"),
                       "p.toml:19: pipe_m_max -1.5 is not a length in metres (0 or more)", policy_error);
  CHECK_THROWS_WITH_AS((void)scope("pipe_m_max = inf"),
                       "p.toml:19: pipe_m_max inf is not a length in metres (0 or more)", policy_error);
  CHECK(scope("meter_dn_below = 2147483647\npipe_m_max = 0").scope.at(0).meter_dn_below == 2147483647);
  // Built in C++, the same values are refused by validate() (policy_set runs it).
  sla_policy p = scope("meter_dn_below = 50");
  p.scope[0].meter_dn_below = 0;
  p.scope[0].pipe_m_max = std::numeric_limits<double>::quiet_NaN();
  CHECK(messages(validate(p)) == std::vector<std::string>{"17: scope rule: meter_dn_below 0 is not positive",
                                                          "17: scope rule: pipe_m_max nan is not a length in metres "
                                                          "(0 or more)"});
}

TEST_CASE("policy: NaN and spans longer than 100 years are refused wherever a number is read") {
  const std::string two = variant(R"({ limit = "5wd", counts = ["survey", "connect"] })", two_steps);
  const std::string alert = "[[alert]]\nlevel = \"yellow\"\n";  // lines 7 and 8
  CHECK_THROWS_WITH_AS((void)parse_policy(head + alert + "elapsed_share = nan\n" + two, "p.toml"),
                       "p.toml:7: alert 'yellow': elapsed_share must be in (0, 1]", policy_error);
  CHECK_THROWS_WITH_AS((void)parse_policy(head + alert + "remaining = \"2000000000wd\"\n" + two, "p.toml"),
                       "p.toml:7: alert 'yellow': 2000000000wd is longer than 36500wd (100 years)", policy_error);
  CHECK_THROWS_WITH_AS(
      (void)parse_policy(head + variant(R"({ limit = "36501wd", counts = ["survey", "connect"] })", two_steps),
                         "p.toml"),
      "p.toml:9: variant 'v': overall: limit 36501wd is longer than 36500wd (100 years)", policy_error);
  CHECK_THROWS_WITH_AS((void)parse_policy(head + variant(R"({ limit = "5wd", counts = ["survey"] })",
                                                         "[[variant.step]]\nname = \"survey\"\nlimit = \"876001h\"\n"
                                                         "rule = \"hours\"\n"),
                                          "p.toml"),
                       doctest::Contains("p.toml:10: step 'survey': limit 876001h is longer than 876000h (100 years)"),
                       policy_error);
  CHECK_NOTHROW((void)parse_policy(
      head + variant(R"({ limit = "36500wd", counts = ["survey", "connect"] })", two_steps), "p.toml"));
}
