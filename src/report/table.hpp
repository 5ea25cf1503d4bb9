// The columns the text and CSV forms share: one figure group as cells, and what each cell is, so
// that both forms print every figure alike (numbers.hpp).
#pragma once

#include <fmt/format.h>

#include <chrono>
#include <string>
#include <vector>

#include "dueday/format.hpp"
#include "dueday/report.hpp"
#include "report/numbers.hpp"

namespace dueday::detail {

struct figure_column {
  const char* key;  // CSV header and JSON key
  const char* zh;   // text header
};

// The columns of figure_cells, in order.
inline const std::vector<figure_column>& figure_columns() {
  static const std::vector<figure_column> columns = {
      {"received", "受理"},
      {"completed", "办结"},
      {"on_time", "按时"},
      {"early", "提前"},
      {"late_completed", "超期办结"},
      {"late_open", "超期未办结"},
      {"open", "在办"},
      {"on_time_rate", "按时率"},
      {"previous_rate", "上月"},
      {"change_pp", "环比(百分点)"},
      {"ytd_rate", "本年"},
      {"mean_wd", "平均"},
      {"p90_wd", "P90"},
      {"max_wd", "最长"},
      {"warnings", "黄牌"},
      {"overdue", "红牌"},
      {"escalations", "督办"},
      {"handovers", "衔接超时"},
      {"pauses", "暂停"},
      {"paused_wd", "暂停工作日"},
  };
  return columns;
}

// Paused working time in working days of 24 h (civil clocks): the number, and as numbers.hpp prints it.
inline double paused_wd(working_time w) { return static_cast<double>(w.count()) / 86400.0; }
inline std::string paused_text(working_time w) { return wd_text(paused_wd(w)); }

// A group's figures as cells, in figure_columns() order.
inline std::vector<std::string> figure_cells(const report_compared& f) {
  const report_figures& m = f.month;
  const auto n = [](std::int64_t v) { return fmt::format("{}", v); };
  return {n(m.received),
          n(m.completed),
          n(m.on_time),
          n(m.early),
          n(m.late_completed),
          n(m.late_open),
          n(m.open),
          rate_text(m.on_time_rate()),
          rate_text(f.previous.on_time_rate()),
          pp_text(f.rate_change_pp()),
          rate_text(f.year_to_date.on_time_rate()),
          wd_text(m.mean_wd()),
          wd_text(m.p90_wd()),
          wd_text(m.max_wd()),
          n(m.warnings),
          n(m.overdue),
          n(m.escalations),
          n(m.handovers),
          n(m.pauses),
          paused_text(m.paused)};
}

// An instant in Beijing time (the report's zone), "2026-10-09 16:50".
inline std::string time_text(instant t) {
  const auto local = t + beijing_offset;
  const auto day = std::chrono::floor<std::chrono::days>(local);
  const std::chrono::hh_mm_ss hms{local - day};
  return fmt::format("{} {:02}:{:02}", civil_day{day}, hms.hours().count(), hms.minutes().count());
}

inline std::string month_title(const monthly_report& r) {
  return fmt::format("关于{}年{}月全市获得用水办理情况的通报", static_cast<int>(r.month.year()),
                     static_cast<unsigned>(r.month.month()));
}

inline std::string rank_text(const report_unit_row& u) {
  if (u.rank) return fmt::format("{}", *u.rank);
  return u.no_cases ? "本月无业务" : "样本少";
}

}  // namespace dueday::detail
