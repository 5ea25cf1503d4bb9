// The circular's tables T1 to T5 and the paused-time list, as report-design.md §2 lays them out:
// caption above, unit top right, thin rules, numbers right-aligned in tabular figures, the header
// repeated on every printed page. A table with nothing to list still has one row saying so.
#include <fmt/format.h>

#include <initializer_list>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "report/markup.hpp"
#include "report/numbers.hpp"
#include "report/words.hpp"

namespace dueday::detail {
namespace {

struct column {
  std::string_view zh, en;
  bool full_only = false;  // only in the attachment's full table
};

// The columns of a table in the body (full = false) or in attachment 1. One list filtered, not
// inserts into a vector: GCC 12 at -O3 warns falsely (-Wstringop-overflow) on vector::insert of an
// initializer list of these (GCC bug 106199), in the main job's release build.
std::vector<column> columns(bool full, std::initializer_list<column> all) {
  std::vector<column> out;
  out.reserve(all.size());
  for (const column& c : all)
    if (full || !c.full_only) out.push_back(c);
  return out;
}

void open_table(std::ostream& out, std::string_view id, std::string_view caption, std::string_view en,
                std::string_view unit, const std::vector<column>& cols) {
  out << "<div class=\"tblock\" data-table=\"" << id << "\"><p class=\"tcap\">" << caption << " <span class=\"en\">"
      << en << "</span></p><p class=\"tunit\">" << unit << "</p>\n<table><thead><tr>";
  for (const auto& c : cols) out << "<th>" << c.zh << "<span class=\"en\">" << c.en << "</span></th>";
  out << "</tr></thead>\n<tbody>\n";
}

void close_table(std::ostream& out, std::string_view note) {
  out << "</tbody></table>\n";
  if (!note.empty()) out << "<p class=\"note\">注：" << note << "</p>\n";
  out << "</div>\n";
}

void empty_row(std::ostream& out, std::size_t cols) {
  out << "<tr class=\"none\"><td class=\"c\" colspan=\"" << cols << "\">本月无数据 No data this month</td></tr>\n";
}

std::string td(const std::string& s) { return "<td class=\"n\">" + s + "</td>"; }
std::string tdt(const std::string& s) { return "<td>" + s + "</td>"; }

std::string signed_count(std::int64_t d) { return d > 0 ? fmt::format("+{}", d) : fmt::format("{}", d); }

std::string signed_wd(std::optional<double> a, std::optional<double> b) {
  if (!a || !b) return no_value;
  return pp_text(*a - *b);  // two decimals, signed: the same form as a change in 百分点
}

std::string rate_n(const report_figures& f) {
  return rate_text(f.on_time_rate()) + "<span class=\"en\"> n=" + num(f.completed) + "</span>";
}

std::string limit_wd(const std::string& limit) {
  const auto wd = limit.rfind("wd");
  return html_escape(wd != std::string::npos && wd + 2 == limit.size() ? limit.substr(0, wd) : limit);
}

std::string alerts_cell(const report_figures& f) {
  return fmt::format("{}/{}/{}", f.warnings, f.overdue, f.escalations);
}

}  // namespace

void write_table_overview(std::ostream& out, const monthly_report& r) {
  const std::vector<column> cols{
      {"指标", "Indicator"}, {"本月", "This month"}, {"上月", "Last month"}, {"环比", "Change"}, {"本年累计", "YTD"}};
  open_table(out, "T1", "表1　总体指标", "T1 Overview", "单位：件、个工作日、%", cols);
  const report_cases* t = total_of(r);
  if (t == nullptr) {
    empty_row(out, cols.size());
    close_table(out, "");
    return;
  }
  const auto& m = t->overall.month;
  const auto& p = t->overall.previous;
  const auto& y = t->overall.year_to_date;
  const auto count_row = [&](std::string_view name, std::int64_t a, std::int64_t b, std::int64_t c) {
    out << "<tr><td>" << name << "</td>" << td(num(a)) << td(num(b)) << td(signed_count(a - b)) << td(num(c))
        << "</tr>\n";
  };
  const auto rate_row = [&](std::string_view name, auto rate) {
    const auto a = (m.*rate)(), b = (p.*rate)();
    out << "<tr><td>" << name << "</td>" << td(rate_text(a)) << td(rate_text(b))
        << td(a && b ? pp_text((*a - *b) * 100) + "<span class=\"en\"> pp</span>" : std::string(no_value))
        << td(rate_text((y.*rate)())) << "</tr>\n";
  };
  const auto wd_row = [&](std::string_view name, auto value) {
    out << "<tr><td>" << name << "</td>" << td(wd_text((m.*value)())) << td(wd_text((p.*value)()))
        << td(signed_wd((m.*value)(), (p.*value)())) << td(wd_text((y.*value)())) << "</tr>\n";
  };
  count_row("新受理", t->opened, t->opened_previous, t->opened_year);
  count_row("办结", m.completed, p.completed, y.completed);
  count_row("按时办结", m.on_time, p.on_time, y.on_time);
  count_row("其中：提前办结", m.early, p.early, y.early);
  count_row("超期办结", m.late_completed, p.late_completed, y.late_completed);
  count_row("月末在办", m.open, p.open, y.open);
  count_row("其中：超期未办结", m.late_open, p.late_open, y.late_open);
  rate_row("按时办结率", &report_figures::on_time_rate);
  rate_row("提前办结率", &report_figures::early_rate);
  wd_row("平均用时（工作日）", &report_figures::mean_wd);
  wd_row("P90用时（工作日）", &report_figures::p90_wd);
  out << "<tr><td>平均自然日（受理→通水）</td>" << td(wd_text(t->calendar_days_mean)) << td(no_value) << td(no_value)
      << td(no_value) << "</tr>\n";
  count_row("黄牌（件次）", m.warnings, p.warnings, y.warnings);
  count_row("红牌（件次）", m.overdue, p.overdue, y.overdue);
  count_row("督办（件次）", m.escalations, p.escalations, y.escalations);
  count_row("环节衔接超时", m.handovers, p.handovers, y.handovers);
  count_row("不计时暂停（申请人原因，次）", m.pauses, p.pauses, y.pauses);
  close_table(out, "按时办结率 = 按时办结 ÷ 办结（全流程计时）；分母为零显示“—”；环比单位：件、百分点、工作日。");
}

void write_table_steps(std::ostream& out, const monthly_report& r, bool full) {
  const std::vector<column> cols = columns(full, {{"环节", "Step"},
                                                  {"类型", "Variant"},
                                                  {"时限", "Limit"},
                                                  {"受理", "Recv.", true},
                                                  {"办结", "Done"},
                                                  {"按时", "On time"},
                                                  {"提前", "Early", true},
                                                  {"超期办结", "Late done"},
                                                  {"超期未办结", "Late open"},
                                                  {"按时办结率", "On-time rate"},
                                                  {"平均用时", "Mean"},
                                                  {"P90", "P90", true},
                                                  {"最长", "Max", true},
                                                  {"黄/红/督", "Alerts", true},
                                                  {"本年按时率", "YTD rate", true},
                                                  {"环比", "Δ pp"}});
  open_table(out, full ? "T2full" : "T2", "表2　分环节办理情况", "T2 By step", "单位：件、个工作日、%", cols);
  if (r.steps.empty()) empty_row(out, cols.size());
  for (const auto& s : r.steps) {
    const auto& f = s.figures.month;
    out << "<tr>" << tdt(html_escape(s.title.empty() ? s.step : s.title))
        << tdt(html_escape(variant_title(r, s.variant))) << td(limit_wd(s.limit));
    if (full) out << td(num(f.received));
    out << td(num(f.completed)) << td(num(f.on_time));
    if (full) out << td(num(f.early));
    out << td(num(f.late_completed)) << td(num(f.late_open)) << td(rate_n(f)) << td(wd_text(f.mean_wd()));
    if (full)
      out << td(wd_text(f.p90_wd())) << td(wd_text(f.max_wd())) << td(alerts_cell(f))
          << td(rate_text(s.figures.year_to_date.on_time_rate()));
    out << td(pp_text(s.figures.rate_change_pp())) << "</tr>\n";
  }
  close_table(out,
              full ? "时限、用时均以工作日计；黄/红/督为本月发出的黄牌、红牌、督办件次；全流程为供水企业承诺的总时限。"
                   : "n为办结件数；环比以百分点计。");
}

void write_table_units(std::ostream& out, const monthly_report& r, bool full) {
  const std::vector<column> cols = columns(full, {{"排名", "Rank"},
                                                  {"单位", "Unit"},
                                                  {"承担环节", "Steps"},
                                                  {"受理", "Recv.", true},
                                                  {"办结", "Done"},
                                                  {"按时", "On time"},
                                                  {"超期办结", "Late done"},
                                                  {"超期未办结", "Late open"},
                                                  {"按时办结率", "On-time rate"},
                                                  {"平均用时", "Mean"},
                                                  {"衔接超时", "Hand-over", true},
                                                  {"最长超期", "Max late", true},
                                                  {"黄/红/督", "Alerts", true},
                                                  {"环比", "Δ pp"}});
  open_table(out, full ? "T3full" : "T3", "表3　分单位办理情况及排名", "T3 By unit, ranked", "单位：件、个工作日、%",
             cols);
  if (r.units.empty()) empty_row(out, cols.size());
  for (const auto& u : r.units) {
    const auto& f = u.figures.month;
    // The rank, or "—" with the reason beside the name: the rank column stays narrow.
    const std::string rank = u.rank ? num(*u.rank) : std::string(no_value);
    std::string steps;
    for (std::size_t i = 0; i < u.steps.size(); ++i) steps += (i ? "、" : "") + html_escape(u.steps[i]);
    std::string name = html_escape(u.unit);
    if (u.no_cases)
      name += "<span class=\"mark\">本月无业务</span>";
    else if (!u.rank)
      name += "<span class=\"mark\">样本少</span>";
    if (f.late() > 0) name += "<span class=\"mark dark\">超期</span>";
    out << (u.no_cases ? "<tr class=\"none\">" : "<tr>") << "<td class=\"c\">" << rank << "</td>" << tdt(name)
        << tdt(steps.empty() ? std::string(no_value) : steps);
    if (full) out << td(num(f.received));
    out << td(num(f.completed)) << td(num(f.on_time)) << td(num(f.late_completed)) << td(num(f.late_open))
        << td(rate_n(f)) << td(wd_text(f.mean_wd()));
    if (full)
      out << td(num(f.handovers)) << td(u.max_late_wd > 0 ? wd_text(u.max_late_wd) : std::string(no_value))
          << td(alerts_cell(f));
    out << td(pp_text(u.figures.rate_change_pp())) << "</tr>\n";
  }
  close_table(
      out,
      fmt::format("排名依次按按时办结率（降序）、超期件数（升序）、平均用时（升序）；办结少于{}件标注“样本少”不排名；"
                  "“超期”标记表示本月有超期办结、超期未办结或环节衔接超时。",
                  r.options.small_n));
}

void write_table_late(std::ostream& out, const monthly_report& r) {
  const std::vector<column> cols{{"序号", "No."},
                                 {"报装编号", "Case"},
                                 {"环节（时限）", "Step (limit)"},
                                 {"责任单位", "Unit"},
                                 {"起算 → 到期", "Start → due"},
                                 {"办结", "Done"},
                                 {"超期", "Late WD"},
                                 {"预警、暂停及说明", "Alerts, pauses, note"}};
  open_table(out, "T4", "表4　超期及督办案件明细", "T4 Late and escalated cases", "单位：个工作日", cols);
  int n = 0;
  for (const auto& c : r.late) {
    for (const auto& k : c.clocks) {
      const bool handover_row = c.handover && k.step == "overall";
      if (!k.late && !handover_row) continue;
      std::string note = handover_row ? "环节衔接超时" : (k.completed ? "超期办结" : "月末仍在办");
      if (c.highest_kind) note += fmt::format("；最高预警{}", alert_title(*c.highest_kind));
      if (!k.pauses.empty()) {
        note += fmt::format("；暂停{}次", k.pauses.size());
        for (const auto& p : r.pauses)
          if (p.case_id == c.case_id && p.step == k.step && !p.reason.empty())
            note += "（" + html_escape(p.reason) + "）";
      }
      out << "<tr>" << td(num(++n)) << "<td class=\"id\">" << html_escape(c.case_id) << "<span class=\"en\">"
          << html_escape(variant_title(r, c.variant)) << (c.district.empty() ? "" : " ") << html_escape(c.district)
          << "</span></td>" << tdt(html_escape(step_title(r, c.variant, k.step)) + "（" + limit_wd(k.limit) + "）")
          << tdt(html_escape(k.unit)) << td(beijing_short(k.started) + "<br>→ " + beijing_due(k.due))
          << td(k.completed ? beijing_short(*k.completed) : std::string("在办")) << td(wd_text(k.late_wd)) << tdt(note)
          << "</tr>\n";
    }
  }
  if (n == 0) empty_row(out, cols.size());
  close_table(out, "时间为北京时间，时限以工作日计；超期以责任单位日历的工作日计，在办案件计至月末；暂停期间不计时。");
}

void write_table_evaluator(std::ostream& out, const monthly_report& r) {
  const std::vector<column> cols{{"类型", "Variant"},
                                 {"办结", "Done"},
                                 {"用户环节数", "Procedures"},
                                 {"自然日中位数", "Median days"},
                                 {"自然日平均", "Mean days"},
                                 {"平均工作日", "Mean WD"},
                                 {"费用", "Cost"}};
  open_table(out, "T5", "表5　对标口径（受理至通水）", "T5 Evaluator's view: application to water", "单位：件、天",
             cols);
  if (r.cases.empty()) empty_row(out, cols.size());
  for (const auto& c : r.cases) {
    out << "<tr>" << tdt(html_escape(c.title.empty() ? c.variant : c.title)) << td(num(c.overall.month.completed))
        << td(c.customer_interactions > 0 ? num(c.customer_interactions) : std::string(no_value))
        << td(wd_text(c.calendar_days_median)) << td(wd_text(c.calendar_days_mean))
        << td(wd_text(c.overall.month.mean_wd())) << tdt("未采集") << "</tr>\n";
  }
  close_table(out, "自然日按世界银行营商环境评价口径，自受理至通水的日历天数；本月办结案件。");
}

void write_table_pauses(std::ostream& out, const monthly_report& r) {
  const std::vector<column> cols{{"报装编号", "Case"}, {"环节", "Step"},      {"单位", "Unit"},  {"暂停起", "From"},
                                 {"恢复", "To"},       {"本月暂停", "Hours"}, {"原因", "Reason"}};
  open_table(out, "T6", "表6　不计时暂停（申请人原因）", "T6 Paused time, excluded", "单位：小时", cols);
  if (r.pauses.empty()) empty_row(out, cols.size());
  for (const auto& p : r.pauses) {
    out << "<tr><td class=\"id\">" << html_escape(p.case_id) << "</td>" << tdt(html_escape(step_title(r, "", p.step)))
        << tdt(html_escape(p.unit)) << td(beijing_short(p.from))
        << td(p.to ? beijing_short(*p.to) : std::string("月末仍暂停"))
        << td(fmt::format("{:.1f}", static_cast<double>(p.paused.count()) / 3600.0))
        << tdt(p.reason.empty() ? std::string(no_value) : html_escape(p.reason)) << "</tr>\n";
  }
  close_table(out, "暂停期间不计入办理时限，在此单独列示。");
}

}  // namespace dueday::detail
