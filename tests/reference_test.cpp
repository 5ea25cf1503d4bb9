#include <dueday/calendar.hpp>  // first, alone: proves the header stands on its own

// The bundled notices against an independent list (tests/data/cn-holidays.csv, compiled from
// public sources), day by day for 2007-2026, and the O(1) queries against a day-by-day walk.
#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "dueday/format.hpp"
#include "dueday/io.hpp"

using namespace std::chrono;
using dueday::civil_day;
using dueday::working_days;

namespace {

struct reference {
  std::map<civil_day, std::pair<std::string, std::string>> rows;  // day -> (kind, name)
  [[nodiscard]] bool working(civil_day d) const {
    const auto it = rows.find(d);
    if (it != rows.end()) return it->second.first == "work";
    return !d.is_weekend();
  }
};

const reference& ref() {
  static const reference r = [] {
    reference out;
    std::ifstream in(DUEDAY_TEST_DATA "/cn-holidays.csv");
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string date, kind, name;
      std::getline(fields, date, ',');
      std::getline(fields, kind, ',');
      std::getline(fields, name);
      out.rows[dueday::parse_civil_day(date)] = {kind, name};
    }
    return out;
  }();
  return r;
}

const civil_day first_day{2007y / January / 1};
const civil_day last_day{2026y / December / 31};

void check_against_reference(const dueday::calendar& cal) {
  REQUIRE(ref().rows.size() > 600);
  int seen_days = 0;
  int mismatches = 0;
  std::string first_mismatch;
  for (civil_day d = first_day; d <= last_day; d = d + days{1}) {
    ++seen_days;
    const auto info = cal.day(d);
    const auto it = ref().rows.find(d);
    std::string expected_kind = ref().working(d) ? (d.is_weekend() ? "makeup-workday" : "workday")
                                                 : (it != ref().rows.end() ? "holiday" : "restday");
    const std::string expected_name = it != ref().rows.end() ? it->second.second : "";
    if (std::string(dueday::to_string(info.kind)) != expected_kind || info.name != expected_name ||
        cal.is_working_day(d) != ref().working(d)) {
      if (mismatches++ == 0) {
        first_mismatch =
            fmt::format("{}: {} {} (reference: {} {})", d, info.kind, info.name, expected_kind, expected_name);
      }
    }
  }
  CHECK(seen_days == 7305);
  CHECK_MESSAGE(mismatches == 0, first_mismatch);
}

}  // namespace

TEST_CASE("reference: all 7305 days of 2007-2026 agree with the independent list (built-in data)") {
  check_against_reference(dueday::builtin_calendar());
}

TEST_CASE("reference: the holiday files loaded at run time agree with the list too") {
  check_against_reference(dueday::load_calendar(DUEDAY_HOLIDAYS_DIR));
}

TEST_CASE("reference: every notice of the list is cited with its number and publication date") {
  std::ifstream in(DUEDAY_TEST_DATA "/cn-holiday-notices.csv");
  std::string line;
  std::getline(in, line);
  std::multiset<std::string> expected;
  while (std::getline(in, line)) expected.insert(line);
  std::multiset<std::string> cited;
  for (const auto& n : dueday::builtin_calendar().notices()) {
    cited.insert(fmt::format("{},{},{}", n.year, n.number, n.published));
    CHECK_MESSAGE(!n.title.empty(), n.source);
  }
  CHECK(cited == expected);
}

TEST_CASE("reference: add then count gives N back, and both agree with a day-by-day walk, 2007-2026 x N 1..60") {
  const auto cal = dueday::builtin_calendar();
  long checked = 0;
  int mismatches = 0;
  std::string first_mismatch;
  for (civil_day d = first_day; d <= last_day; d = d + days{1}) {
    civil_day walk = d;  // the naive reference: step a day at a time, from the independent list
    for (int n = 1; n <= 60; ++n) {
      do walk = walk + days{1};
      while (!ref().working(walk));
      if (walk > last_day) {
        CHECK_THROWS_AS((void)cal.advance(d, working_days{n}), dueday::coverage_error);
        break;
      }
      const civil_day got = cal.advance(d, working_days{n});
      const auto back = cal.count(d, got).count();
      // advance(-n) lands on the n-th working day before `got`: d itself when d is a working day,
      // else the last working day before d (checked where that day lies inside the data).
      bool neg_ok = true;
      if (d >= first_day + days{15}) {
        const auto back_neg = cal.advance(got, working_days{-n});
        neg_ok = ref().working(d) ? back_neg == d : (back_neg < d && cal.count(back_neg, d).count() == 0);
      }
      ++checked;
      if (got != walk || back != n || !neg_ok) {
        if (mismatches++ == 0) first_mismatch = fmt::format("{} + {}: got {} walk {} count {}", d, n, got, walk, back);
      }
    }
  }
  CHECK(checked > 430000);
  CHECK_MESSAGE(mismatches == 0, first_mismatch);
}
