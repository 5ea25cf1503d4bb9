// The HTML circular on a hand-built October 2026 report (report_fixture.hpp): every part and
// attachment, rows in every table, marks in every figure, the figures worked out by hand from the
// fixture's counts, hostile names escaped, nothing fetched, and a month with nothing in it.
#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

#include "report/markup.hpp"
#include "report/render.hpp"
#include "report_fixture.hpp"

namespace {

std::string html_of(const dueday::monthly_report& r) {
  std::ostringstream out;
  dueday::detail::write_report_html(out, r);
  return out.str();
}

std::size_t count(const std::string& s, std::string_view what) {
  std::size_t n = 0;
  for (auto at = s.find(what); at != std::string::npos; at = s.find(what, at + what.size())) ++n;
  return n;
}

// The text of each element from `open` (e.g. "<tbody>") to the next `close`.
std::vector<std::string> blocks(const std::string& s, std::string_view open, std::string_view close) {
  std::vector<std::string> out;
  for (auto at = s.find(open); at != std::string::npos; at = s.find(open, at + 1)) {
    const auto end = s.find(close, at);
    REQUIRE(end != std::string::npos);
    out.push_back(s.substr(at, end - at));
  }
  return out;
}

// The tbody of the table whose block carries data-table="id".
std::string table(const std::string& s, std::string_view id) {
  const auto at = s.find("data-table=\"" + std::string(id) + "\"");
  REQUIRE(at != std::string::npos);
  const auto b = s.find("<tbody>", at);
  return s.substr(b, s.find("</tbody>", b) - b);
}

std::string figure(const std::string& s, std::string_view id) {
  const auto at = s.find("data-figure=\"" + std::string(id) + "\"");
  REQUIRE(at != std::string::npos);
  return s.substr(at, s.find("</svg>", at) - at);
}

void check_structure(const std::string& h) {
  CHECK(h.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(count(h, "<html lang=\"zh-CN\">") == 1);
  CHECK(count(h, "@page{size:A4;margin:37mm 26mm 35mm 28mm") == 1);
  CHECK(count(h, "\"Noto Serif CJK SC\"") >= 1);
  CHECK(count(h, "\"Noto Sans CJK SC\"") >= 1);
  CHECK(count(h, "<title>关于2026年10月全市获得用水办理情况的通报</title>") == 1);
  CHECK(count(h, "<h1>关于2026年10月全市获得用水<br>办理情况的通报</h1>") == 1);
  CHECK(count(h, "各有关单位：") == 1);
  for (const char* id : {"part-1", "part-2", "part-3", "part-4", "part-5", "part-6", "annex-1", "annex-2", "annex-3"})
    CHECK_MESSAGE(count(h, std::string("id=\"") + id + "\"") == 1, std::string(id));
  for (const char* heading : {"一、总体情况", "二、分环节情况", "三、分单位情况及排名", "四、超期及督办明细",
                              "五、通报事项", "六、整改要求", "附件1", "附件2", "附件3"})
    CHECK_MESSAGE(count(h, heading) >= 1, std::string(heading));
  // Every table has at least one body row; every figure a title and drawn marks.
  const auto bodies = blocks(h, "<tbody>", "</tbody>");
  CHECK(bodies.size() == 9);  // T1, T2, T3 in the body and in annex 1; T4, T5, T6
  for (const auto& b : bodies) CHECK(count(b, "<tr") >= 1);
  const auto svgs = blocks(h, "<svg class=\"figure\"", "</svg>");
  CHECK(svgs.size() >= 4);
  for (const auto& s : svgs) {
    CHECK(count(s, "<title>") == 1);
    CHECK(count(s, "<rect") + count(s, "<line") + count(s, "<path") >= 1);
    CHECK(count(s, "<text") >= 1);
  }
  // Nothing is fetched: no URL, no external resource, no script.
  for (const char* bad :
       {"http:", "https:", "//", "src=", "href=", "@import", "<link", "<script", "<img", "@font-face"})
    CHECK_MESSAGE(count(h, bad) == 0, std::string(bad));
  CHECK(count(h, "url(") == count(h, "url(#"));  // only the figures' own patterns
  CHECK(count(h, "default-src 'none'") == 1);
}

}  // namespace

TEST_CASE("report html: every part, table and figure of the October circular") {
  const std::string h = html_of(dueday::test::october_report());
  check_structure(h);
  CHECK(count(h, "昆明市优化营商环境获得用水专项工作组办公室") == 2);  // issuer at the top and in the signature
  CHECK(count(h, "〔2026〕　号") == 1);                                // 文号 placeholder
  CHECK(count(h, "2026-10-31 17:42") == 1);                            // 数据截止
  CHECK(count(h, "2026年11月2日") == 1);                               // date of issue
  // Overall: 34 of 35 on time = 97.142...% ; last month 38 of 40 = 95%: up 2.14 points.
  CHECK(count(h, "按时办结率97.14%（n=35），比上月提高2.14个百分点") == 1);
  // Units: 14/14, 51/52 = 98.0769%, 6/7 = 85.714%, 3/4; the 样本少 and 本月无业务 marks.
  const std::string t3 = table(h, "T3");
  CHECK(count(t3, "<tr") == 9);
  CHECK(count(t3, "98.08%") == 1);
  CHECK(count(t3, "85.71%") == 1);
  CHECK(count(t3, "75.00%") == 1);
  CHECK(count(t3, "样本少") == 1);
  CHECK(count(t3, "本月无业务") == 1);
  CHECK(count(t3, "class=\"mark dark\">超期") == 4);  // two late bureaus, a late-open utility, a hand-over
  CHECK(count(t3, "—") >= 1);                         // 呈贡: no rate, never 0%
  // Late cases: 0458 city management, connection, overall; 0203 overall (hand-over); 0117 planning.
  const std::string t4 = table(h, "T4");
  CHECK(count(t4, "<tr") == 5);
  CHECK(count(t4, "环节衔接超时") == 1);
  CHECK(count(t4, "月末仍在办") == 2);
  CHECK(count(t4, "暂停1次（申请人补正材料）") == 0);  // the survey of 0117 was paused but not late: not a row
  CHECK(count(t4, "暂停1次（用户要求推迟接水日期）") == 1);
  CHECK(count(t4, "10-22 09:00<br>→ 10-29 24:00") == 1);  // due at midnight: the day before, 24:00
  // Named units in the model's order, and no zero-case sentence.
  CHECK(count(h, "class=\"named-unit\"") == 4);
  CHECK(h.find("昆明通用水务自来水有限公司在“接水”") < h.find("盘龙区城市管理局在“城管审批”"));
  CHECK(count(h, "均无超期办结件") == 0);
  // 六: {deadline} is the model's reply_by, 11-13; no placeholder left.
  CHECK(count(h, "请被通报单位于11月13日前书面报送") == 1);
  CHECK(count(h, "{deadline}") + count(h, "{month}") == 0);
  // Annex 3: the calendar notice, fingerprint and policy version.
  CHECK(count(h, "国办发明电〔2025〕7号") == 1);
  CHECK(count(h, "sha256:3f1c9a0e") == 1);
  CHECK(count(h, "kunming-water-490，版本 2020.2") == 1);
  // F1: eight bars (呈贡 has no cases), four dark ones each tagged 超期; the target line at 100%.
  const std::string f1 = figure(h, "F1");
  CHECK(count(f1, "class=\"bar\"") == 8);
  CHECK(count(f1, "data-late=\"1\"") == 4);
  CHECK(count(f1, ">超期</text>") == 4);
  CHECK(count(f1, "目标 100.00%") == 1);
  CHECK(f1.find("昆明市公安局交通警察支队") < f1.find("盘龙区城市管理局"));  // 100% before 75%
  // F2: one stack per step row (nine); F3: 31 days, 7 holidays cross-hatched, 10-10 marked 班.
  CHECK(count(figure(h, "F2"), "class=\"stack\"") == 9);
  const std::string f3 = figure(h, "F3");
  CHECK(count(f3, "url(#F3-cross)") == 7 + 1);    // seven holidays and the legend
  CHECK(count(f3, ">班</text>") == 2);            // 10-10 and the legend
  CHECK(count(f3, "class=\"completed\"") == 18);  // the fixture's days with a completion
  // F6: one timeline per late case, the hand-over flagged, alerts marked 黄/红/督.
  CHECK(count(h, "data-figure=\"F6-") == 3);
  CHECK(count(figure(h, "F6-2"), "环节衔接超时") == 1);
  CHECK(count(figure(h, "F6-1"), ">督</text>") == 1);
}

TEST_CASE("report html: hostile names are escaped everywhere") {
  const std::string h = html_of(dueday::test::hostile_report());
  for (const char* bad : {"<script", "<img", "<iframe", "<svg onload", "]]>", "<b>"})
    CHECK_MESSAGE(count(h, bad) == 0, std::string(bad));
  CHECK(count(h, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&quot;") >= 3);  // T3 twice, T4
  CHECK(count(h, "]]&gt;&lt;img src=x onerror=alert(1)&gt;") >= 3);                      // T4, T6, F6
  CHECK(count(h, "&quot;&#39;&amp;&lt;b&gt;reason&lt;/b&gt;") >= 1);
  // Every figure is still one element: as many closing tags as opening ones.
  CHECK(count(h, "<svg class=\"figure\"") == count(h, "</svg>"));
}

TEST_CASE("report html: a month with nothing in it") {
  const std::string h = html_of(dueday::test::empty_report());
  check_structure(h);
  CHECK(count(h, "10月，各单位均无超期办结件。") == 1);
  CHECK(count(h, "class=\"named-unit\"") == 0);
  CHECK(count(h, "10月无超期及督办案件") == 1);
  for (const char* f : {"F1", "F2", "F3", "F6"}) CHECK_MESSAGE(count(figure(h, f), "本月无数据") == 1, std::string(f));
  CHECK(count(h, "class=\"bar\"") == 0);
  CHECK(count(table(h, "T3"), "本月无数据") == 1);
  CHECK(count(table(h, "T4"), "本月无数据") == 1);
  CHECK(count(h, "本月无办结件，按时办结率和用时不作计算") == 1);
  CHECK(count(table(h, "T1"), "<td class=\"n\">—</td>") >= 4);  // no rate or time: "—", never 0%
  CHECK(count(h, "0.00%") == 0);
}

TEST_CASE("report html: text widths, 1 em per wide character and 0.55 per other") {
  using dueday::detail::text_em;
  CHECK(text_em("报装ab") == doctest::Approx(2 + 2 * 0.55));
  CHECK(text_em("“接水”—") == doctest::Approx(5));
  CHECK(dueday::detail::fit_text("昆明市自然资源和规划局五华分局", 6) == "昆明市自然…");
  CHECK(dueday::detail::html_escape("a<b>&\"'") == "a&lt;b&gt;&amp;&quot;&#39;");
}
