#include <dueday/io.hpp>  // first, alone: proves the header stands on its own

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>

#include "detail/toml_util.hpp"
#include "dueday/format.hpp"
#include "dueday/policy.hpp"

using namespace std::chrono;
using dueday::parse_error;

namespace {
const std::string head = "year = 2026\nnotice = \"N1\"\ntitle = \"T\"\npublished = 2025-11-04\n";
dueday::notice parse(const std::string& body) { return dueday::parse_notice(head + body, "t.toml"); }

std::string repeat(std::string_view s, std::size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

// A fresh directory for files a test makes at run time, removed at the end. Named by the process
// id: ctest runs the suite in several processes at once.
class temp_dir {
 public:
  explicit temp_dir(const std::string& name)
      : path_(std::filesystem::temp_directory_path() / ("dueday-" + name + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all, ec);
    std::filesystem::remove_all(path_, ec);
  }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  // Writes a file under the directory; returns its path.
  std::filesystem::path write(const std::string& name, const std::string& text) const {
    auto file = path_ / name;
    std::ofstream(file, std::ios::binary) << text;
    return file;
  }

 private:
  std::filesystem::path path_;
};
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
      "[[holiday]]\nname = \"纪念日\"\noff = [2026-02-28]\n";
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

TEST_CASE("notices: a second notice for a year may add a holiday, not arrange one again without amends") {
  const std::string a = head + "[[holiday]]\nname = \"国庆节\"\noff = [2026-10-01]\n";
  const auto second = [](const std::string& name, const std::string& day) {
    return dueday::parse_notice(
        "year = 2026\nnotice = \"N2\"\ntitle = \"T2\"\npublished = 2026-05-13\n"
        "[[holiday]]\nname = \"" +
            name + "\"\noff = [" + day + "]\n",
        "b.toml");
  };
  // Two notices both arranging 国庆节, on different days: once merged without a word.
  CHECK_THROWS_WITH_AS(dueday::calendar({dueday::parse_notice(a, "a.toml"), second("国庆节", "2026-10-02")}),
                       "b.toml:7: a second notice for 2026 arranges 国庆节 too (as N1 does, a.toml:7); a notice that "
                       "changes another must say amends = \"N1\"",
                       parse_error);
  // As 2015's notice of the 70th anniversary of the war's end (holidays/cn/2015-2.toml) did.
  const dueday::calendar both({dueday::parse_notice(a, "a.toml"), second("纪念日", "2026-09-03")});
  CHECK(both.day(dueday::civil_day{2026y / September / 3}).kind == dueday::day_kind::holiday);
  CHECK(dueday::builtin_calendar().day(dueday::civil_day{2015y / September / 3}).name ==
        "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日");
}

TEST_CASE("notice file: off = [], an implausible publication date and years before 1992 are refused") {
  CHECK_THROWS_WITH_AS(parse("[[holiday]]\nname = \"A\"\noff = []\nwork = [2026-10-10]\n"),
                       "t.toml:7: off = [] lists no dates (list them, or leave it out)", parse_error);
  CHECK_THROWS_WITH_AS(parse("[[holiday]]\nname = \"A\"\nwork = [\n]\n"),
                       "t.toml:7: work = [] lists no dates (list them, or leave it out)", parse_error);
  const auto published = [](const std::string& day) {
    return dueday::parse_notice("year = 2026\nnotice = \"N1\"\ntitle = \"T\"\npublished = " + day +
                                    "\n[[holiday]]\nname = \"A\"\noff = [2026-10-01]\n",
                                "t.toml");
  };
  CHECK_THROWS_WITH_AS(
      published("0001-01-01"),
      "t.toml:4: published 0001-01-01 is not plausible for a notice for 2026 (expected 2025-01-01 to 2026-12-31)",
      parse_error);
  CHECK_THROWS_WITH_AS(
      published("2024-12-31"),
      "t.toml:4: published 2024-12-31 is not plausible for a notice for 2026 (expected 2025-01-01 to 2026-12-31)",
      parse_error);
  CHECK_THROWS_WITH_AS(
      published("2027-01-01"),
      "t.toml:4: published 2027-01-01 is not plausible for a notice for 2026 (expected 2025-01-01 to 2026-12-31)",
      parse_error);
  CHECK(published("2025-01-01").published == dueday::civil_day{2025y / January / 1});
  CHECK(published("2026-12-31").published == dueday::civil_day{2026y / December / 31});
  // 1980 once failed in the calendar, naming no file: "time zone 'Asia/Shanghai' changes its UTC
  // offset on 1986-05-04".
  const auto year = [](int y) {
    return dueday::parse_notice(fmt::format("year = {0}\nnotice = \"N\"\ntitle = \"T\"\npublished = {0}-01-01\n"
                                            "[[holiday]]\nname = \"元旦\"\noff = [{0}-01-01]\n",
                                            y),
                                "t.toml");
  };
  CHECK_THROWS_WITH_AS(
      year(1991), "t.toml:1: year 1991 is out of range (1992 to 2200; China kept summer time until 1991)", parse_error);
  CHECK_THROWS_WITH_AS(
      year(2201), "t.toml:1: year 2201 is out of range (1992 to 2200; China kept summer time until 1991)", parse_error);
  CHECK(dueday::calendar({year(1992)}).first_covered() == dueday::civil_day{1992y / January / 1});
}

TEST_CASE("overlays: outside the national years, with amends, or disagreeing with another overlay, are refused") {
  const auto overlay = [](int y, const std::string& extra, const std::string& day, const std::string& kind = "off") {
    return dueday::parse_notice(fmt::format("region = \"r\"\nyear = {0}\nnotice = \"L\"\ntitle = \"T\"\n"
                                            "published = {0}-03-01\n{1}[[holiday]]\nname = \"节\"\n{2} = [{3}]\n",
                                            y, extra, kind, day),
                                "o.toml");
  };
  const auto& national = dueday::builtin_calendar();
  // Once ignored without a word.
  CHECK_THROWS_WITH_AS(national.with_overlay(overlay(2030, "", "2030-04-15")),
                       "o.toml:8: 2030-04-15 is outside the national notices (2007-01-01 to 2026-12-31); an overlay "
                       "changes only days they arrange",
                       parse_error);
  CHECK_THROWS_WITH_AS(national.with_overlay(overlay(2027, "", "2027-04-15")),
                       "o.toml:8: 2027-04-15 is outside the national notices (2007-01-01 to 2026-12-31); an overlay "
                       "changes only days they arrange",
                       parse_error);
  CHECK_THROWS_WITH_AS(national.with_overlay(overlay(2026, "amends = \"国办发明电〔2025〕7号\"\n", "2026-04-15")),
                       "o.toml:6: an overlay amends nothing (amends = \"国办发明电〔2025〕7号\"): its days replace the "
                       "national ones as they are, and overlays must agree",
                       parse_error);
  const auto one = national.with_overlay(overlay(2026, "", "2026-04-18"));
  CHECK(one.day(dueday::civil_day{2026y / April / 18}).kind == dueday::day_kind::holiday);
  CHECK_NOTHROW((void)one.with_overlay(overlay(2026, "", "2026-04-18")));
  CHECK_THROWS_WITH_AS(
      one.with_overlay(overlay(2026, "", "2026-04-18", "work")),
      "o.toml:8: 2026-04-18 is made a day off by the overlay L (o.toml:8); overlays must agree on a day", parse_error);
}

TEST_CASE("notice files: a local overlay among the national notices is refused, not laid over them") {
  namespace fs = std::filesystem;
  const temp_dir dir("with-region");
  fs::copy_file(DUEDAY_HOLIDAYS_DIR "/2026.toml", dir.path() / "2026.toml");
  fs::copy_file(DUEDAY_TEST_DATA "/overlay-demo.toml", dir.path() / "demo.toml");
  CHECK_THROWS_WITH_AS((void)dueday::load_calendar(dir.path()),
                       ((dir.path() / "demo.toml").string() +
                        ":3: region = \"demo-county\" makes this a local overlay, which does not belong among the "
                        "national notices (keep it in regions/ and give it with --region)")
                           .c_str(),
                       parse_error);
  // The region's name is the file's text: escaped in the one-line refusal.
  std::string text = dueday::detail::read_file(DUEDAY_TEST_DATA "/overlay-demo.toml");
  const auto at = text.find("demo-county");
  REQUIRE(at != std::string::npos);
  text.replace(at, 11, "demo\\u001b[2Jcounty");
  { std::ofstream(dir.path() / "demo.toml", std::ios::trunc) << text; }
  CHECK_THROWS_WITH_AS(
      (void)dueday::load_calendar(dir.path()),
      ((dir.path() / "demo.toml").string() +
       ":3: region = \"demo\\u001b[2Jcounty\" makes this a local overlay, which does not belong among the "
       "national notices (keep it in regions/ and give it with --region)")
          .c_str(),
      parse_error);
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

TEST_CASE("notice files: every *.toml in the folder is a notice; what cannot be one is refused, naming it") {
  namespace fs = std::filesystem;
  const temp_dir dir("holidays");
  fs::copy_file(DUEDAY_HOLIDAYS_DIR "/2025.toml", dir.path() / "2025.toml");
  const auto p2026 = dir.path() / "2026.toml";
  const std::string name = p2026.string();
  // Skipped, each would end the coverage at 2025 without a word.
  fs::create_symlink("missing.toml", p2026);
  CHECK_THROWS_WITH_AS((void)dueday::load_calendar(dir.path()),
                       (name + ": a broken symbolic link (its target does not exist)").c_str(), parse_error);
  fs::remove(p2026);
  REQUIRE(::mkfifo(p2026.c_str(), 0600) == 0);  // no writer: opening it must not wait for one
  CHECK_THROWS_WITH_AS((void)dueday::load_calendar(dir.path()), (name + ": is a FIFO, not a regular file").c_str(),
                       parse_error);
  fs::remove(p2026);
  fs::create_directory(p2026);
  CHECK_THROWS_WITH_AS((void)dueday::load_calendar(dir.path()), (name + ": is a directory").c_str(), parse_error);
  fs::remove(p2026);
  // A link loop was an uncaught filesystem_error (exit 1, "internal error").
  fs::create_symlink("2026.toml", dir.path() / "2027.toml");
  fs::create_symlink("2027.toml", p2026);
  CHECK_THROWS_WITH_AS((void)dueday::load_calendar(dir.path()), (name + ": a symbolic link loop").c_str(), parse_error);
  fs::remove(p2026);
  fs::remove(dir.path() / "2027.toml");
  // Other names are not notices; a good link is followed.
  dir.write("README", "notes");
  fs::create_directory(dir.path() / "regions");
  fs::create_symlink(DUEDAY_HOLIDAYS_DIR "/2026.toml", p2026);
  CHECK(dueday::load_calendar(dir.path()).last_covered() == dueday::civil_day{2026y / December / 31});
  if (::geteuid() == 0) {
    MESSAGE("running as root: an unreadable folder cannot be made");
    return;
  }
  fs::permissions(dir.path(), fs::perms::owner_write | fs::perms::owner_exec);
  CHECK_THROWS_WITH_AS((void)dueday::load_calendar(dir.path()),
                       (dir.path().string() + ": cannot read the directory (Permission denied)").c_str(), parse_error);
}

TEST_CASE("notice files: a directory given as a file is named as one") {
  CHECK_THROWS_WITH_AS((void)dueday::load_notice(DUEDAY_TEST_DATA "/broken-dir"),
                       DUEDAY_TEST_DATA "/broken-dir: is a directory", parse_error);
}

TEST_CASE("TOML text: a dotted key tens of thousands of parts deep is refused before the parser (no stack overflow)") {
  // Debian's toml++ 3.3 overflows the stack on this line (marzer/tomlplusplus#242).
  const std::string key = "a" + repeat(".a", 40000) + " = 1\n";
  CHECK_THROWS_WITH_AS(parse(key), "t.toml:5: the line is 80005 bytes long (at most 4096)", parse_error);
  // Within the line length, the parts are counted: in keys, quoted keys and [table] headers.
  CHECK_THROWS_WITH_AS(parse("a" + repeat(".a", 1000) + " = 1\n"), "t.toml:5: a dotted key of more than 32 parts",
                       parse_error);
  CHECK_THROWS_WITH_AS(parse("\"a\"" + repeat(" . \"a\"", 40) + " = 1\n"),
                       "t.toml:5: a dotted key of more than 32 parts", parse_error);
  CHECK_THROWS_WITH_AS(parse("[a" + repeat(".a", 1000) + "]\n"), "t.toml:5: a dotted key of more than 32 parts",
                       parse_error);
  CHECK_THROWS_WITH_AS(parse("[[a" + repeat(".a", 1000) + "]]\n"), "t.toml:5: a dotted key of more than 32 parts",
                       parse_error);
}

TEST_CASE("TOML text: arrays, inline tables and keys nested too deep are refused before the parser") {
  CHECK_THROWS_WITH_AS(parse("x = " + repeat("[", 1000) + repeat("]", 1000) + "\n"),
                       "t.toml:5: tables and arrays nested more than 32 levels deep", parse_error);
  CHECK_THROWS_WITH_AS(parse("x = [\n" + repeat("[\n", 200) + repeat("]\n", 201)),
                       "t.toml:36: tables and arrays nested more than 32 levels deep", parse_error);
  CHECK_THROWS_WITH_AS(parse("x = " + repeat("{ a = ", 100) + "1" + repeat(" }", 100) + "\n"),
                       "t.toml:5: tables and arrays nested more than 32 levels deep", parse_error);
  // A [table] header's parts and a key's parts add up.
  CHECK_THROWS_WITH_AS(parse("[a" + repeat(".a", 20) + "]\nb" + repeat(".b", 20) + " = 1\n"),
                       "t.toml:6: tables and arrays nested more than 32 levels deep", parse_error);
  // Up to the limit the parser has the text.
  using dueday::detail::check_toml_text;
  CHECK_FALSE(check_toml_text("a" + repeat(".a", 31) + " = 1\n"));
  CHECK(check_toml_text("a" + repeat(".a", 32) + " = 1\n"));
  CHECK_FALSE(check_toml_text("x = " + repeat("[", 31) + repeat("]", 31) + "\n"));
  CHECK(check_toml_text("x = " + repeat("[", 32) + repeat("]", 32) + "\n"));
  CHECK_FALSE(check_toml_text("[[a.b]]\nc = [{ d = [1, 2], e.f = { g = [\"]\", '[', \"\"\"[{\"\"\"] } }]\n"));
}

TEST_CASE("TOML text: a file over 1 MiB is refused at the line it passes the limit, read or given") {
  const std::string comments = repeat("# " + repeat("x", 98) + "\n", 11000);  // 1.1 MB of 100-byte lines
  const std::string text = head + comments + "[[holiday]]\nname = \"A\"\noff = [2026-10-01]\n";
  const auto line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + (1 << 20), '\n'));
  const std::string expected = fmt::format("the file is longer than 1 MiB (1048576 bytes)");
  CHECK_THROWS_WITH_AS(dueday::parse_notice(text, "t.toml"), fmt::format("t.toml:{}: {}", line, expected).c_str(),
                       parse_error);
  const temp_dir dir("big");
  const auto file = dir.write("2026.toml", text);
  CHECK_THROWS_WITH_AS((void)dueday::load_notice(file), fmt::format("{}:{}: {}", file.string(), line, expected).c_str(),
                       parse_error);
}

TEST_CASE("TOML text: Chinese punctuation typed after a value is refused before the parser (toml++ 3.3 UB)") {
  // These characters reach __builtin_unreachable() in toml++ 3.3's whitespace test.
  CHECK_THROWS_WITH_AS(parse("[[holiday]]\nname = \"A\"\noff = [2026-10-01]、\n"),
                       "t.toml:7: unexpected '、' (U+3001) after a value", parse_error);
  CHECK_THROWS_WITH_AS(dueday::parse_notice("year = 2026〔\n", "t.toml"),
                       "t.toml:1: unexpected '〔' (U+3014) after a value", parse_error);
  CHECK_THROWS_WITH_AS(parse("[[holiday]]\nname = \"国庆节\"。\noff = [2026-10-01]\n"),
                       "t.toml:6: unexpected '。' (U+3002) after a value", parse_error);
  CHECK_THROWS_WITH_AS(parse("[[holiday]]\nname = \"A\"\noff = [2026-10-01、2026-10-02]\n"),
                       "t.toml:7: unexpected '、' (U+3001) after a value", parse_error);
  CHECK_THROWS_WITH_AS(parse("[[holiday]]\nname = \"A\"\noff = [2026-10-01,\n  、2026-10-02]\n"),
                       "t.toml:8: unexpected '、' (U+3001) where a value should be", parse_error);
  CHECK_THROWS_WITH_AS(parse("[[holiday]]\nname = \"A\"\noff = [2026-10-01]\u3000# 全角空格\n"),
                       "t.toml:7: unexpected U+3000 (a space or control character) after a value", parse_error);
  CHECK_THROWS_WITH_AS(parse("[[holiday]]　\n"),
                       "t.toml:5: unexpected U+3000 (a space or control character) after a table header", parse_error);
  CHECK_THROWS_WITH_AS(parse("a = 1\u2028b = 2\n"),  // a line separator stays out of the one-line message
                       "t.toml:5: unexpected U+2028 (a space or control character) after a value", parse_error);
  CHECK_THROWS_WITH_AS(parse("名称 = \"A\"\n"), "t.toml:5: unexpected '名' (U+540D) where a key or [table] should be",
                       parse_error);
  CHECK_THROWS_WITH_AS(parse("a.§ = 1\n"),
                       "t.toml:5: unexpected '§' (U+00A7) in a key (a bare key is A-Z a-z 0-9 _ -; quote others)",
                       parse_error);
  CHECK_THROWS_WITH_AS(parse("a = 1 \xB9\xFA\n"),
                       "t.toml:5: unexpected byte 0xB9 (the file must be UTF-8) after a value", parse_error);
  // A quote right after a bare value opens no string: the parser reads on through it (found by
  // fuzzing against a header-only toml++ 3.3 under -fsanitize=undefined).
  CHECK_THROWS_WITH_AS(parse("a = 1\"\"\"、\"\"\"\n"), "t.toml:5: unexpected '、' (U+3001) after a value", parse_error);
  CHECK_THROWS_WITH_AS(parse("a = 2026-10-01'é'\n"), "t.toml:5: unexpected 'é' (U+00E9) after a value", parse_error);
  CHECK_THROWS_WITH_AS(parse("a = 4{\"\"\"〕\n"), "t.toml:5: unexpected '〕' (U+3015) after a value", parse_error);
  CHECK_THROWS_WITH_AS(parse("a = 2[\"§\n"), "t.toml:5: unexpected '§' (U+00A7) after a value", parse_error);
  CHECK_THROWS_WITH_AS(parse("a = 0='ⱞ\n"), "t.toml:5: unexpected 'ⱞ' (U+2C5E) after a value", parse_error);
  // A date, a space and a digit are read on as a date-time, over a '#' or a newline right after the
  // digit (found by tests/fuzz/notice_fuzz, as above), and toml++ takes '20r6-10-01' for a date
  // too. A time after the date ends as usual.
  CHECK_THROWS_WITH_AS(parse("a = 2007-01-00 2#5、28\n"), "t.toml:5: unexpected '、' (U+3001) after a value",
                       parse_error);
  CHECK_THROWS_WITH_AS(parse("a = 2026-10-01 2\nb\"、\"\n"), "t.toml:6: unexpected '、' (U+3001) after a value",
                       parse_error);
  CHECK_THROWS_WITH_AS(parse("a = 20r6-10-01 2\nb\"、\"\n"), "t.toml:6: unexpected '、' (U+3001) after a value",
                       parse_error);
  CHECK_FALSE(
      dueday::detail::check_toml_text("a = 2026-10-01 2# 、\nb = 2026-10-01 12:00:00 #、\nc = 2026-10-01 #、\n"));
  // After a backslash in a """string""" the parser asks the same question.
  CHECK_THROWS_WITH_AS(parse("x = \"\"\"a\\\n  §\"\"\"\n"),
                       "t.toml:6: unexpected '§' (U+00A7) after a line-ending backslash in a multi-line string",
                       parse_error);
  CHECK_THROWS_WITH_AS(parse("x = \"\"\"\\、\"\"\"\n"),
                       "t.toml:5: unexpected '、' (U+3001) after a backslash in a multi-line string", parse_error);
  // In strings and comments any text is the parser's (which refuses what is not UTF-8).
  CHECK_NOTHROW(parse("# 国庆节、中秋节〔2025〕\n[[holiday]]\nname = \"国庆节、中秋节\" # 、\noff = [2026-10-01]\n"));
  CHECK_NOTHROW(
      dueday::parse_notice("\xEF\xBB\xBF" + head + "[[holiday]]\nname = \"A\"\noff = [2026-10-01]\n", "t.toml"));
  CHECK_FALSE(dueday::detail::check_toml_text("x = \"\"\"a\\\n  b、\\\"、\"\"\"\ny = '''、'''\nz = '\\'\n"));
}

TEST_CASE("TOML text: a [table] header that opens on no key is a syntax error (toml++ 3.3 asserts on it)") {
  // toml++ 3.3 reads the key of such a header against parse_key()'s precondition
  // (marzer/tomlplusplus#301): a build of it with asserts on aborts, Debian's reports the
  // character. Found by fuzzing (tests/fuzz) against a header-only toml++, in notices and policies.
  const auto refused = [](const std::string& text, char saw) {
    const std::string expected = fmt::format(
        "t.toml:1: Error while parsing key: expected bare key starting character or string delimiter, "
        "saw '{}'",
        saw);
    CHECK_THROWS_WITH_AS(dueday::parse_notice(text, "t.toml"), expected.c_str(), parse_error);
    CHECK_THROWS_WITH_AS((void)dueday::parse_policy(text, "t.toml"), expected.c_str(), dueday::policy_error);
  };
  refused("[.", '.');
  refused("[[.]nann", '.');
  refused("[[[1]]]\n", '[');
  refused("[[=", '=');
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
