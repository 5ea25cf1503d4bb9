// The circular as a terminal table (render.hpp): each part a table whose columns line up in a
// terminal, East Asian wide characters taking two columns.
#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "report/numbers.hpp"
#include "report/render.hpp"
#include "report/table.hpp"
#include "report/words.hpp"

namespace dueday::detail {

namespace {

// Whether code point c is East Asian Wide or Fullwidth (UAX #11), for the ranges CJK text uses.
bool wide(char32_t c) {
  return (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0x303E) || (c >= 0x3041 && c <= 0x33FF) ||
         (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xA000 && c <= 0xA4CF) ||
         (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFE30 && c <= 0xFE4F) ||
         (c >= 0xFF00 && c <= 0xFF60) || (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x20000 && c <= 0x3FFFD);
}

// Terminal columns of UTF-8 text: 2 for a wide character, 1 for any other (continuation bytes
// are not counted).
std::size_t width(std::string_view s) {
  std::size_t w = 0;
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    const std::size_t n = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    const unsigned lead_mask = n == 1 ? 0xFFU : n == 2 ? 0x1FU : n == 3 ? 0x0FU : 0x07U;
    auto c = static_cast<char32_t>(b & lead_mask);
    for (std::size_t k = 1; k < n && i + k < s.size(); ++k)
      c = (c << 6U) | (static_cast<unsigned char>(s[i + k]) & 0x3FU);
    w += wide(c) ? 2U : 1U;
    i += n;
  }
  return w;
}

class table {
 public:
  explicit table(std::vector<std::string> header) : header_(std::move(header)) {}
  void row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }

  // Text left-aligned in the first `labels` columns, numbers right-aligned after them.
  void print(std::ostream& out, std::size_t labels) const {
    std::vector<std::size_t> w(header_.size(), 0);
    for (std::size_t i = 0; i < header_.size(); ++i) w[i] = width(header_[i]);
    for (const auto& r : rows_)
      for (std::size_t i = 0; i < r.size() && i < w.size(); ++i) w[i] = std::max(w[i], width(r[i]));
    const auto line = [&](const std::vector<std::string>& cells) {
      std::string s;
      for (std::size_t i = 0; i < cells.size() && i < w.size(); ++i) {
        const std::string pad(w[i] - width(cells[i]), ' ');
        if (i > 0) s += "  ";
        s += i < labels ? cells[i] + pad : pad + cells[i];
      }
      while (!s.empty() && s.back() == ' ') s.pop_back();
      out << s << '\n';
    };
    line(header_);
    if (rows_.empty()) out << "（无）\n";
    for (const auto& r : rows_) line(r);
    out << '\n';
  }

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

std::vector<std::string> with_figures(std::vector<std::string> labels) {
  for (const figure_column& c : figure_columns()) labels.emplace_back(c.zh);
  return labels;
}

void append(std::vector<std::string>& to, std::vector<std::string> more) {
  to.insert(to.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
}

std::string opt_days(std::optional<double> d) { return wd_text(d); }

// Display names: a variant's title (from the case rows) and a step's (from the step rows).
std::string variant_title(const monthly_report& r, const std::string& variant) {
  for (const report_cases& c : r.cases)
    if (c.variant == variant && !c.title.empty()) return c.title;
  return variant;
}
std::string step_title(const monthly_report& r, const std::string& variant, const std::string& step) {
  for (const report_step_row& s : r.steps)
    if (s.variant == variant && s.step == step) return s.title;
  return step;
}

}  // namespace

void write_report_text(std::ostream& out, const monthly_report& r) {
  out << month_title(r) << "\n";
  // The period ends at 24:00 of its last day (Civil Code art. 203), as the HTML form says it.
  const std::string until = r.days.empty() ? time_text(r.to) : fmt::format("{} 24:00", r.days.back().day);
  out << fmt::format("统计周期 {} 至 {}（北京时间）  数据截止 {}  生成时间 {}\n", time_text(r.from), until,
                     time_text(r.data_until), time_text(r.options.generated_at));
  out << fmt::format("政策 {} {} {}  日历 {}\n\n", r.policy_id, r.policy_version, r.policy_title,
                     r.notices.empty() ? std::string(no_value) : fmt::format("{}", fmt::join(r.notices, "、")));

  out << "一、总体情况 Overview\n" << overview_text(r) << "\n\n";
  table overall(with_figures({"类型", "新受理", "上月受理", "本年受理", "超范围", "撤销"}));
  table evaluator({"类型", "环节数", "自然日中位", "自然日平均"});
  for (const report_cases& c : r.cases) {
    std::vector<std::string> cells{c.title,
                                   fmt::format("{}", c.opened),
                                   fmt::format("{}", c.opened_previous),
                                   fmt::format("{}", c.opened_year),
                                   fmt::format("{}", c.out_of_scope),
                                   fmt::format("{}", c.cancelled)};
    append(cells, figure_cells(c.overall));
    overall.row(std::move(cells));
    evaluator.row({c.title, c.variant.empty() ? std::string(no_value) : fmt::format("{}", c.customer_interactions),
                   opt_days(c.calendar_days_median), opt_days(c.calendar_days_mean)});
  }
  overall.print(out, 1);
  out << "对标口径（受理至通水，自然日） Evaluator's view\n";
  evaluator.print(out, 1);

  out << "二、分环节情况 By step\n";
  table steps(with_figures({"类型", "环节", "时限"}));
  for (const report_step_row& s : r.steps) {
    std::vector<std::string> cells{variant_title(r, s.variant), s.title, s.limit};
    append(cells, figure_cells(s.figures));
    steps.row(std::move(cells));
  }
  steps.print(out, 3);

  out << "三、分单位情况及排名 By unit\n";
  table units(with_figures({"排名", "单位", "承担环节", "最长超期"}));
  for (const report_unit_row& u : r.units) {
    std::vector<std::string> cells{rank_text(u), u.unit, fmt::format("{}", fmt::join(u.steps, "、")),
                                   wd_text(u.max_late_wd)};
    append(cells, figure_cells(u.figures));
    units.row(std::move(cells));
  }
  units.print(out, 3);

  out << "四、超期及督办明细 Late cases\n";
  table late({"报装编号", "类型", "区县", "环节", "责任单位", "时限", "起算", "到期", "办结", "超期(工作日)", "预警"});
  for (const report_late_case& c : r.late) {
    for (const report_clock& k : c.clocks) {
      std::string alerts;
      for (const report_alert& a : k.alerts)
        alerts += fmt::format("{}{}", alerts.empty() ? "" : "、", alert_title(a.kind));
      const bool handover_clock = c.handover && k.step == "overall";
      late.row({c.case_id, variant_title(r, c.variant), c.district.empty() ? std::string(no_value) : c.district,
                step_title(r, c.variant, k.step) + (handover_clock ? "（环节衔接超时）" : ""), k.unit, k.limit,
                time_text(k.started), time_text(k.due), k.completed ? time_text(*k.completed) : std::string("在办"),
                k.late ? wd_text(k.late_wd) : std::string(no_value), alerts.empty() ? std::string(no_value) : alerts});
    }
  }
  late.print(out, 6);

  out << "五、通报事项 Named units\n";
  for (const report_named_unit& n : r.named) out << n.sentence << '\n';
  if (r.named.empty()) out << r.no_late_sentence << '\n';
  out << '\n';

  out << "不计时暂停 Pauses (customer)\n";
  table pauses({"报装编号", "环节", "单位", "开始", "结束", "本月暂停(工作日)", "原因"});
  for (const report_pause& p : r.pauses)
    pauses.row({p.case_id, p.step, p.unit, time_text(p.from), p.to ? time_text(*p.to) : std::string("暂停中"),
                paused_text(p.paused), p.reason});
  pauses.print(out, 3);

  out << "每日业务量 Daily workload\n";
  table days({"日期", "类型", "新受理", "办结"});
  for (const report_day& d : r.days)
    days.row({fmt::format("{}", d.day), fmt::format("{}", d.kind), fmt::format("{}", d.opened),
              fmt::format("{}", d.completed)});
  days.print(out, 2);
}

}  // namespace dueday::detail
