#include <dueday/error.hpp>  // first, alone: proves the header stands on its own

#include <doctest/doctest.h>

#include <fmt/format.h>
#include <dueday/calendar.hpp>
#include <dueday/engine.hpp>
#include <dueday/engine_state.hpp>
#include <dueday/io.hpp>
#include <dueday/policy.hpp>

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support.hpp"

using dueday::escape;
using dueday::quote;

namespace {

using namespace std::string_literals;

// What every message must be: one line, fit for a terminal and a log. No byte below 0x20, no DEL,
// no C1 control (as UTF-8, C2 80..C2 9F), no U+2028 / U+2029 (E2 80 A8/A9), well-formed UTF-8
// judged by a second, simpler decoder than the library's, and at most `max_bytes` long.
bool one_bounded_line(std::string_view m, std::size_t max_bytes) {
  if (m.size() > max_bytes) return false;
  for (std::size_t i = 0; i < m.size();) {
    const auto c = static_cast<unsigned char>(m[i]);
    if (c < 0x20 || c == 0x7F) return false;
    std::size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (n == 0 || i + n > m.size()) return false;
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(m[i + k]) & 0xC0) != 0x80) return false;
    if (n == 2 && c == 0xC2 && static_cast<unsigned char>(m[i + 1]) < 0xA0) return false;
    if (n == 3 && m.substr(i, 2) == "\xE2\x80" &&
        (m[i + 2] == '\xA8' || m[i + 2] == '\xA9' || m[i + 2] == '\x8E' || m[i + 2] == '\x8F'))
      return false;
    i += n;
  }
  return true;
}

}  // namespace

TEST_CASE("quote: plain text is only put between quotes") {
  CHECK(quote("W-001") == "'W-001'");
  CHECK(quote("") == "''");
  CHECK(quote("国庆节") == "'国庆节'");
  CHECK(quote("it's a \\ back") == "'it's a \\ back'");  // quotes and backslashes as they are
  CHECK(escape("holidays/cn/2026.toml") == "holidays/cn/2026.toml");
}

TEST_CASE("quote: control characters, stray bytes and bidi controls are escaped") {
  CHECK(quote("a\nb") == "'a\\nb'");
  CHECK(quote("a\r\nb\tc") == "'a\\r\\nb\\tc'");
  CHECK(quote("\x1b[2J\x1b]0;pwned\x07") == "'\\u001b[2J\\u001b]0;pwned\\u0007'");
  CHECK(quote("a\0b"s) == "'a\\u0000b'");
  CHECK(quote("\x7f") == "'\\u007f'");
  CHECK(quote("\xC2\x9Bm") == "'\\u009bm'");                           // C1 CSI as UTF-8
  CHECK(quote("x\xE2\x80\xA8y\xE2\x80\xA9") == "'x\\u2028y\\u2029'");  // line, paragraph separators
  CHECK(quote("\xE2\x80\xAEzyx") == "'\\u202ezyx'");                   // right-to-left override
  CHECK(quote("\xE2\x81\xA6x\xE2\x81\xA9") == "'\\u2066x\\u2069'");
  CHECK(quote("\xB9\xFA") == "'\\xb9\\xfa'");                    // GBK, not UTF-8
  CHECK(quote("\xC0\xAF") == "'\\xc0\\xaf'");                    // overlong '/'
  CHECK(quote("\xED\xA0\x80") == "'\\xed\\xa0\\x80'");           // a surrogate
  CHECK(quote("\xF4\x90\x80\x80") == "'\\xf4\\x90\\x80\\x80'");  // past U+10FFFF
  CHECK(quote("\xE5\x9B") == "'\\xe5\\x9b'");                    // cut short
  CHECK(quote("\xF0\x9F\x98\x80") == "'\xF0\x9F\x98\x80'");      // U+1F600 stays
  CHECK(escape("a\nb.toml") == "a\\nb.toml");
}

TEST_CASE("quote: escaping escaped text changes nothing") {
  for (const std::string& s : {"a\nb"s, "\x1b[0m"s, "\xff\xfe"s, "x\0y"s, std::string(200, 'x')}) {
    const std::string once = escape(s, 1000);
    CHECK(escape(once, 1000) == once);
  }
}

TEST_CASE("quote: long text is cut with an ellipsis and its length in bytes") {
  const std::string big(3145728, 'x');
  const std::string q = quote(big);
  CHECK(q == "'" + std::string(80, 'x') + "\u2026' (3145728 bytes)");
  CHECK(escape(big, 10) == "xxxxxxxxxx\u2026 (3145728 bytes)");
  CHECK(quote(std::string(80, 'x')) == "'" + std::string(80, 'x') + "'");  // exactly max: whole
  CHECK(quote("abc", 0) == "'\u2026' (3 bytes)");
  // An escape is never split: "\n" would need 2 characters where 1 is left.
  CHECK(quote("abcd\n", 5) == "'abcd\u2026' (5 bytes)");
  // Characters, not bytes: 80 Chinese characters fit in 80.
  std::string han;
  for (int i = 0; i < 81; ++i) han += "节";
  CHECK(quote(han) == "'" + han.substr(0, 240) + "\u2026' (243 bytes)");
}

TEST_CASE("quote: whatever the input, one line of bounded length") {
  std::string every_byte;
  for (int c = 0; c < 256; ++c) every_byte += static_cast<char>(c);
  const std::string hostile[] = {"a\nb"s,
                                 "a\r\nb"s,
                                 "\x1b[31mred\x1b[0m"s,
                                 "nul\0nul"s,
                                 every_byte,
                                 every_byte + every_byte,
                                 std::string(3145728, '\n'),
                                 std::string(3145728, '\xff'),
                                 std::string(3145728, 'x')};
  for (const auto& s : hostile) {
    CAPTURE(s.size());
    CHECK(one_bounded_line(quote(s), 4 * 80 + 34));
    CHECK(one_bounded_line(escape(s, 20), 4 * 20 + 34));
  }
}

TEST_CASE("parse_error: the source is escaped in what(), kept as given in source()") {
  const dueday::parse_error e("dir\n/2026\x1b.toml", 3, "bad");
  CHECK(std::string(e.what()) == "dir\\n/2026\\u001b.toml:3: bad");
  CHECK(e.source() == "dir\n/2026\x1b.toml");
  CHECK(std::string(dueday::parse_error("holidays/cn/2026.toml", 0, "cannot open file").what()) ==
        "holidays/cn/2026.toml: cannot open file");
}

// --- every place that echoes outside text ------------------------------------------------------

namespace {

// A case id, key, value or line as a hostile party would send it.
std::vector<std::string> hostile_texts() {
  return {"W-1\nforged: line",      "W-1\rover", "\x1b[2J\x1b]0;title\x07", "W\0-1"s, "\xff\xfe bad UTF-8",
          std::string(3145728, 'x')};
}

// The text as a TOML basic string (between the quotes).
std::string toml_escaped(std::string_view s) {
  std::string out;
  for (const char c : s) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '"' || c == '\\') {
      out += '\\', out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04X}", static_cast<unsigned char>(c));
    } else {
      out += c;
    }
  }
  return out;
}

constexpr std::size_t message_bound = 1000;  // a message that echoes a few cut texts

// Runs f, which must throw a dueday::error; returns its message.
template <class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const dueday::error& e) {
    return e.what();
  }
  FAIL("nothing was thrown");
  return {};
}

const std::string notice_head = "year = 2026\nnotice = \"N1\"\ntitle = \"T\"\npublished = 2025-11-04\n";
const std::string policy_text = R"(id = "t"
version = "1"
[[alert]]
level = "red"
raises = "overdue"
after_due = "0wd"
[[variant]]
name = "v"
overall = { limit = "4wd", counts = ["survey"] }
[[variant.step]]
name = "survey"
limit = "2wd"
)";

}  // namespace

TEST_CASE("hostile text: date and date-time errors are one bounded line") {
  for (const auto& h : hostile_texts()) {
    for (const std::string& text : {h, "2026-09-28T10:00" + h, "2026-09-28" + h}) {
      CAPTURE(text.size());
      const auto m1 = message_of([&] { (void)dueday::parse_instant(text); });
      CHECK(one_bounded_line(m1, message_bound));
      CHECK(m1.starts_with("bad date-time '"));
      const auto m2 = message_of([&] { (void)dueday::parse_civil_day(text); });
      CHECK(one_bounded_line(m2, message_bound));
    }
  }
}

TEST_CASE("hostile text: a notice file's keys, names and bad bytes are one bounded line") {
  for (const auto& h : hostile_texts()) {
    CAPTURE(h.size());
    const std::string key = "\"" + toml_escaped(h) + "\"";
    const std::string texts[] = {
        notice_head + key + " = 1\n[[holiday]]\nname = \"A\"\noff = [2026-10-01]\n",  // unknown field
        notice_head + "[[holiday]]\nname = \"A\"\noff = [2026-10-01]\n" + key + " = 1\n",
        notice_head + "[[holiday]]\nname = " + key + "\n",                            // a name that lists no dates
        notice_head + "[[holiday]]\nname = \"" + h + "\x1b\"\noff = [2026-10-01]\n",  // raw: bad TOML
        notice_head + h + "\x1b = 1\n",
    };
    for (const auto& text : texts) {
      const auto m = message_of([&] { (void)dueday::parse_notice(text, "t.toml"); });
      CHECK(one_bounded_line(m, message_bound));
      CHECK(m.starts_with("t.toml:"));
    }
  }
  CHECK(message_of([&] { (void)dueday::parse_notice(notice_head + "\"a\\nb\" = 1\n", "t.toml"); }) ==
        "t.toml:5: unknown field 'a\\nb' (expected year, notice, title, published, amends, region, holiday)");
}

TEST_CASE("hostile text: a policy file's keys and values are one bounded line") {
  const auto replace = [](std::string text, std::string_view from, const std::string& to) {
    return text.replace(text.find(from), from.size(), to);
  };
  for (const auto& h : hostile_texts()) {
    CAPTURE(h.size());
    const std::string q = "\"" + toml_escaped(h) + "\"";
    // The text, and what the reader's message about it says.
    const std::pair<std::string, std::string_view> cases[] = {
        {q + " = 1\n" + policy_text, "unknown field"},
        {replace(policy_text, "after_due = \"0wd\"", "after_due = \"0wd\"\n" + q + " = 1"), "in [[alert]]"},
        {replace(policy_text, "limit = \"2wd\"", "limit = " + q), "is not a span"},
        {replace(policy_text, "limit = \"2wd\"", "limit = \"2wd\"\nrule = " + q),
         "is unknown (expected civil or hours)"},
        {replace(policy_text, "raises = \"overdue\"", "raises = " + q), "is unknown (expected warning, overdue"},
        {replace(policy_text, "name = \"v\"\noverall = { limit = \"4wd\", counts = [\"survey\"] }", "name = " + q),
         "has no overall clock"},
        {replace(policy_text, "level = \"red\"\nraises = \"overdue\"\nafter_due = \"0wd\"",
                 "level = " + q + "\nraises = \"overdue\""),
         "needs exactly one of"},
        {replace(policy_text, "name = \"survey\"\nlimit = \"2wd\"", "name = " + q), "has no limit"},
        {"id = \"t\"\n" + h + "\x1b = 1\n", ""},  // raw: bad TOML
    };
    // Bytes that are not UTF-8 are refused by the TOML parser first, and a line longer than the
    // pre-scan allows (4096 bytes) before the parser sees it; their own messages are checked then.
    const bool utf8 = h.find('\xff') == std::string::npos;
    const bool fits = h.size() < 1000;
    for (const auto& [text, message] : cases) {
      const std::string_view says = utf8 && fits ? message : "";
      CAPTURE(says);
      try {
        (void)dueday::parse_policy(text, "p.toml");
        FAIL("accepted");
      } catch (const dueday::policy_error& e) {
        // The reader's own problem among them; validate() reports others, on names it escapes.
        const auto& all = e.problems();
        CHECK(std::any_of(all.begin(), all.end(),
                          [&](const dueday::policy_problem& p) { return p.message.find(says) != std::string::npos; }));
        CHECK(std::all_of(all.begin(), all.end(),
                          [&](const dueday::policy_problem& p) { return one_bounded_line(p.message, message_bound); }));
      }
    }
  }
}

TEST_CASE("hostile text: the engine's reasons that echo a command's ids are one bounded line") {
  using dueday::reject_code;
  using dueday::test::at;
  using dueday::test::cal;
  constexpr const char* policy = "kunming-water-490";
  for (const auto& h : hostile_texts()) {
    CAPTURE(h.size());
    dueday::vector_sink out;
    dueday::engine e(cal(), dueday::builtin_policies(), out);
    const auto check = [](const dueday::outcome& o, reject_code code) {
      CHECK(o.code == code);
      CHECK(one_bounded_line(o.reason, message_bound));
    };
    check(e.start(h, "survey", at("2026-10-12T09:00")), reject_code::unknown_case);
    check(e.open("W-1", at("2026-10-12T09:00"), h, "no-external"), reject_code::unknown_policy);
    check(e.open("W-1", at("2026-10-12T09:00"), policy, h), reject_code::unknown_variant);
    REQUIRE(e.open(h, at("2026-10-12T09:00"), policy, "no-external").accepted());
    check(e.open(h, at("2026-10-12T09:30"), policy, "external"), reject_code::case_exists);
    check(e.start(h, h, at("2026-10-12T09:30")), reject_code::unknown_step);
    REQUIRE(e.cancel(h, at("2026-10-12T10:00")).accepted());
    check(e.start(h, "survey", at("2026-10-12T10:30")), reject_code::case_closed);
    REQUIRE(e.retire(at("2026-10-12T10:30")) == 1);
    check(e.start(h, "survey", at("2026-10-12T09:45")), reject_code::retired);  // before the retirement
  }
  dueday::vector_sink out;
  dueday::engine e(cal(), dueday::builtin_policies(), out);
  CHECK(e.start("a\nb", "survey", at("2026-10-12T09:00")).reason == "unknown case 'a\\nb'");
}

TEST_CASE("hostile text: a case named in a refused calendar replacement is one bounded line") {
  using dueday::test::at;
  dueday::calendar_options one_year;
  one_year.projection_years = 1;  // to 2027-12-31
  const dueday::calendar shorter(dueday::builtin_notices(), one_year);
  for (const auto& h : hostile_texts()) {
    CAPTURE(h.size());
    dueday::vector_sink out;
    dueday::engine e(dueday::test::cal(), dueday::builtin_policies(), out);
    REQUIRE(e.open(h, at("2027-12-27T09:00"), "kunming-water-490", "external").accepted());
    REQUIRE(e.start(h, "survey", at("2027-12-28T10:00")).accepted());  // 4 WD: into 2028
    const auto o = e.replace_calendar(shorter, at("2027-12-28T11:00"));
    CHECK(o.code == dueday::reject_code::past_calendar);
    CHECK(one_bounded_line(o.reason, message_bound));
  }
}

// --- names from a policy, a notice or a state, echoed by validation ------------------------------

namespace {

// A name as a policy, notice or state may carry it, and how a message shows it.
const std::string hostile_name = "s\n\x1b[31m";
const std::string shown_name = "s\\n\\u001b[31m";

}  // namespace

TEST_CASE("hostile text: validate() names variants, steps and alert levels escaped, each problem one line") {
  using dueday::span_spec;
  const span_spec wd2{2, span_spec::unit::working_days};
  dueday::sla_policy p;
  p.id = "t";
  p.version = "1";
  dueday::alert_rule a;
  a.level = hostile_name;
  a.from = dueday::alert_rule::anchor::elapsed_share;
  a.share = 2;
  a.line = 3;
  p.alerts = {a, a};
  p.alerts[1].line = 4;
  dueday::variant_policy v;
  v.name = hostile_name;
  v.line = 5;
  dueday::step_policy s;
  s.name = hostile_name;
  s.limit = wd2;
  s.after = {hostile_name + "x"};
  s.line = 6;
  v.steps = {s, s};
  v.steps[1].after.clear();
  v.steps[1].start = dueday::start_trigger::join;
  v.steps[1].line = 7;
  v.overall = {span_spec{1, span_spec::unit::working_days}, dueday::counting_rule::civil, {hostile_name, "y\r"}, 8, {}};
  p.variants = {v, v};
  dueday::scope_rule r;
  r.variant = "z\x1b";
  r.line = 9;
  p.scope = {r};
  std::vector<std::string> got;
  for (const auto& problem : dueday::validate(p)) {
    CHECK(one_bounded_line(problem.message, message_bound));
    got.push_back(std::to_string(problem.line) + ": " + problem.message);
  }
  const std::string q = "'" + shown_name + "'";
  const std::string all_expected[] = {
      "3: alert " + q + ": elapsed_share must be in (0, 1]",
      "4: alert level " + q + " twice",
      "5: variant " + q + " twice",
      "6: step " + q + " is after unknown step '" + shown_name + "x'",
      "7: variant " + q + ": step " + q + " twice",
      "7: step " + q + " starts on a join but is after no step",
      "8: variant " + q + ": the overall clock counts unknown step 'y\\r'",
      "8: variant " + q + ": counted steps " + shown_name + " 2wd exceed the overall limit 1wd",
      "9: scope rule names unknown variant 'z\\u001b'"s,
  };
  for (const std::string& expected : all_expected) {
    CAPTURE(expected);
    CHECK(std::find(got.begin(), got.end(), expected) != got.end());
  }
  // Whatever the name, each problem stays one bounded line.
  for (const auto& h : hostile_texts()) {
    CAPTURE(h.size());
    dueday::sla_policy hp = p;
    hp.alerts[0].level = hp.alerts[1].level = hp.variants[0].name = hp.variants[1].name = h;
    for (auto& hv : hp.variants) {
      hv.steps[0].name = hv.steps[1].name = hv.overall.counts[0] = h;
      hv.steps[0].after = {h + "x"};
    }
    for (const auto& problem : dueday::validate(hp)) {
      CAPTURE(problem.line);
      CHECK(one_bounded_line(problem.message, message_bound));
    }
  }
}

TEST_CASE("hostile text: a policy set refusing a repeated id names the id and both files escaped") {
  dueday::sla_policy p = dueday::parse_policy(policy_text, "a\n.toml");
  p.id = hostile_name;
  dueday::sla_policy q = p;
  q.source = "b\x1b.toml";
  CHECK_THROWS_WITH_AS(dueday::policy_set({p, q}),
                       ("b\\u001b.toml: policy '" + shown_name + "' is already given by a\\n.toml").c_str(),
                       dueday::error);
}

TEST_CASE("hostile text: an out-of-scope reason names the works' crossings escaped") {
  const dueday::sla_policy& p = *dueday::builtin_policies().find("kunming-water-490");
  CHECK(p.classify(dueday::works{25, 10, {"rail", hostile_name}}).reason == "works cross rail, " + shown_name);
  CHECK(one_bounded_line(p.classify(dueday::works{25, 10, {std::string(3145728, '\n')}}).reason, message_bound));
}

TEST_CASE("hostile text: a notice's amends, number, holiday names and file are escaped in the calendar's refusals") {
  const auto notice = [](const std::string& fields, const std::string& holiday, const std::string& day,
                         const std::string& source) {
    return dueday::parse_notice("year = 2026\ntitle = \"T\"\npublished = 2025-11-04\n" + fields +
                                    "[[holiday]]\nname = \"" + holiday + "\"\noff = [" + day + "]\n",
                                source);
  };
  const std::string n1 = "notice = \"N\\n\\u001b[31m\"\n";  // TOML escapes: the number holds "N\n\x1b[31m"
  const std::string shown_n1 = "N\\n\\u001b[31m";
  const auto first = notice(n1, "A\\u001b", "2026-10-01", "a\n.toml");
  // An amends that names no earlier notice.
  CHECK_THROWS_WITH_AS(
      dueday::calendar({first, notice("notice = \"N2\"\namends = \"N9\\n\\u001b[2J\"\n", "B", "2026-10-02", "b.toml")}),
      "b.toml:5: amends 'N9\\n\\u001b[2J', which is no earlier notice", dueday::parse_error);
  // A day set twice without amends: the earlier notice's number and file.
  CHECK_THROWS_WITH_AS(dueday::calendar({first, notice("notice = \"N2\"\n", "B", "2026-10-01", "b.toml")}),
                       ("b.toml:7: 2026-10-01 is already set by " + shown_n1 +
                        " (a\\n.toml:7); a notice that changes it must say amends = \"" + shown_n1 + "\"")
                           .c_str(),
                       dueday::parse_error);
  // A holiday arranged again by a second notice for the year.
  CHECK_THROWS_WITH_AS(dueday::calendar({first, notice("notice = \"N2\"\n", "A\\u001b", "2026-10-02", "b.toml")}),
                       ("b.toml:7: a second notice for 2026 arranges A\\u001b too (as " + shown_n1 +
                        " does, a\\n.toml:7); a notice that changes another must say amends = \"" + shown_n1 + "\"")
                           .c_str(),
                       dueday::parse_error);
  // An overlay that amends.
  const dueday::calendar national({first});
  CHECK_THROWS_WITH_AS(
      national.with_overlay(notice("region = \"r\"\nnotice = \"L\"\namends = \"N\\r\"\n", "C", "2026-10-08", "o.toml")),
      "o.toml:6: an overlay amends nothing (amends = \"N\\r\"): its days replace the national ones as they are, and "
      "overlays must agree",
      dueday::parse_error);
  // An overlay with no region, given in C++.
  CHECK_THROWS_WITH_AS(national.with_overlay(notice("notice = \"L\"\n", "C", "2026-10-08", "o\x1b.toml")),
                       "o\\u001b.toml: an overlay needs a region", dueday::parse_error);
}

TEST_CASE("hostile text: a restored state's case id, policy, variant and calendar are escaped in the refusal") {
  using dueday::test::at;
  dueday::vector_sink out;
  dueday::engine e(dueday::test::cal(), dueday::builtin_policies(), out);
  REQUIRE(e.open(hostile_name, at("2026-10-12T09:00"), "kunming-water-490", "no-external").accepted());
  const dueday::engine_state good = e.state();
  const auto refusal = [](const dueday::engine_state& s) {
    dueday::vector_sink sink;
    return message_of(
        [&] { (void)dueday::engine::from_state(s, dueday::test::cal(), dueday::builtin_policies(), sink); });
  };
  const std::string where = "not a valid snapshot: cases[0] ('" + shown_name + "'): ";
  dueday::engine_state s = good;
  s.cases[0].policy = "p\x1b";
  CHECK(refusal(s) == where + "unknown policy 'p\\u001b'");
  s = good;
  s.cases[0].variant = "v\n";
  CHECK(refusal(s) == where + "policy 'kunming-water-490' has no variant 'v\\n'");
  s = good;
  s.cases[0].opened = at("2026-10-12T10:00");  // after now
  CHECK(refusal(s).starts_with(where + "opened "));
  s = good;
  s.calendar = "c\n";
  CHECK(refusal(s).starts_with("not a valid snapshot: calendar: the state was taken with another calendar (c\\n, "));
  s = good;
  s.policies = {"p\x1b", std::string(3145728, 'x')};
  const std::string m = refusal(s);
  CHECK(m.starts_with("not a valid snapshot: policies: the state names policies p\\u001b, xxx"));
  CHECK(one_bounded_line(m, message_bound));
  for (const auto& h : hostile_texts()) {
    CAPTURE(h.size());
    s = good;
    s.cases[0].id = h;
    s.cases[0].policy = h;
    CHECK(one_bounded_line(refusal(s), message_bound));
  }
}

TEST_CASE("hostile text: the engine's reasons that name a policy's own steps and variants are one bounded line") {
  // A policy is untrusted too, and validate() takes any text for a name: the engine's refusals
  // that name its steps (a bad transition, the list of steps a case has, the variants a policy
  // has) must escape them as its messages escape a command's ids.
  using dueday::reject_code;
  using dueday::test::at;
  using dueday::test::cal;
  dueday::sla_policy p = *dueday::builtin_policies().find("kunming-water-490");
  const auto rename = [](std::string& name) {
    if (name == "survey") name = hostile_name;
    if (name == "no-external") name = hostile_name + "v";
  };
  for (auto& v : p.variants) {
    rename(v.name);
    for (auto& s : v.steps) {
      rename(s.name);
      for (auto& a : s.after) rename(a);
    }
    for (auto& c : v.overall.counts) rename(c);
  }
  for (auto& r : p.scope) rename(r.variant);
  REQUIRE(dueday::validate(p).empty());
  dueday::vector_sink out;
  dueday::engine e(cal(), dueday::policy_set({p}), out);
  REQUIRE(e.open("W-1", at("2026-10-12T09:00"), p.id, hostile_name + "v").accepted());
  const auto check = [](const dueday::outcome& o, reject_code code, const std::string& says) {
    CHECK(o.code == code);
    CHECK(one_bounded_line(o.reason, message_bound));
    CHECK_MESSAGE(o.reason.find(says) != std::string::npos, o.reason);
  };
  check(e.complete("W-1", hostile_name, at("2026-10-12T09:30")), reject_code::bad_transition,
        "step '" + shown_name + "' has not started");
  check(e.start("W-1", "nothing", at("2026-10-12T09:30")), reject_code::unknown_step, "(expected " + shown_name + ", ");
  check(e.open("W-2", at("2026-10-12T09:30"), p.id, "nothing"), reject_code::unknown_variant,
        "(expected " + shown_name + "v, ");
}
