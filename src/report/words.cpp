// The circular's shared sentences (words.hpp).
#include "report/words.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <string>

#include "report/markup.hpp"
#include "report/numbers.hpp"

namespace dueday::detail {

const report_cases* total_of(const monthly_report& r) {
  for (const auto& c : r.cases)
    if (c.variant.empty()) return &c;
  return r.cases.empty() ? nullptr : &r.cases.front();
}

std::string rate_change_words(std::optional<double> pp) {
  if (!pp) return "上月无可比数据";
  const std::string t = pp_text(pp);
  if (t == "0.00") return "与上月持平";
  return (t[0] == '+' ? "比上月提高" + t.substr(1) : "比上月下降" + t.substr(1)) + "个百分点";
}

std::string overview_text(const monthly_report& r) {
  const std::string m = month_short(r.month);
  std::string text;
  if (const report_cases* t = total_of(r)) {
    const auto& f = t->overall.month;
    text += fmt::format(
        "{}，全市新受理获得用水申请{}件（上月{}件，本年累计{}件），办结{}件，其中按时办结{}件（提前办结{}件）、"
        "超期办结{}件；月末在办{}件，其中超期未办结{}件。",
        m, t->opened, t->opened_previous, t->opened_year, f.completed, f.on_time, f.early, f.late_completed, f.open,
        f.late_open);
    if (f.completed == 0)  // no denominator: say so rather than print a rate of "—" mid-sentence
      text += "本月无办结件，按时办结率和用时不作计算（表中显示“—”）。";
    else
      text += fmt::format("按时办结率{}（n={}），{}；平均用时{}个工作日，最长{}个工作日。", rate_text(f.on_time_rate()),
                          f.completed, rate_change_words(t->overall.rate_change_pp()), wd_text(f.mean_wd()),
                          wd_text(f.max_wd()));
    // Alerts on every clock, the steps' and the overall ones (the row above holds the overall clocks').
    std::int64_t warnings = 0, overdue = 0, escalations = 0;
    for (const report_step_row& row : r.steps) {
      warnings += row.figures.month.warnings;
      overdue += row.figures.month.overdue;
      escalations += row.figures.month.escalations;
    }
    text += fmt::format("本月各环节及全流程共发出黄牌{}件次、红牌{}件次、督办{}件次；环节衔接超时{}件。", warnings,
                        overdue, escalations, f.handovers);
    if (t->out_of_scope > 0 || t->cancelled > 0)
      text +=
          fmt::format("另有超出“490”适用范围{}件、撤销{}件，单独统计，不计入上述比率。", t->out_of_scope, t->cancelled);
  } else {
    text = m + "，全市无获得用水办件。";
  }
  return text;
}

}  // namespace dueday::detail
