#include <dueday/io.hpp>  // first, alone: proves the header stands on its own

#include <doctest/doctest.h>

#include <string>
#include <utility>

#include "dueday/format.hpp"

using namespace std::chrono;
using dueday::parse_error;

namespace {
const std::string head = "year = 2026\nnotice = \"N1\"\ntitle = \"T\"\npublished = 2025-11-04\n";
dueday::notice parse(const std::string& body) { return dueday::parse_notice(head + body, "t.toml"); }
}  // namespace

TEST_CASE("notice file: a well-formed notice parses with lines kept") {
  const auto n = parse("\n[[holiday]]\nname = \"国庆节\"\noff = [2026-10-01, 2026-10-02]\nwork = [2026-10-10]\n");
  CHECK(n.year == 2026);
  CHECK(n.number == "N1");
  REQUIRE(n.entries.size() == 3);
  CHECK(n.entries[0].day == dueday::civil_day{2026y / October / 1});
  CHECK(n.entries[0].off);
  CHECK(n.entries[0].line == 8);
  CHECK_FALSE(n.entries[2].off);
  CHECK(n.entries[2].name == "国庆节");
}

TEST_CASE("notice file: a make-up working day on a weekday is rejected") {
  CHECK_THROWS_WITH_AS(parse("[[holiday]]\nname = \"国庆节\"\nwork = [2026-10-09]\n"),
                       "t.toml:7: make-up working day 2026-10-09 is a Friday (expected a Saturday or Sunday)",
                       parse_error);
}

TEST_CASE("notice file: a date listed twice is rejected with both lines") {
  CHECK_THROWS_WITH_AS(
      parse("[[holiday]]\nname = \"A\"\noff = [2026-10-01]\n[[holiday]]\nname = \"B\"\noff = [\n  2026-10-01,\n]\n"),
      "t.toml:11: 2026-10-01 is listed twice (first at line 7)", parse_error);
  CHECK_THROWS_WITH_AS(parse("[[holiday]]\nname = \"A\"\noff = [2026-10-03]\nwork = [2026-10-03]\n"),
                       "t.toml:8: 2026-10-03 is listed twice (first at line 7)", parse_error);
}

TEST_CASE("notice file: a date outside the notice's year is rejected") {
  CHECK_THROWS_WITH_AS(
      parse("[[holiday]]\nname = \"元旦\"\noff = [2027-01-01]\n"),
      "t.toml:7: 2027-01-01 is outside the notice's year 2026 (dates run from 2025-12-01 to 2026-12-31)", parse_error);
  CHECK_THROWS_WITH_AS(
      parse("[[holiday]]\nname = \"元旦\"\nwork = [2025-11-30]\n"),
      "t.toml:7: 2025-11-30 is outside the notice's year 2026 (dates run from 2025-12-01 to 2026-12-31)", parse_error);
  CHECK_NOTHROW(parse("[[holiday]]\nname = \"元旦\"\nwork = [2025-12-28]\n"));  // the turn of the year
}

TEST_CASE("notice file: unknown fields are rejected, at the top and in a holiday") {
  CHECK_THROWS_WITH_AS(
      parse("yaer = 2026\n[[holiday]]\nname = \"A\"\noff = [2026-10-01]\n"),
      "t.toml:5: unknown field 'yaer' (expected year, notice, title, published, amends, region, holiday)", parse_error);
  CHECK_THROWS_WITH_AS(parse("[[holiday]]\nname = \"A\"\nof = [2026-10-01]\n"),
                       "t.toml:7: unknown field 'of' in [[holiday]] (expected name, off, work)", parse_error);
}

TEST_CASE("notice file: wrong encoding is rejected with its line") {
  // "国庆节" in GBK, as a clerk's editor might save it.
  const std::string gbk = "[[holiday]]\nname = \"\xB9\xFA\xC7\xEC\xBD\xDA\"\noff = [2026-10-01]\n";
  try {
    (void)parse(gbk);
    FAIL("GBK text was accepted");
  } catch (const parse_error& e) {
    CHECK(e.line() == 6);
    CHECK(e.source() == "t.toml");
    CHECK(std::string(e.what()).find("t.toml:6: ") == 0);
  }
}

TEST_CASE("notice file: missing fields, wrong types and bad TOML name the place") {
  CHECK_THROWS_WITH_AS(dueday::parse_notice("year = 2026\n[[holiday]]\nname = \"A\"\noff = [2026-10-01]\n", "t.toml"),
                       "t.toml:1: missing field 'notice'", parse_error);
  CHECK_THROWS_WITH_AS(dueday::parse_notice("year = \"2026\"\n", "t.toml"),
                       "t.toml:1: year must be an integer, not a string", parse_error);
  CHECK_THROWS_WITH_AS(parse("[[holiday]]\nname = \"A\"\noff = [\"2026-10-01\"]\n"),
                       "t.toml:7: off must be a date such as 2026-10-01, not a string", parse_error);
  CHECK_THROWS_WITH_AS(parse("[[holiday]]\nname = \"A\"\n"), "t.toml:5: holiday 'A' lists no dates", parse_error);
  CHECK_THROWS_WITH_AS(parse("[[holiday]]\noff = [2026-10-01]\n"), "t.toml:5: [[holiday]] has no name", parse_error);
  CHECK_THROWS_AS(parse("[[holiday]\n"), parse_error);
  try {
    (void)parse("[[holiday]]\nname = \"A\"\noff = [2026-10-01,\n");
    FAIL("bad TOML was accepted");
  } catch (const parse_error& e) {
    CHECK(e.line() >= 7);
  }
  CHECK_THROWS_WITH_AS(parse(""), "t.toml:1: no [[holiday]] given", parse_error);
}

TEST_CASE("notices: two notices setting one date conflict unless the later amends the earlier") {
  const std::string a = head + "[[holiday]]\nname = \"春节\"\nwork = [2026-02-28]\n";
  const std::string b_plain =
      "year = 2026\nnotice = \"N2\"\ntitle = \"T2\"\npublished = 2026-01-27\n"
      "[[holiday]]\nname = \"春节\"\noff = [2026-02-28]\n";
  const std::string b_amends =
      "year = 2026\nnotice = \"N2\"\ntitle = \"T2\"\npublished = 2026-01-27\namends = \"N1\"\n"
      "[[holiday]]\nname = \"春节\"\noff = [2026-02-28]\n";
  auto build = [&](const std::string& second) {
    return dueday::calendar({dueday::parse_notice(a, "a.toml"), dueday::parse_notice(second, "b.toml")});
  };
  CHECK_THROWS_WITH_AS(
      build(b_plain),
      "b.toml:7: 2026-02-28 is already set by N1 (a.toml:7); a notice that changes it must say amends = \"N1\"",
      parse_error);
  CHECK(build(b_amends).day(dueday::civil_day{2026y / February / 28}).kind == dueday::day_kind::holiday);
  const std::string b_unknown =
      "year = 2026\nnotice = \"N2\"\ntitle = \"T2\"\npublished = 2026-01-27\namends = \"N9\"\n"
      "[[holiday]]\nname = \"春节\"\noff = [2026-02-27]\n";
  CHECK_THROWS_WITH_AS(build(b_unknown), "b.toml:5: amends 'N9', which is no earlier notice", parse_error);
}

TEST_CASE("notices: a year missing between notices is an error, not a Mon-Fri year") {
  const auto y = [](int year) {
    return dueday::parse_notice(fmt::format("year = {0}\nnotice = \"N{0}\"\ntitle = \"T\"\npublished = {1}-12-01\n"
                                            "[[holiday]]\nname = \"元旦\"\noff = [{0}-01-01]\n",
                                            year, year - 1),
                                fmt::format("{}.toml", year));
  };
  CHECK_THROWS_WITH_AS(dueday::calendar({y(2024), y(2026)}), "no holiday notice for 2025 (notices cover 2024 to 2026)",
                       dueday::error);
  CHECK_THROWS_WITH_AS(dueday::calendar(std::vector<dueday::notice>{}), "no national holiday notice given",
                       dueday::error);
}

TEST_CASE("notice files: a directory with a broken file names file:line; an empty one is refused") {
  CHECK_THROWS_WITH_AS((void)dueday::load_calendar(DUEDAY_TEST_DATA "/broken-dir"),
                       DUEDAY_TEST_DATA
                       "/broken-dir/2026.toml:58: make-up working day 2026-10-09 is a Friday "
                       "(expected a Saturday or Sunday)",
                       parse_error);
  CHECK_THROWS_WITH_AS((void)dueday::load_calendar(DUEDAY_TEST_DATA "/no-such-dir"),
                       DUEDAY_TEST_DATA "/no-such-dir: not a directory", parse_error);
  CHECK_THROWS_WITH_AS((void)dueday::load_notice(DUEDAY_TEST_DATA "/missing.toml"),
                       DUEDAY_TEST_DATA "/missing.toml: cannot open file", parse_error);
}

TEST_CASE("dates: strict YYYY-MM-DD") {
  CHECK(dueday::parse_civil_day("2024-02-29") == dueday::civil_day{2024y / February / 29});
  for (const char* bad :
       {"2023-02-29", "2026-13-01", "2026-1-01", "20260101", "2026-01-01x", "", "+026-01-01", "2026-00-10"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS((void)dueday::parse_civil_day(bad), dueday::error);
  }
  CHECK_THROWS_WITH_AS((void)dueday::parse_civil_day("2026-02-30"), "bad date '2026-02-30' (expected YYYY-MM-DD)",
                       dueday::error);
}

TEST_CASE("instants: ISO 8601 with or without an offset") {
  const auto t = dueday::parse_instant("2026-09-28T10:00:00+08:00");
  CHECK(dueday::format_instant(t) == "2026-09-28T10:00:00+08:00");
  CHECK(dueday::parse_instant("2026-09-28T10:00") == t);
  CHECK(dueday::parse_instant("2026-09-28 10:00:00") == t);
  CHECK(dueday::parse_instant("2026-09-28T02:00:00Z") == t);
  CHECK(dueday::parse_instant("2026-09-28T11:00:00+09:00") == t);
  CHECK(dueday::parse_instant("2026-09-28") == t - hours{10});
  CHECK(dueday::format_instant(t, hours{0}) == "2026-09-28T02:00:00+00:00");
  for (const char* bad : {"2026-09-28T25:00", "2026-09-28T10:00+08:00junk", "tomorrow", "2026-02-30T10:00"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS((void)dueday::parse_instant(bad), dueday::error);
  }
}

TEST_CASE("instants: every accepted form gives the instant it names") {
  const dueday::instant ten_beijing = sys_days{2026y / September / 28} + hours{2};  // 10:00 at +08:00
  const std::pair<std::string, dueday::instant> accepted[] = {
      {"2026-09-28", sys_days{2026y / September / 27} + hours{16}},  // 00:00 at +08:00
      {"2026-09-28T10:00", ten_beijing},
      {"2026-09-28T10:00:00", ten_beijing},
      {"2026-09-28 10:00", ten_beijing},
      {"2026-09-28 10:00:00", ten_beijing},
      {"2026-09-28T10:00:00+08:00", ten_beijing},
      {"2026-09-28T10:00+08:00", ten_beijing},
      {"2026-09-28 10:00:00+08:00", ten_beijing},
      {"2026-09-28T02:00:00Z", ten_beijing},
      {"2026-09-28T02:00Z", ten_beijing},
      {"2026-09-28T02:00:00z", ten_beijing},
      {"2026-09-28T02:00:00+00:00", ten_beijing},
      {"2026-09-28T02:00:00-00:00", ten_beijing},
      {"2026-09-27T21:15:00-04:45", ten_beijing},
      {"2026-09-28T16:00:00+14:00", ten_beijing},
      {"2026-09-27T12:00:00-14:00", ten_beijing},
      {"2026-09-28T07:45:00+05:45", ten_beijing},
      {"2026-09-28T10:00:59", ten_beijing + seconds{59}},
      {"2026-09-28T23:59:59", sys_days{2026y / September / 28} + hours{15} + minutes{59} + seconds{59}},
      {"2024-02-29T00:00Z", sys_days{2024y / February / 29}},
      {"2000-02-29T00:00Z", sys_days{2000y / February / 29}},
      {"0000-01-01T00:00Z", sys_days{year{0} / January / 1}},
      {"9999-12-31T23:59:59Z", sys_days{year{9999} / December / 31} + hours{23} + minutes{59} + seconds{59}},
  };
  for (const auto& [text, expected] : accepted) {
    CAPTURE(text);
    CHECK(dueday::parse_instant(text) == expected);
  }
  // Without an offset the one given applies; with one, the one written.
  CHECK(dueday::parse_instant("2026-09-28T02:00", hours{0}) == ten_beijing);
  CHECK(dueday::parse_instant("2026-09-28", hours{-5}) == sys_days{2026y / September / 28} + hours{5});
  CHECK(dueday::parse_instant("2026-09-28T10:00:00+08:00", hours{-5}) == ten_beijing);
}

TEST_CASE("instants: anything but the fixed forms is refused, naming the text") {
  const std::string refused[] = {
      // a trailing '-' or '+' (date.h 3.0.1 read past the end there: undefined behaviour)
      "2026-09-28T10:00:00-",
      "2026-09-28T10:00:00+",
      "2026-09-28T10:00-",
      "2026-09-28T10:00+08:",
      // offsets: two-digit hours and minutes with a colon, at most 14:00
      "2026-09-28T10:00+08",
      "2026-09-28T10:00:00+0800",
      "2026-09-28T10:00:00+8:00",
      "2026-09-28T10:00:00+99:99",
      "2026-09-28T10:00:00+24:00",
      "2026-09-28T10:00:00+14:01",
      "2026-09-28T10:00:00-14:01",
      "2026-09-28T10:00:00+08:60",
      "2026-09-28T10:00:00+08:00Z",
      "2026-09-28T10:00:00 +08:00",
      "2026-09-28Z",
      "2026-09-28+08:00",
      // times: two-digit fields, 00:00 to 23:59:59, no fraction
      "2026-09-28T1:2:3",
      "2026-09-28T10:0",
      "2026-09-28T10:00:0",
      "2026-09-28T10",
      "2026-09-28T",
      "2026-09-28 ",
      "2026-09-28T10:00:",
      "2026-09-28T10:00:00.5",
      "2026-09-28T10:00:00,5",
      "2026-09-28T24:00",
      "2026-09-28T24:00:00",
      "2026-09-28T25:00",
      "2026-09-28T10:60",
      "2026-09-28T23:59:60",
      "2026-09-28T+1:00",
      "2026-09-28T-1:00",
      "2026-09-28T 1:00",
      "2026-09-28t10:00",
      "2026-09-28_10:00",
      // dates: four-digit year, two-digit month and day, a day the calendar has
      "2026-02-29",
      "2026-02-29T10:00",
      "2026-02-30T10:00",
      "2026-13-01",
      "2026-00-10",
      "2026-04-31T10:00",
      "2026-1-01T10:00",
      "26-09-28T10:00",
      "+2026-09-28T10:00",
      "-2026-09-28T10:00",
      "12026-09-28T10:00",
      // nothing before or after
      "",
      " 2026-09-28T10:00",
      "2026-09-28T10:00 ",
      "2026-09-28T10:00\n",
      std::string("2026-09-28T10:00\0", 17),
      "2026-09-28T10:00junk",
      "2026-09-28T10:00:00+08:00junk",
      "tomorrow",
      "2026-09-28T10:00:00+08:00" + std::string(3 << 20, '0'),
  };
  for (const auto& text : refused) {
    CAPTURE(text);
    CHECK_THROWS_AS((void)dueday::parse_instant(text), dueday::error);
  }
  CHECK_THROWS_WITH_AS(
      (void)dueday::parse_instant("2026-09-28T10:00:00+99:99"),
      "bad date-time '2026-09-28T10:00:00+99:99' (expected ISO 8601 such as 2026-09-28T10:00:00+08:00)", dueday::error);
  CHECK_THROWS_WITH_AS((void)dueday::parse_instant("2026-09-28T10:00\n\x1b[2J"),
                       "bad date-time '2026-09-28T10:00\\n\\u001b[2J' (expected ISO 8601 such as "
                       "2026-09-28T10:00:00+08:00)",
                       dueday::error);
}

TEST_CASE("dates: a hostile date is named on one line") {
  CHECK_THROWS_WITH_AS((void)dueday::parse_civil_day("2026-10-01\r\n"),
                       "bad date '2026-10-01\\r\\n' (expected YYYY-MM-DD)", dueday::error);
  CHECK_THROWS_WITH_AS((void)dueday::parse_civil_day(std::string(3145728, '7')),
                       ("bad date '" + std::string(80, '7') + "\u2026' (3145728 bytes) (expected YYYY-MM-DD)").c_str(),
                       dueday::error);
}
