// The circular's text, CSV and JSON forms carry the model's figures: each is parsed here and
// compared with the report it was written from (numbers as numbers.hpp prints them).
#include <doctest/doctest.h>
#include <dueday/report.hpp>

#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "report/render.hpp"
#include "report_support.hpp"

using namespace dueday;
using namespace dueday::test::report_rig;

namespace {

const char* const odd = "A \"quoted\", unit";  // needs RFC 4180 quoting

monthly_report sample() {
  event_log l = units_month();
  // A unit whose name needs quoting in CSV, late open at the month's end (due 10-22 00:00: 22, 23,
  // 26..30 = 7 WD late), with a pause it came back from.
  l.open("Q1", "2026-10-19T09:00", "no-external", "盘龙区");
  l.start("Q1", "survey", "2026-10-19T10:00", "2026-10-22T00:00", 2 * D, odd);
  l.pause("Q1", "survey", "2026-10-19T12:00", "2026-10-22T00:00", 0, 2 * D, odd, "customer, away");
  l.resume("Q1", "survey", "2026-10-19T16:00", "2026-10-22T00:00", 0, 2 * D, odd);
  return report(l, 2026, 10);
}

// The forms are written by their own functions (render.hpp): write_report's HTML is not part of
// this test.
std::string written(const monthly_report& r, report_format f) {
  std::ostringstream out;
  if (f == report_format::text) detail::write_report_text(out, r);
  if (f == report_format::csv) detail::write_report_csv(out, r);
  if (f == report_format::json) detail::write_report_json(out, r);
  return out.str();
}

// RFC 4180 records; a blank line ends a table. Tables by their section (the first field).
using table = std::vector<std::map<std::string, std::string>>;
std::map<std::string, table> parse_csv(const std::string& text) {
  std::map<std::string, table> tables;
  std::vector<std::string> header, fields;
  std::string field;
  bool quoted = false, any = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
      continue;
    }
    if (c == '"') {
      quoted = any = true;
    } else if (c == ',') {
      fields.push_back(field);
      field.clear();
    } else if (c == '\r') {
      REQUIRE(text[i + 1] == '\n');
    } else if (c == '\n') {
      if (!any && fields.empty() && field.empty()) {
        header.clear();  // a blank line: the next record is a header
        continue;
      }
      fields.push_back(field);
      if (header.empty()) {
        header = fields;
      } else {
        REQUIRE(fields.size() == header.size());
        std::map<std::string, std::string> row;
        for (std::size_t k = 0; k < fields.size(); ++k) row[header[k]] = fields[k];
        tables[fields[0]].push_back(row);
      }
      fields.clear();
      field.clear();
      any = false;
    } else {
      field += c;
      any = true;
    }
  }
  return tables;
}

std::string n(std::int64_t v) { return std::to_string(v); }

// The cells every form shows for a group, keyed as the CSV and JSON name them.
std::map<std::string, std::string> expected(const report_compared& f) {
  const report_figures& m = f.month;
  return {{"received", n(m.received)},
          {"completed", n(m.completed)},
          {"on_time", n(m.on_time)},
          {"early", n(m.early)},
          {"late_completed", n(m.late_completed)},
          {"late_open", n(m.late_open)},
          {"open", n(m.open)},
          {"on_time_rate", rate_text(m.on_time_rate())},
          {"mean_wd", wd_text(m.mean_wd())},
          {"p90_wd", wd_text(m.p90_wd())},
          {"max_wd", wd_text(m.max_wd())},
          {"warnings", n(m.warnings)},
          {"overdue", n(m.overdue)},
          {"escalations", n(m.escalations)},
          {"handovers", n(m.handovers)},
          {"pauses", n(m.pauses)}};
}

// A JSON figure as the text forms print it: null is "—", a fraction has two decimals (rates are in
// per cent there, so the text's '%' is dropped before comparing: see same()).
std::string json_text(const nlohmann::json& j) {
  if (j.is_null()) return dueday::detail::no_value;
  if (j.is_number_float()) return fmt::format("{:.2f}", j.get<double>());
  return j.is_string() ? j.get<std::string>() : j.dump();
}
std::string same(std::string text) {
  if (!text.empty() && text.back() == '%') text.pop_back();
  return text;
}

}  // namespace

TEST_CASE("report forms: CSV carries every unit, step and case figure of the model") {
  const monthly_report r = sample();
  const auto tables = parse_csv(written(r, report_format::csv));
  const table& units = tables.at("units");
  REQUIRE(units.size() == r.units.size());
  for (std::size_t i = 0; i < r.units.size(); ++i) {
    CAPTURE(r.units[i].unit);
    CHECK(units[i].at("unit") == r.units[i].unit);
    CHECK(units[i].at("rank") == (r.units[i].rank       ? n(*r.units[i].rank)
                                  : r.units[i].no_cases ? "本月无业务"
                                                        : "样本少"));
    CHECK(units[i].at("ytd_rate") == rate_text(r.units[i].figures.year_to_date.on_time_rate()));
    CHECK(units[i].at("change_pp") == pp_text(r.units[i].figures.rate_change_pp()));
    for (const auto& [key, value] : expected(r.units[i].figures)) CHECK(units[i].at(key) == value);
  }
  CHECK(units.back().at("unit") == "旧供水公司");
  const table& steps = tables.at("steps");
  REQUIRE(steps.size() == r.steps.size());
  for (std::size_t i = 0; i < r.steps.size(); ++i) {
    CHECK(steps[i].at("step") == r.steps[i].step);
    CHECK(steps[i].at("limit") == r.steps[i].limit);
    for (const auto& [key, value] : expected(r.steps[i].figures)) CHECK(steps[i].at(key) == value);
  }
  const table& cases = tables.at("cases");
  REQUIRE(cases.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(cases[i].at("opened") == n(r.cases[i].opened));
    CHECK(cases[i].at("calendar_days_median") == wd_text(r.cases[i].calendar_days_median));
    for (const auto& [key, value] : expected(r.cases[i].overall)) CHECK(cases[i].at(key) == value);
  }
  REQUIRE(tables.at("named").size() == r.named.size());
  CHECK(tables.at("named")[0].at("sentence") == r.named[0].sentence);
  REQUIRE(tables.at("pauses").size() == 1);
  CHECK(tables.at("pauses")[0].at("reason") == "customer, away");
  CHECK(tables.at("pauses")[0].at("paused_wd") == "0.17");  // 12:00 to 16:00: 4 h of 24
  CHECK(tables.at("days").size() == 31);
  CHECK(tables.at("days")[9].at("kind") == "makeup-workday");
  std::size_t clocks = 0;
  for (const auto& c : r.late) clocks += c.clocks.size();
  CHECK(tables.at("late").size() == clocks);
}

TEST_CASE("report forms: JSON carries the same figures, keys in a fixed order") {
  const monthly_report r = sample();
  const std::string text = written(r, report_format::json);
  const auto j = nlohmann::json::parse(text);
  CHECK(j.at("month") == "2026-10");
  CHECK(text.find("\"title\"") < text.find("\"month\""));
  REQUIRE(j.at("units").size() == r.units.size());
  for (std::size_t i = 0; i < r.units.size(); ++i) {
    const auto& u = j.at("units")[i];
    CHECK(u.at("unit") == r.units[i].unit);
    CHECK(u.at("small_n") == r.units[i].small_n);
    const std::string pp = pp_text(r.units[i].figures.rate_change_pp());
    CHECK(json_text(u.at("figures").at("change_pp")) == (pp.front() == '+' ? pp.substr(1) : pp));
    for (const auto& [key, value] : expected(r.units[i].figures))
      CHECK(json_text(u.at("figures").at("month").at(key)) == same(value));
  }
  for (std::size_t i = 0; i < r.steps.size(); ++i)
    for (const auto& [key, value] : expected(r.steps[i].figures))
      CHECK(json_text(j.at("steps")[i].at("figures").at("month").at(key)) == same(value));
  for (std::size_t i = 0; i < r.cases.size(); ++i)
    for (const auto& [key, value] : expected(r.cases[i].overall))
      CHECK(json_text(j.at("cases")[i].at("overall").at("month").at(key)) == same(value));
  REQUIRE(j.at("late").size() == r.late.size());
  CHECK(j.at("late")[0].at("case") == r.late[0].case_id);
  CHECK(j.at("named")[0].at("sentence") == r.named[0].sentence);
  CHECK(j.at("days").size() == 31);
  // Written twice, the same bytes.
  CHECK(written(r, report_format::json) == text);
}

TEST_CASE("report forms: the text table shows each unit's figures on its line, aligned") {
  const monthly_report r = sample();
  const std::string text = written(r, report_format::text);
  CHECK(text.rfind("关于2026年10月全市获得用水办理情况的通报\n", 0) == 0);
  for (const auto& nu : r.named) CHECK(text.find(nu.sentence + "\n") != std::string::npos);
  std::istringstream in(text);
  std::string line;
  std::vector<std::string> lines;
  while (std::getline(in, line)) lines.push_back(line);
  for (const report_unit_row& u : r.units) {
    CAPTURE(u.unit);
    // The unit's row in part 三: its rank or mark, the unit, then its figures in order.
    const std::string head = (u.rank ? n(*u.rank) : u.no_cases ? "本月无业务" : "样本少");
    const auto it = std::find_if(lines.begin(), lines.end(), [&](const std::string& l) {
      return l.rfind(head, 0) == 0 && l.find(u.unit) != std::string::npos;
    });
    REQUIRE(it != lines.end());
    const auto m = expected(u.figures);
    std::size_t at = it->find(u.unit);
    for (const char* key :
         {"received", "completed", "on_time", "early", "late_completed", "late_open", "open", "on_time_rate"}) {
      at = it->find(" " + m.at(key), at);
      CHECK(at != std::string::npos);
    }
  }
  // Columns line up in terminal cells: the header and every row of part 三 end at the same column
  // when wide characters count 2 (the last column is right-aligned).
  const auto width = [](const std::string& s) {
    std::size_t w = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
      const auto b = static_cast<unsigned char>(s[i]);
      if ((b & 0xC0) == 0x80) continue;
      w += b >= 0xE0 ? 2 : 1;  // the CJK here is all 3-byte and wide; "—" (E2 80 94) is not
      if (b == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80) --w;
    }
    return w;
  };
  const auto part3 =
      std::find_if(lines.begin(), lines.end(), [](const std::string& l) { return l.rfind("三、", 0) == 0; });
  REQUIRE(part3 != lines.end());
  const std::size_t w = width(*(part3 + 1));
  for (std::size_t k = 0; k < r.units.size(); ++k) CHECK(width(*(part3 + 2 + static_cast<std::ptrdiff_t>(k))) == w);
}
