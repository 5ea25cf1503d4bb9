// A monthly_report for October 2026 built by hand, for the HTML circular's tests and its browser
// check: seven ranked units across three districts, one with a single case (样本少), one with none
// (本月无业务); a late planning bureau, a late city-management bureau, a utility whose connection is
// still open past due at the month's end (a case opened in September), a hand-over delay on the
// overall clock; customer pauses; the National Day holiday (10-01..10-07) and the make-up working
// day 10-10 as the 2026 notice (国办发明电〔2025〕7号) sets them.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "dueday/report.hpp"

namespace dueday::test {

// The instant of a Beijing wall-clock time.
inline instant bj(int y, unsigned m, unsigned d, int hh = 0, int mm = 0) {
  using namespace std::chrono;
  return instant{sys_days{year{y} / month{m} / day{d}}} + hours{hh} + minutes{mm} - beijing_offset;
}

// Figures with `completed` clocks whose working days used run evenly from lo to hi.
inline report_figures figures(std::int64_t received, std::int64_t completed, std::int64_t on_time, std::int64_t early,
                              std::int64_t late_open, std::int64_t open, double lo, double hi) {
  report_figures f;
  f.received = received;
  f.completed = completed;
  f.on_time = on_time;
  f.early = early;
  f.late_completed = completed - on_time;
  f.late_open = late_open;
  f.open = open;
  for (std::int64_t i = 0; i < completed; ++i)
    f.used_wd.push_back(completed == 1 ? lo
                                       : lo + (hi - lo) * static_cast<double>(i) / static_cast<double>(completed - 1));
  return f;
}

inline report_figures alerts(report_figures f, std::int64_t w, std::int64_t o, std::int64_t e, std::int64_t h = 0) {
  f.warnings = w;
  f.overdue = o;
  f.escalations = e;
  f.handovers = h;
  return f;
}

inline report_compared compared(report_figures month, report_figures previous, report_figures ytd) {
  return {std::move(month), std::move(previous), std::move(ytd)};
}

inline const char* const water_a = "昆明市自来水有限公司";
inline const char* const water_b = "昆明通用水务自来水有限公司";
inline const char* const plan_wh = "昆明市自然资源和规划局五华分局";
inline const char* const plan_pl = "昆明市自然资源和规划局盘龙分局";
inline const char* const city_wh = "五华区城市管理局";
inline const char* const city_pl = "盘龙区城市管理局";
inline const char* const city_gd = "官渡区城市管理局";
inline const char* const city_cg = "呈贡区城市管理局";
inline const char* const police = "昆明市公安局交通警察支队";

inline monthly_report october_report() {
  using namespace std::chrono;
  monthly_report r;
  r.month = year{2026} / October;
  r.from = bj(2026, 10, 1);
  r.to = bj(2026, 11, 1);
  r.data_until = bj(2026, 10, 31, 17, 42);
  r.policy_id = "kunming-water-490";
  r.policy_version = "2020.2";
  r.policy_title = "昆明市获得用水“490”服务标准（2020）";
  r.notices = {"国办发明电〔2025〕7号《国务院办公厅关于2026年部分节假日安排的通知》"};
  r.calendar_fingerprint = "sha256:3f1c9a0e5b7d2468ace13579bdf02468ace13579bdf02468ace13579bdf0246";
  r.options.generated_at = bj(2026, 11, 2, 9, 0);
  r.reply_by = civil_day{year{2026} / November / 13};

  // Cases by their overall clocks: the total, then each variant.
  report_cases total{"", "合计", 38, 41, 352, {}, 1, 1, 5.0, 6.2, 3};
  total.overall =
      compared(alerts(figures(38, 35, 34, 22, 1, 6, 1.1, 8.6), 4, 2, 2, 1),
               alerts(figures(41, 40, 38, 25, 0, 3, 1.0, 8.9), 3, 2, 0), figures(352, 340, 331, 205, 1, 6, 0.8, 9.4));
  total.overall.month.pauses = 2;
  total.overall.month.paused = hours{31};
  report_cases none{"no-external", "无外线工程", 24, 27, 230, {}, 0, 1, 4.0, 4.6, 3};
  none.overall = compared(alerts(figures(24, 23, 22, 16, 0, 3, 1.1, 5.3), 2, 1, 1, 1),
                          figures(27, 27, 26, 18, 0, 1, 1.0, 4.0), figures(230, 226, 221, 150, 0, 3, 0.8, 5.5));
  report_cases ext{"external", "有外线工程", 14, 14, 122, {}, 1, 0, 12.0, 12.8, 3};
  ext.overall = compared(alerts(figures(14, 12, 12, 6, 1, 3, 4.2, 8.6), 2, 1, 1),
                         figures(14, 13, 12, 7, 0, 2, 4.0, 8.9), figures(122, 114, 110, 55, 1, 3, 3.9, 9.4));
  r.cases = {total, none, ext};

  const auto step = [](const char* variant, const char* name, const char* title, const char* limit, report_figures m,
                       report_figures p, report_figures y) {
    return report_step_row{variant, name, title, limit, compared(std::move(m), std::move(p), std::move(y))};
  };
  r.steps = {
      step("no-external", "survey", "报装勘查", "2wd", figures(24, 24, 24, 15, 0, 1, 0.4, 1.8),
           figures(27, 27, 27, 19, 0, 0, 0.5, 1.9), figures(230, 228, 226, 160, 0, 1, 0.3, 2.4)),
      step("no-external", "connect", "接水", "2wd", figures(23, 23, 23, 12, 0, 2, 0.5, 1.9),
           figures(27, 27, 26, 11, 0, 1, 0.6, 2.1), figures(226, 226, 222, 120, 0, 2, 0.4, 2.6)),
      step("no-external", "overall", "全流程", "4wd", none.overall.month, none.overall.previous,
           none.overall.year_to_date),
      step("external", "survey", "报装勘查", "4wd", figures(14, 13, 13, 8, 0, 1, 1.2, 3.6),
           figures(14, 14, 14, 9, 0, 0, 1.0, 3.8), figures(122, 118, 118, 80, 0, 1, 0.9, 4.0)),
      step("external", "approval-planning", "规划审批", "3wd", alerts(figures(13, 12, 11, 5, 0, 1, 0.9, 4.46), 2, 1, 1),
           figures(14, 14, 14, 6, 0, 0, 0.8, 2.9), figures(118, 116, 114, 60, 0, 1, 0.7, 4.5)),
      step("external", "approval-city-management", "城管审批", "3wd",
           alerts(figures(13, 12, 11, 6, 0, 1, 0.8, 5.42), 1, 1, 1), figures(14, 14, 13, 7, 0, 0, 0.9, 3.2),
           figures(118, 117, 114, 66, 0, 1, 0.6, 5.4)),
      step("external", "approval-traffic-police", "交警审批", "3wd", figures(13, 14, 14, 9, 0, 0, 0.7, 2.6),
           figures(14, 13, 13, 8, 0, 1, 0.8, 2.8), figures(118, 118, 118, 74, 0, 0, 0.5, 2.9)),
      step("external", "connect", "接水", "5wd", alerts(figures(12, 11, 11, 6, 1, 2, 1.5, 4.8), 1, 1, 0),
           figures(13, 13, 12, 6, 0, 1, 1.4, 5.2), figures(112, 110, 108, 52, 1, 2, 1.2, 5.4)),
      step("external", "overall", "全流程", "9wd", ext.overall.month, ext.overall.previous, ext.overall.year_to_date),
  };

  const auto unit = [](const char* name, std::vector<std::string> steps, report_figures m, report_figures p,
                       std::optional<int> rank, double max_late) {
    report_unit_row u;
    u.unit = name;
    u.steps = std::move(steps);
    u.figures = compared(std::move(m), std::move(p), report_figures{});
    u.rank = rank;
    u.max_late_wd = max_late;
    return u;
  };
  r.units = {
      unit(police, {"交警审批"}, figures(13, 14, 14, 9, 0, 0, 0.7, 2.54), figures(14, 13, 13, 8, 0, 1, 0.8, 2.8), 1, 0),
      unit(plan_pl, {"规划审批"}, figures(5, 5, 5, 3, 0, 0, 0.9, 2.6), figures(6, 6, 6, 2, 0, 0, 1.0, 2.9), 2, 0),
      unit(city_wh, {"城管审批"}, figures(6, 6, 6, 4, 0, 0, 0.8, 3.0), figures(5, 5, 5, 3, 0, 0, 0.9, 3.0), 3, 0),
      unit(water_b, {"报装勘查", "接水", "全流程"}, alerts(figures(19, 18, 18, 11, 1, 2, 0.5, 6.0), 1, 1, 0),
           figures(18, 19, 18, 10, 0, 1, 0.6, 6.2), 4, 1.0),
      unit(water_a, {"报装勘查", "接水", "全流程"}, alerts(figures(53, 52, 51, 30, 0, 7, 0.4, 5.3), 2, 1, 1, 1),
           figures(57, 56, 55, 31, 0, 3, 0.5, 5.6), 5, 2.0),
      unit(plan_wh, {"规划审批"}, alerts(figures(8, 7, 6, 2, 0, 1, 0.9, 4.46), 2, 1, 1),
           figures(8, 8, 8, 4, 0, 0, 0.8, 2.9), 6, 1.46),
      unit(city_pl, {"城管审批"}, alerts(figures(5, 4, 3, 1, 0, 1, 1.0, 5.42), 1, 1, 1),
           figures(6, 6, 5, 2, 0, 0, 1.0, 3.2), 7, 2.42),
      unit(city_gd, {"城管审批"}, figures(2, 2, 2, 1, 0, 0, 1.2, 2.0), figures(3, 3, 3, 2, 0, 0, 1.0, 2.5),
           std::nullopt, 0),
      unit(city_cg, {}, report_figures{}, figures(1, 1, 1, 1, 0, 0, 1.0, 1.0), std::nullopt, 0),
  };
  r.units[7].small_n = true;
  r.units[8].no_cases = true;

  // The late cases, most working days late first.
  report_late_case a{"KM-2026-09-0458",     "external", "盘龙区", bj(2026, 9, 25, 10), {}, false, "escalation",
                     event_kind::escalation};
  a.clocks = {
      {"survey", water_b, "4wd", bj(2026, 9, 25, 10), bj(2026, 10, 9, 24), bj(2026, 9, 29, 16), false, 0, {}, {}},
      {"approval-planning",
       plan_pl,
       "3wd",
       bj(2026, 9, 29, 14),
       bj(2026, 10, 9, 24),
       bj(2026, 10, 9, 16),
       false,
       0,
       {},
       {}},
      {"approval-city-management",
       city_pl,
       "3wd",
       bj(2026, 9, 29, 14),
       bj(2026, 10, 9, 24),
       bj(2026, 10, 14, 10),
       true,
       2.42,
       {},
       {{bj(2026, 10, 9), event_kind::warning, "yellow"},
        {bj(2026, 10, 10), event_kind::overdue, "red"},
        {bj(2026, 10, 13), event_kind::escalation, "escalation"}}},
      {"approval-traffic-police",
       police,
       "3wd",
       bj(2026, 9, 29, 14),
       bj(2026, 10, 9, 24),
       bj(2026, 10, 9, 11),
       false,
       0,
       {},
       {}},
      {"connect",
       water_b,
       "5wd",
       bj(2026, 10, 22, 9),
       bj(2026, 10, 29, 24),
       std::nullopt,
       true,
       1.0,
       {{bj(2026, 10, 26, 9), bj(2026, 10, 27, 9)}},
       {{bj(2026, 10, 29), event_kind::warning, "yellow"}, {bj(2026, 10, 30), event_kind::overdue, "red"}}},
      {"overall",
       water_b,
       "9wd",
       bj(2026, 9, 25, 10),
       bj(2026, 10, 29, 24),
       std::nullopt,
       true,
       1.0,
       {{bj(2026, 10, 26, 9), bj(2026, 10, 27, 9)}},
       {}},
  };
  report_late_case b{"KM-2026-10-0203", "no-external",         "官渡区", bj(2026, 10, 20, 9), {}, true,
                     "escalation",      event_kind::escalation};
  b.clocks = {
      {"survey", water_a, "2wd", bj(2026, 10, 20, 9), bj(2026, 10, 22, 24), bj(2026, 10, 21, 17), false, 0, {}, {}},
      {"connect", water_a, "2wd", bj(2026, 10, 27, 10), bj(2026, 10, 29, 24), bj(2026, 10, 28, 16), false, 0, {}, {}},
      {"overall",
       water_a,
       "4wd",
       bj(2026, 10, 20, 9),
       bj(2026, 10, 26, 24),
       bj(2026, 10, 28, 16),
       true,
       2.0,
       {},
       {{bj(2026, 10, 26), event_kind::warning, "yellow"},
        {bj(2026, 10, 27), event_kind::overdue, "red"},
        {bj(2026, 10, 28), event_kind::escalation, "escalation"}}},
  };
  report_late_case c{"KM-2026-10-0117",     "external", "五华区", bj(2026, 10, 8, 9, 30), {}, false, "escalation",
                     event_kind::escalation};
  c.clocks = {
      {"survey",
       water_a,
       "4wd",
       bj(2026, 10, 8, 9, 30),
       bj(2026, 10, 14, 24),
       bj(2026, 10, 12, 16),
       false,
       0,
       {{bj(2026, 10, 9, 10), bj(2026, 10, 10, 15)}},
       {}},
      {"approval-planning",
       plan_wh,
       "3wd",
       bj(2026, 10, 12, 16, 30),
       bj(2026, 10, 15, 24),
       bj(2026, 10, 19, 11),
       true,
       1.46,
       {},
       {{bj(2026, 10, 15), event_kind::warning, "yellow"},
        {bj(2026, 10, 16), event_kind::overdue, "red"},
        {bj(2026, 10, 19), event_kind::escalation, "escalation"}}},
      {"approval-city-management",
       city_wh,
       "3wd",
       bj(2026, 10, 12, 16, 30),
       bj(2026, 10, 15, 24),
       bj(2026, 10, 14, 10),
       false,
       0,
       {},
       {}},
      {"approval-traffic-police",
       police,
       "3wd",
       bj(2026, 10, 12, 16, 30),
       bj(2026, 10, 15, 24),
       bj(2026, 10, 15, 17),
       false,
       0,
       {},
       {{bj(2026, 10, 15), event_kind::warning, "yellow"}}},
      {"connect", water_a, "5wd", bj(2026, 10, 19, 11), bj(2026, 10, 26, 24), bj(2026, 10, 23, 15), false, 0, {}, {}},
      {"overall",
       water_a,
       "9wd",
       bj(2026, 10, 8, 9, 30),
       bj(2026, 10, 23, 24),
       bj(2026, 10, 23, 15),
       false,
       0,
       {{bj(2026, 10, 9, 10), bj(2026, 10, 10, 15)}},
       {}},
  };
  r.late = {a, b, c};

  const auto named = [](const char* u, const char* steps, std::int64_t lc, std::int64_t lo, std::int64_t h, double max,
                        const char* sentence) { return report_named_unit{u, steps, lc, lo, h, max, sentence}; };
  r.named = {
      named(
          water_b, "接水", 0, 1, 0, 1.0,
          "10月，昆明通用水务自来水有限公司在“接水”环节超期办结0件、超期未办结1件（最长超期1.00个工作日），予以通报。"),
      named(water_a, "全流程", 0, 0, 1, 2.0,
            "10月，昆明市自来水有限公司在“全流程”环节衔接超时1件（最长超期2.00个工作日），予以通报。"),
      named(plan_wh, "规划审批", 1, 0, 0, 1.46,
            "10月，昆明市自然资源和规划局五华分局在“规划审批”环节超期办结1件、超期未办结0件（最长超期1."
            "46个工作日），予以通报。"),
      named(city_pl, "城管审批", 1, 0, 0, 2.42,
            "10月，盘龙区城市管理局在“城管审批”环节超期办结1件、超期未办结0件（最长超期2.42个工作日），予以通报。"),
  };

  r.pauses = {
      {"KM-2026-10-0117", "survey", water_a, bj(2026, 10, 9, 10), bj(2026, 10, 10, 15), hours{29}, "申请人补正材料"},
      {"KM-2026-09-0458", "connect", water_b, bj(2026, 10, 26, 9), bj(2026, 10, 27, 9), hours{24},
       "用户要求推迟接水日期"},
  };

  // October 2026: National Day 10-01..10-07, make-up working day Saturday 10-10.
  const std::int64_t opened[31] = {0, 0, 0, 0, 0, 0, 0, 4, 3, 2, 0, 2, 1, 3, 2, 1,
                                   0, 0, 2, 3, 1, 2, 2, 0, 0, 1, 2, 3, 1, 3, 0};
  const std::int64_t done[31] = {0, 0, 0, 0, 0, 0, 0, 1, 2, 2, 0, 3, 2, 1, 2, 2,
                                 0, 0, 1, 2, 3, 1, 2, 0, 0, 2, 1, 3, 2, 3, 0};
  for (unsigned d = 1; d <= 31; ++d) {
    const civil_day day{year{2026} / October / std::chrono::day{d}};
    day_kind kind = day.is_weekend() ? day_kind::restday : day_kind::workday;
    if (d <= 7) kind = day_kind::holiday;
    if (d == 10) kind = day_kind::makeup_workday;
    r.days.push_back({day, kind, opened[d - 1], done[d - 1]});
  }
  return r;
}

// A month with nothing in it: no cases, no units, no late case; the days still there.
inline monthly_report empty_report() {
  monthly_report r = october_report();
  r.cases = {report_cases{"", "合计", 0, 0, 0, {}, 0, 0, std::nullopt, std::nullopt, 3}};
  for (auto& s : r.steps) s.figures = {};
  r.units.clear();
  r.late.clear();
  r.named.clear();
  r.pauses.clear();
  r.no_late_sentence = "10月，各单位均无超期办结件。";
  for (auto& d : r.days) d.opened = d.completed = 0;
  return r;
}

// The October report with hostile text where data enters the page: a unit name that is a script, a
// case id that would end a CDATA section and open a tag, a pause reason full of quotes.
inline monthly_report hostile_report() {
  monthly_report r = october_report();
  const std::string unit = "<script>alert(\"x\")</script>'\"";
  r.units[0].unit = unit;
  r.named[0].unit = unit;
  r.named[0].sentence = "10月，" + unit + "在“接水”环节超期未办结1件，予以通报。";
  r.late[0].case_id = "]]><img src=x onerror=alert(1)>";
  r.late[0].clocks[2].unit = unit;
  r.pauses[1].case_id = r.late[0].case_id;
  r.pauses[1].reason = "\"'&<b>reason</b>";
  r.late[0].district = "</svg><svg onload=alert(2)>";
  r.options.issuer = "<iframe src=\"http://example.com\">";
  return r;
}

}  // namespace dueday::test
