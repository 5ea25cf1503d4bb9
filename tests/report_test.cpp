#include <doctest/doctest.h>
#include <dueday/report.hpp>  // first: proves the header stands alone

#include "report_support.hpp"

// Every figure below is worked out by hand from the events the test writes. October 2026 on the
// national calendar: 10-01..10-07 National Day (holiday), 10-08 Thu and 10-09 Fri working, 10-10
// Sat a make-up working day, 10-11 Sun rest, then Mon-Fri weeks; 10-31 is a Saturday.

using namespace dueday;
using namespace dueday::test::report_rig;

namespace {

// Two no-external cases, every clock on time.
event_log on_time_month() {
  event_log l;
  // C1: survey from 10-12 10:00, 2 WD = 13th, 14th: due 10-15 00:00.
  l.open("C1", "2026-10-12T09:00", "no-external", "五华区");
  l.start("C1", "survey", "2026-10-12T10:00", "2026-10-15T00:00", 2 * D, u1);
  l.start("C1", "overall", "2026-10-12T10:00", "2026-10-17T00:00", 4 * D, u1);
  // 12 h used of 48: 0.5 WD used, 1.5 WD to spare: early.
  l.done("C1", "survey", "2026-10-13T12:00", "2026-10-15T00:00", 43200, 2 * D - 43200, u1);
  l.start("C1", "connect", "2026-10-14T09:00", "2026-10-17T00:00", 2 * D, u1);
  // 18 h used: 0.75 WD, 1.25 to spare: early.
  l.done("C1", "connect", "2026-10-15T18:00", "2026-10-17T00:00", 64800, 2 * D - 64800, u1);
  // overall 12 + 18 h = 108000 s = 1.25 WD used, 2.75 to spare: early.
  l.done("C1", "overall", "2026-10-15T18:00", "2026-10-17T00:00", 108000, 4 * D - 108000, u1);
  // C2: survey from 10-19 09:30, due 10-22 00:00; yellow at 10-21 00:00.
  l.open("C2", "2026-10-19T09:00", "no-external", "盘龙区");
  l.start("C2", "survey", "2026-10-19T09:30", "2026-10-22T00:00", 2 * D, u1);
  l.start("C2", "overall", "2026-10-19T09:30", "2026-10-24T00:00", 4 * D, u1);
  l.alert(event_kind::warning, "yellow", "C2", "survey", "2026-10-21T00:00", "2026-10-22T00:00", u1);
  // 1 D + 20 h = 158400 s = 1.8333 WD used, 14400 s to spare: on time, not early.
  l.done("C2", "survey", "2026-10-21T20:00", "2026-10-22T00:00", 158400, 2 * D - 158400, u1);
  // connect from 10-22 09:00: 2 WD = 23rd (Fri), 26th (Mon): due 10-27 00:00.
  l.start("C2", "connect", "2026-10-22T09:00", "2026-10-27T00:00", 2 * D, u1);
  // 1 D + 12 h = 129600 s = 1.5 WD used, 0.5 to spare: not early.
  l.done("C2", "connect", "2026-10-26T12:00", "2026-10-27T00:00", 129600, 2 * D - 129600, u1);
  // overall 158400 + 129600 = 288000 s = 3.3333 WD, 57600 s to spare: not early.
  l.done("C2", "overall", "2026-10-26T12:00", "2026-10-27T00:00", 288000, 4 * D - 288000, u1);
  return l;
}

}  // namespace

TEST_CASE("report: a month with no late unit names none and says so") {
  const monthly_report r = report(on_time_month(), 2026, 10);
  CHECK(r.from == at("2026-10-01T00:00"));
  CHECK(r.to == at("2026-11-01T00:00"));
  CHECK(r.data_until == at("2026-10-26T12:00"));
  CHECK(r.policy_id == "kunming-water-490");
  CHECK(r.notices == std::vector<std::string>{"国办发明电〔2025〕7号"});  // the 2026 notice
  CHECK(r.named.empty());
  CHECK(r.late.empty());
  CHECK(r.no_late_sentence == "10月，各单位均无超期办结件和超期未办结件。");
  // Reply by the 10th working day of November: Sun 11-01, then 02..06 and 09..13.
  CHECK(r.reply_by == civil_day{std::chrono::year{2026} / 11 / 13});

  // Cases: the total first, then no-external, then external.
  REQUIRE(r.cases.size() == 3);
  const report_cases& total = r.cases[0];
  CHECK(total.title == "合计");
  CHECK(r.cases[1].variant == "no-external");
  CHECK(total.opened == 2);
  CHECK(total.opened_previous == 0);
  CHECK(total.opened_year == 2);
  const report_figures& m = total.overall.month;
  CHECK(m.received == 2);
  CHECK(m.completed == 2);
  CHECK(m.on_time == 2);
  CHECK(m.early == 1);  // C1 only (2.75 WD to spare; C2 0.67)
  CHECK(m.late() == 0);
  CHECK(m.open == 0);
  CHECK(rate_text(m.on_time_rate()) == "100.00%");
  CHECK(rate_text(m.early_rate()) == "50.00%");
  CHECK(wd_text(m.mean_wd()) == "2.29");  // (1.25 + 3.3333) / 2 = 2.2917
  CHECK(wd_text(m.p90_wd()) == "3.33");   // ceil(0.9 x 2) = 2nd smallest
  CHECK(wd_text(m.max_wd()) == "3.33");
  CHECK(pp_text(total.overall.rate_change_pp()) == "—");  // September had no completion
  CHECK(rate_text(total.overall.year_to_date.on_time_rate()) == "100.00%");
  // Calendar days from opening to water: C1 10-12 -> 10-15 = 3, C2 10-19 -> 10-26 = 7.
  CHECK(wd_text(total.calendar_days_median) == "5.00");
  CHECK(wd_text(total.calendar_days_mean) == "5.00");
  CHECK(r.cases[1].customer_interactions == 3);  // application, survey, connection
  CHECK(r.cases[2].opened == 0);
  CHECK(rate_text(r.cases[2].overall.month.on_time_rate()) == "—");

  // Steps: no-external survey, connect, overall, then external's five steps and overall.
  REQUIRE(r.steps.size() == 3 + 6);
  CHECK(r.steps[0].title == "报装勘查");
  CHECK(r.steps[0].limit == "2wd");
  CHECK(r.steps[2].step == "overall");
  CHECK(r.steps[2].limit == "4wd");
  const report_figures& survey = step(r, "no-external", "survey").figures.month;
  CHECK(survey.completed == 2);
  CHECK(survey.early == 1);
  CHECK(survey.warnings == 1);
  CHECK(wd_text(survey.mean_wd()) == "1.17");  // (0.5 + 1.8333) / 2 = 1.1667

  // One unit, four clocks completed on time: ranked first.
  REQUIRE(r.units.size() == 1);
  const report_unit_row& u = r.units[0];
  CHECK(u.unit == u1);
  CHECK(u.rank == 1);
  CHECK_FALSE(u.small_n);
  CHECK(u.steps == std::vector<std::string>{"报装勘查", "装表接水"});
  CHECK(u.figures.month.completed == 4);
  CHECK(u.figures.month.early == 2);  // C1's survey and connect
  // Used: 0.5, 0.75, 1.5, 1.8333 -> mean 4.5833 / 4 = 1.1458; P90 ceil(3.6) = 4th = 1.83.
  CHECK(wd_text(u.figures.month.mean_wd()) == "1.15");
  CHECK(wd_text(u.figures.month.p90_wd()) == "1.83");
  CHECK(u.figures.month.warnings == 1);

  // The days: 31 of them, with their kinds and the cases opened and completed.
  REQUIRE(r.days.size() == 31);
  CHECK(r.days[0].kind == day_kind::holiday);         // 10-01
  CHECK(r.days[9].kind == day_kind::makeup_workday);  // 10-10
  CHECK(r.days[10].kind == day_kind::restday);        // 10-11
  CHECK(r.days[11].opened == 1);                      // 10-12: C1
  CHECK(r.days[14].completed == 1);                   // 10-15: C1
  CHECK(r.days[25].completed == 1);                   // 10-26: C2
  CHECK(r.pauses.empty());
}

TEST_CASE("report: a month with only open cases has no rates") {
  event_log l;
  // C3: survey from 10-29 10:00, due 2 WD later: 30th, then Mon 11-02: 11-03 00:00. Not yet due.
  l.open("C3", "2026-10-29T09:00", "no-external");
  l.start("C3", "survey", "2026-10-29T10:00", "2026-11-03T00:00", 2 * D, u1);
  l.start("C3", "overall", "2026-10-29T10:00", "2026-11-05T00:00", 4 * D, u1);
  // C4 (external): survey from 10-20 10:00, 4 WD = 21, 22, 23, 26: due 10-27 00:00; open at the
  // month's end, late by the working days 27, 28, 29, 30 = 4.00.
  l.open("C4", "2026-10-20T09:00", "external");
  l.start("C4", "survey", "2026-10-20T10:00", "2026-10-27T00:00", 4 * D, u1);
  l.start("C4", "overall", "2026-10-20T10:00", "2026-11-03T00:00", 9 * D, u1);
  l.alert(event_kind::warning, "yellow", "C4", "survey", "2026-10-26T00:00", "2026-10-27T00:00", u1);
  l.alert(event_kind::overdue, "red", "C4", "survey", "2026-10-27T00:00", "2026-10-27T00:00", u1);
  l.alert(event_kind::escalation, "escalation", "C4", "survey", "2026-10-28T00:00", "2026-10-27T00:00", u1);
  const monthly_report r = report(l, 2026, 10);

  const report_figures& m = r.cases[0].overall.month;
  CHECK(m.received == 2);
  CHECK(m.completed == 0);
  CHECK(m.open == 2);
  CHECK(m.late_open == 0);  // both overall clocks are due in November
  CHECK(rate_text(m.on_time_rate()) == "—");
  CHECK(rate_text(m.early_rate()) == "—");
  CHECK(wd_text(m.mean_wd()) == "—");
  CHECK(wd_text(m.p90_wd()) == "—");
  CHECK(wd_text(r.cases[0].calendar_days_median) == "—");
  CHECK(pp_text(r.cases[0].overall.rate_change_pp()) == "—");

  const report_figures& survey = step(r, "external", "survey").figures.month;
  CHECK(survey.open == 1);
  CHECK(survey.late_open == 1);
  CHECK(survey.warnings == 1);
  CHECK(survey.overdue == 1);
  CHECK(survey.escalations == 1);

  const report_unit_row& u = unit(r, u1);
  CHECK(u.small_n);  // nothing completed
  CHECK_FALSE(u.rank);
  CHECK(rate_text(u.figures.month.on_time_rate()) == "—");
  CHECK(u.figures.month.late() == 1);
  CHECK(wd_text(u.max_late_wd) == "4.00");

  REQUIRE(r.named.size() == 1);
  CHECK(r.named[0].sentence == "10月，一供水公司在“报装勘查”环节超期未办结1件（最长超期4.00个工作日），予以通报。");
  CHECK(r.no_late_sentence.empty());

  REQUIRE(r.late.size() == 1);
  const report_late_case& c = r.late[0];
  CHECK(c.case_id == "C4");
  CHECK(c.highest_alert == "escalation");
  CHECK(c.highest_kind == dueday::event_kind::escalation);
  CHECK_FALSE(c.handover);
  REQUIRE(c.clocks.size() == 2);  // the survey and the overall clock (the others never started)
  CHECK(c.clocks[0].step == "survey");
  CHECK(c.clocks[0].late);
  CHECK(wd_text(c.clocks[0].late_wd) == "4.00");
  CHECK_FALSE(c.clocks[0].completed);
  CHECK(c.clocks[0].alerts.size() == 3);
  CHECK(c.clocks[1].step == "overall");
  CHECK_FALSE(c.clocks[1].late);
}

namespace {

// C5: received in September, its survey late at September's end and completed late in October.
event_log spanning_months() {
  event_log l;
  // Survey from Thu 09-24 10:00: 09-25..27 are 中秋节 holidays, so 2 WD = 28th, 29th: due 09-30 00:00.
  l.open("C5", "2026-09-24T09:00", "no-external");
  l.start("C5", "survey", "2026-09-24T10:00", "2026-09-30T00:00", 2 * D, u1);
  // Overall 4 WD = 28, 29, 30, 10-08: due 10-09 00:00.
  l.start("C5", "overall", "2026-09-24T10:00", "2026-10-09T00:00", 4 * D, u1);
  // Completed 10-09 12:00: past due by 09-30 (1 D) + 10-08 (1 D) + half of 10-09 = 2.5 WD;
  // used 2 + 2.5 = 4.5 WD.
  l.done("C5", "survey", "2026-10-09T12:00", "2026-09-30T00:00", 388800, -216000, u1);
  // The overall clock stops between steps with 4.5 WD used of 4: 0.5 WD past due.
  l.pause("C5", "overall", "2026-10-09T12:00", "2026-10-09T00:00", 388800, -43200, u1, "survey completed");
  return l;
}

}  // namespace

TEST_CASE("report: a case spanning two months is late open in the first, late completed in the second") {
  const event_log l = spanning_months();
  const monthly_report sep = report(l, 2026, 9);
  // At 10-01 00:00 the survey is open and due since 09-30 00:00: 1 working day (09-30) late.
  const report_figures& s9 = step(sep, "no-external", "survey").figures.month;
  CHECK(s9.received == 1);
  CHECK(s9.completed == 0);
  CHECK(s9.late_open == 1);
  CHECK(rate_text(s9.on_time_rate()) == "—");
  REQUIRE(sep.late.size() == 1);
  CHECK(sep.late[0].case_id == "C5");
  CHECK(wd_text(sep.late[0].clocks[0].late_wd) == "1.00");
  CHECK_FALSE(sep.late[0].clocks[0].completed);
  CHECK_FALSE(sep.late[0].clocks[1].late);  // the overall clock is due 10-09
  REQUIRE(sep.named.size() == 1);
  CHECK(sep.named[0].sentence == "9月，一供水公司在“报装勘查”环节超期未办结1件（最长超期1.00个工作日），予以通报。");
  CHECK(sep.cases[0].opened == 1);
  CHECK(sep.days[23].opened == 1);  // 09-24

  const monthly_report oct = report(l, 2026, 10);
  const report_step_row& s10 = step(oct, "no-external", "survey");
  CHECK(s10.figures.month.received == 0);
  CHECK(s10.figures.month.completed == 1);
  CHECK(s10.figures.month.late_completed == 1);
  CHECK(s10.figures.month.late_open == 0);
  CHECK(rate_text(s10.figures.month.on_time_rate()) == "0.00%");
  CHECK(wd_text(s10.figures.month.mean_wd()) == "4.50");
  CHECK(s10.figures.previous.late_open == 1);
  CHECK(pp_text(s10.figures.rate_change_pp()) == "—");  // September has no rate
  CHECK(s10.figures.year_to_date.received == 1);
  CHECK(s10.figures.year_to_date.late_completed == 1);
  CHECK(oct.cases[0].opened == 0);
  CHECK(oct.cases[0].opened_year == 1);
  // The overall clock: paused with 0.5 WD past due, so late open at October's end.
  CHECK(oct.cases[0].overall.month.late_open == 1);
  REQUIRE(oct.late.size() == 1);
  CHECK(wd_text(oct.late[0].clocks[0].late_wd) == "2.50");
  CHECK(oct.late[0].clocks[0].completed == at("2026-10-09T12:00"));
  CHECK(wd_text(oct.late[0].clocks[1].late_wd) == "0.50");
  CHECK_FALSE(oct.late[0].handover);  // its survey was late
  REQUIRE(oct.named.size() == 1);
  CHECK(oct.named[0].sentence == "10月，一供水公司在“报装勘查”环节超期办结1件（最长超期2.50个工作日），予以通报。");
}

TEST_CASE("report: a case late overall with no late step is a hand-over delay of the overall clock's unit") {
  event_log l;
  l.open("C6", "2026-10-12T09:00", "no-external");
  l.start("C6", "survey", "2026-10-12T10:00", "2026-10-15T00:00", 2 * D, u1);
  l.start("C6", "overall", "2026-10-12T10:00", "2026-10-17T00:00", 4 * D, "二供水公司");
  l.done("C6", "survey", "2026-10-13T10:00", "2026-10-15T00:00", 36000, 2 * D - 36000, u1);  // on time
  // connect from 10-19 09:00: 20th, 21st: due 10-22 00:00; done 10-21 12:00 with 0.5 WD to spare.
  l.start("C6", "connect", "2026-10-19T09:00", "2026-10-22T00:00", 2 * D, u1);
  l.done("C6", "connect", "2026-10-21T12:00", "2026-10-22T00:00", 129600, 2 * D - 129600, u1);
  // The case took 4.5 WD of 4: late by 0.5 WD, though both steps were on time.
  l.done("C6", "overall", "2026-10-21T12:00", "2026-10-17T00:00", 388800, -43200, "二供水公司");
  const monthly_report r = report(l, 2026, 10);

  CHECK(r.cases[0].overall.month.late_completed == 1);
  CHECK(rate_text(r.cases[0].overall.month.on_time_rate()) == "0.00%");
  const report_unit_row& owner = unit(r, "二供水公司");
  CHECK(owner.figures.month.handovers == 1);
  CHECK(owner.figures.month.late_completed == 0);  // unit figures count step clocks
  CHECK(owner.figures.month.late() == 1);
  CHECK(owner.steps == std::vector<std::string>{"全流程"});
  CHECK(wd_text(owner.max_late_wd) == "0.50");
  const report_unit_row& steps = unit(r, u1);
  CHECK(steps.figures.month.late() == 0);
  CHECK(steps.figures.month.handovers == 0);

  REQUIRE(r.named.size() == 1);
  CHECK(r.named[0].unit == "二供水公司");
  CHECK(r.named[0].handovers == 1);
  CHECK(r.named[0].sentence == "10月，二供水公司在“全流程”环节衔接超时1件（最长超期0.50个工作日），予以通报。");
  REQUIRE(r.late.size() == 1);
  CHECK(r.late[0].handover);
  REQUIRE(r.late[0].clocks.size() == 3);
  CHECK_FALSE(r.late[0].clocks[0].late);
  CHECK_FALSE(r.late[0].clocks[1].late);
  CHECK(r.late[0].clocks[2].late);
}

TEST_CASE("report: a paused case excludes and lists the customer's time") {
  event_log l;
  // C7 (external): survey from 10-12 10:00, 4 WD: due 10-17 00:00.
  l.open("C7", "2026-10-12T09:00", "external");
  l.start("C7", "survey", "2026-10-12T10:00", "2026-10-17T00:00", 4 * D, u1);
  l.start("C7", "overall", "2026-10-12T10:00", "2026-10-24T00:00", 9 * D, u1);
  // Paused at 10-13 12:00 after 12 h; resumed 10-15 12:00: 12 + 24 + 12 h = 2.00 WD paused.
  l.pause("C7", "survey", "2026-10-13T12:00", "2026-10-17T00:00", 43200, 4 * D - 43200, u1, "客户不在现场");
  l.resume("C7", "survey", "2026-10-15T12:00", "2026-10-21T00:00", 43200, 4 * D - 43200, u1);
  // Done 10-16 12:00: 12 h + 12 h (15th) + 12 h (16th) = 1.5 WD used, 2.5 to spare: early.
  l.done("C7", "survey", "2026-10-16T12:00", "2026-10-21T00:00", 129600, 4 * D - 129600, u1);
  l.pause("C7", "overall", "2026-10-16T12:00", "2026-10-26T00:00", 129600, 9 * D - 129600, u1, "survey completed");
  // C8: paused at 10-30 12:00 and still paused at the month's end: 0.5 WD of October (31st is Saturday).
  l.open("C8", "2026-10-28T09:00", "no-external");
  l.start("C8", "survey", "2026-10-28T10:00", "2026-10-31T00:00", 2 * D, u1);
  l.start("C8", "overall", "2026-10-28T10:00", "2026-11-04T00:00", 4 * D, u1);
  l.pause("C8", "survey", "2026-10-30T12:00", "2026-10-31T00:00", 129600, 43200, u1, "资料不全");
  const monthly_report r = report(l, 2026, 10);

  REQUIRE(r.pauses.size() == 2);
  CHECK(r.pauses[0].case_id == "C7");
  CHECK(r.pauses[0].step == "survey");
  CHECK(r.pauses[0].unit == u1);
  CHECK(r.pauses[0].from == at("2026-10-13T12:00"));
  CHECK(r.pauses[0].to == at("2026-10-15T12:00"));
  CHECK(r.pauses[0].paused == working_time{2 * D});
  CHECK(r.pauses[0].reason == "客户不在现场");
  CHECK(r.pauses[1].case_id == "C8");
  CHECK_FALSE(r.pauses[1].to);
  CHECK(r.pauses[1].paused == working_time{D / 2});

  const report_figures& survey = step(r, "external", "survey").figures.month;
  CHECK(survey.pauses == 1);
  CHECK(survey.paused == working_time{2 * D});
  CHECK(wd_text(survey.mean_wd()) == "1.50");  // the 2 paused days are not counted
  CHECK(survey.early == 1);
  // The cases' totals carry their steps' pauses: 2 + 0.5 WD.
  CHECK(r.cases[0].overall.month.pauses == 2);
  CHECK(r.cases[0].overall.month.paused == working_time{2 * D + D / 2});
  // C8's survey, paused with 0.5 WD left, is not late although its old due instant has passed.
  CHECK(step(r, "no-external", "survey").figures.month.late_open == 0);
  CHECK(r.late.empty());
}

TEST_CASE("report: units are ranked, a unit with one case is marked small n, an idle one listed") {
  const monthly_report r = report(units_month(), 2026, 10);
  // Ranked: the utility (3 of 3 on time, 100%) then planning (2 of 3, 66.67%, 1 late); small n:
  // city management (1 completed) and the traffic police (none completed, one open); no cases:
  // the utility seen in September.
  REQUIRE(r.units.size() == 5);
  CHECK(r.units[0].unit == u1);
  CHECK(r.units[0].rank == 1);
  CHECK(rate_text(r.units[0].figures.month.on_time_rate()) == "100.00%");
  CHECK(r.units[1].unit == planning);
  CHECK(r.units[1].rank == 2);
  CHECK(rate_text(r.units[1].figures.month.on_time_rate()) == "66.67%");
  CHECK(r.units[1].figures.month.early == 1);  // E1 only: E2 had 0.5 WD to spare
  CHECK(r.units[1].figures.month.late_completed == 1);
  // Used 1, 2.5, 4: mean 2.50, P90 = ceil(2.7) = 3rd = 4.00, max 4.00.
  CHECK(wd_text(r.units[1].figures.month.mean_wd()) == "2.50");
  CHECK(wd_text(r.units[1].figures.month.p90_wd()) == "4.00");
  CHECK(wd_text(r.units[1].max_late_wd) == "1.00");
  CHECK(r.units[1].steps == std::vector<std::string>{"规划审批"});
  // Small n: by the same key, city management (100%) before the police (no rate).
  CHECK(r.units[2].unit == city);
  CHECK(r.units[2].small_n);
  CHECK_FALSE(r.units[2].rank);
  CHECK(r.units[2].figures.month.completed == 1);
  CHECK(r.units[3].unit == police);
  CHECK(r.units[3].small_n);
  CHECK(r.units[3].figures.month.open == 1);
  CHECK(r.units[4].unit == "旧供水公司");
  CHECK(r.units[4].no_cases);
  CHECK_FALSE(r.units[4].small_n);
  CHECK(r.units[4].figures.previous.completed == 1);
  CHECK(r.units[4].figures.year_to_date.completed == 1);

  REQUIRE(r.named.size() == 1);
  CHECK(r.named[0].sentence ==
        "10月，五华区自然资源和规划局在“规划审批”环节超期办结1件（最长超期1.00个工作日），予以通报。");
  // The planning step row of the external variant.
  const report_figures& p = step(r, "external", "approval-planning").figures.month;
  CHECK(p.received == 3);
  CHECK(p.completed == 3);
  CHECK(rate_text(p.on_time_rate()) == "66.67%");
  CHECK(rate_text(p.early_rate()) == "33.33%");
}

TEST_CASE("report: without named units the policy's parties are listed, idle ones as no cases") {
  event_log l;
  l.open("C1", "2026-10-12T09:00", "no-external");
  l.start("C1", "survey", "2026-10-12T10:00", "2026-10-15T00:00", 2 * D, "");
  const monthly_report r = report(l, 2026, 10);
  REQUIRE(r.units.size() == 4);
  CHECK(r.units[0].unit == "供水企业");
  CHECK(r.units[0].small_n);
  CHECK(r.units[1].no_cases);
  CHECK(r.units[1].unit == "交警部门");  // idle ones by name (code point order)
}

TEST_CASE("report: a month whose last day is a holiday") {
  // January 2025: Sun 01-26 a make-up working day, 01-28..02-04 the Spring Festival.
  event_log l;
  l.open("J1", "2025-01-22T09:00", "no-external");
  // Survey from Wed 01-22 10:00: 2 WD = 23, 24: due 01-25 00:00.
  l.start("J1", "survey", "2025-01-22T10:00", "2025-01-25T00:00", 2 * D, u1);
  // Overall 4 WD = 23, 24, 26 (make-up Sunday), 27: due 01-28 00:00.
  l.start("J1", "overall", "2025-01-22T10:00", "2025-01-28T00:00", 4 * D, u1);
  const monthly_report r = report(l, 2025, 1);
  REQUIRE(r.days.size() == 31);
  CHECK(r.days[24].kind == day_kind::restday);         // Sat 01-25
  CHECK(r.days[25].kind == day_kind::makeup_workday);  // Sun 01-26
  CHECK(r.days[26].kind == day_kind::workday);         // Mon 01-27
  CHECK(r.days[30].kind == day_kind::holiday);         // Fri 01-31
  CHECK(r.days[21].opened == 1);                       // 01-22
  // At 02-01 00:00 the survey is late by the working days from 01-25 00:00: 26 and 27 = 2.00 (the
  // holidays 28..31 do not count); the overall clock by 0 working days (all holiday), yet past due.
  REQUIRE(r.late.size() == 1);
  CHECK(wd_text(r.late[0].clocks[0].late_wd) == "2.00");
  CHECK(r.late[0].clocks[1].late);
  CHECK(wd_text(r.late[0].clocks[1].late_wd) == "0.00");
  CHECK(r.cases[0].overall.month.late_open == 1);
  CHECK(r.notices == std::vector<std::string>{"国办发明电〔2024〕12号"});
  // December 2024 is the month before: nothing there.
  CHECK(r.cases[0].opened_previous == 0);
  // February 2025's 10th working day: 02-05, 06, 07, Sat 08 (make-up), 10..14, 17 (01-28..02-04 off).
  CHECK(r.reply_by == civil_day{std::chrono::year{2025} / 2 / 17});
}

TEST_CASE("report: December's reply date waits for next year's notice") {
  report_options o;
  o.month = std::chrono::year{2026} / std::chrono::December;
  const monthly_report r = make_report({}, cal(), policies(), o);
  CHECK_FALSE(r.reply_by.has_value());  // the bundled notices end with 2026
}

TEST_CASE("report: an unknown policy and a month past the calendar are refused") {
  report_options o;
  o.policy = "nope";
  CHECK_THROWS_WITH_AS(make_report({}, cal(), policies(), o), "unknown policy 'nope'", error);
  o.policy = "kunming-water-490";
  o.month = std::chrono::year{2027} / std::chrono::January;
  CHECK_THROWS_AS(make_report({}, cal(), policies(), o), coverage_error);
  o.month = std::chrono::year{2026} / std::chrono::December;
  CHECK_NOTHROW(make_report({}, cal(), policies(), o));
}
