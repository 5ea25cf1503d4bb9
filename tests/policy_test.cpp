#include <doctest/doctest.h>
#include <dueday/policy.hpp>  // first: proves the header stands alone

#include <string>

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
  CHECK(p->version == "2020.1");
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
    CHECK(x->steps[static_cast<std::size_t>(i)].after == std::vector<std::string>{"survey"});
  }
  CHECK(x->steps[4].name == "connect");
  CHECK(x->steps[4].limit.amount == 5);
  CHECK(x->steps[4].after.size() == 3);
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
          "28: unknown field 'colour' in [[variant.step]] (expected name, limit, rule, after, start, pausable, "
          "party)\n"
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
