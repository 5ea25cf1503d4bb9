// Figure F6: a timeline per late case. One row per clock (survey, the three parallel approvals,
// connection, overall last), from its start to its completion or the month's end; the part past the
// due instant solid black, pauses hatched, a tick at the due instant, alerts marked 黄/红/督.
#include <fmt/format.h>

#include <algorithm>
#include <ostream>
#include <string>

#include "report/markup.hpp"
#include "report/numbers.hpp"

namespace dueday::detail {
namespace {

constexpr double fig_w = 600, font = 10, row_h = 22, top = 40;

std::string rect(double x, double y, double w, double h, std::string_view fill, std::string_view extra = "") {
  return fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"{}{}/>\n", coord(x), coord(y),
                     coord(std::max(w, 0.0)), coord(std::max(h, 0.0)), fill, extra.empty() ? "" : " ", extra);
}

day_kind kind_of(const monthly_report& r, civil_day d) {
  for (const auto& day : r.days)
    if (day.day == d) return day.kind;
  return d.is_weekend() ? day_kind::restday : day_kind::workday;
}

instant day_start(civil_day d) {
  return instant{std::chrono::duration_cast<std::chrono::seconds>(d.days().time_since_epoch())} - beijing_offset;
}

void write_timeline(std::ostream& out, const monthly_report& r, const report_late_case& c, int index) {
  const std::string id = fmt::format("F6-{}", index);
  // The span shown: whole Beijing days from the first start to the last end or due instant.
  instant first = c.opened, last = c.opened;
  for (const auto& k : c.clocks) {
    first = std::min({first, k.started});
    last = std::max({last, k.due, k.completed.value_or(std::min(r.to, std::max(k.due, r.data_until)))});
  }
  const civil_day d0 = beijing_day(first);
  const civil_day d1 = beijing_day(last) + std::chrono::days{1};
  const auto ndays = std::max<std::int64_t>((d1 - d0).count(), 1);
  const double label_w = 190, x0 = label_w + 6, x1 = fig_w - 26;  // room for 在办 after an open clock
  const double per_sec = (x1 - x0) / (static_cast<double>(ndays) * 86400.0);
  const auto xs = [&](instant t) {
    return x0 + per_sec * static_cast<double>((std::clamp(t, day_start(d0), day_start(d1)) - day_start(d0)).count());
  };
  const double bottom = top + row_h * static_cast<double>(c.clocks.size());
  const double height = bottom + 44;
  svg_open(out, id, fig_w, height, "超期案件时间线 " + html_escape(c.case_id) + "（F6 timeline）");
  std::string head = c.case_id + "　" + variant_title(r, c.variant);
  if (!c.district.empty()) head += "　" + c.district;
  if (c.highest_kind) head += fmt::format("　最高预警：{}", alert_title(*c.highest_kind));
  svg_text(out, 0, 10, fit_text(head, 46), "start", 11, "font-weight=\"bold\"");
  if (c.handover) {
    out << rect(fig_w - 84, 2, 84, 16, "#000");
    svg_text(out, fig_w - 42, 10, "环节衔接超时", "middle", 10, "fill=\"#fff\"");
  }
  // The days: non-working days shaded (holidays cross-hatched), make-up working days marked 班.
  const double day_w = (x1 - x0) / static_cast<double>(ndays);
  for (std::int64_t i = 0; i < ndays; ++i) {
    const civil_day d = d0 + std::chrono::days{i};
    const double x = x0 + day_w * static_cast<double>(i);
    const day_kind k = kind_of(r, d);
    if (k == day_kind::restday) out << rect(x, top, day_w, bottom - top, "#ececec");
    if (k == day_kind::holiday) out << rect(x, top, day_w, bottom - top, "url(#" + id + "-cross)");
    out << fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#aaa\" stroke-width=\".4\"/>\n",
                       coord(x), coord(top - 2), coord(bottom));
    // Day numbers, the month with the first one and with each 1st; fewer labels on a long span.
    const auto ymd = d.ymd();
    const auto every = ndays <= 16 ? 1 : ndays <= 32 ? 2 : 3;
    if (i % every == 0) {
      const bool with_month = i == 0 || static_cast<unsigned>(ymd.day()) <= static_cast<unsigned>(every);
      svg_text(out, x + day_w / 2, bottom + 9,
               with_month ? fmt::format("{}/{}", static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()))
                          : num(static_cast<unsigned>(ymd.day())),
               "middle", 8);
    }
    if (k == day_kind::makeup_workday) svg_text(out, x + day_w / 2, top - 8, "班", "middle", 9);
  }
  double y = top;
  for (const auto& k : c.clocks) {
    const double cy = y + row_h / 2;
    std::string label = step_title(r, c.variant, k.step);
    if (!k.unit.empty()) label += " " + k.unit;
    svg_text(out, label_w, cy, fit_text(label, label_w / font - 0.5), "end", font);
    const instant end = k.completed.value_or(std::max(k.started, std::min(r.to, std::max(r.data_until, k.started))));
    const double xa = xs(k.started), xe = xs(end), xd = xs(k.due);
    out << "<g class=\"clock\" data-late=\"" << (k.late ? "1" : "0") << "\">";
    out << rect(xa, y + 5, std::min(xe, xd) - xa, row_h - 10, "#d0d0d0", "stroke=\"#000\" stroke-width=\".6\"");
    if (xe > xd) out << rect(xd, y + 5, xe - xd, row_h - 10, "#000");
    for (const auto& [from, to] : k.pauses) {
      const double pa = xs(from), pe = xs(to.value_or(end));
      out << rect(pa, y + 3, pe - pa, row_h - 6, "url(#" + id + "-hatch)", "stroke=\"#000\" stroke-width=\".5\"");
    }
    out << fmt::format("<path d=\"M{0} {1}V{2}\" stroke=\"#000\" stroke-width=\"1.6\"/>\n", coord(xd), coord(y + 1),
                       coord(y + row_h - 1));
    for (const auto& a : k.alerts) {
      const double xa2 = xs(a.at);
      out << fmt::format("<path d=\"M{0} {1}l-4 -6h8z\" fill=\"#fff\" stroke=\"#000\" stroke-width=\".7\"/>\n",
                         coord(xa2), coord(y + 5));
      svg_text(out, xa2 + 5, y + 2, alert_mark(a.kind), "start", 8);
    }
    if (!k.completed)
      svg_text(out, xe + 3, cy, "在办", "start", 8);
    else if (k.late)
      svg_text(out, std::min(xe + 3, x1 - 40), cy, "超" + wd_text(k.late_wd), "start", 8);
    out << "</g>\n";
    y += row_h;
  }
  svg_text(out, 0, height - 10,
           "灰：时限内　黑：超期部分　斜线：暂停（不计时）　竖线：到期　▽黄/红/督：预警　灰底：休息日　网格：节假日",
           "start", 9);
  out << "</svg>\n";
}

}  // namespace

void write_figure_timelines(std::ostream& out, const monthly_report& r) {
  if (r.late.empty()) {
    out << "<figure>";
    svg_open(out, "F6", fig_w, 80, "超期案件时间线（F6 timelines of late cases）");
    svg_no_data(out, fig_w, 40);
    out << "</svg>\n<figcaption>图6　超期案件时间线 <span class=\"en\">F6 Late-case timelines</span></figcaption>"
           "</figure>\n";
    return;
  }
  int i = 0;
  for (const auto& c : r.late) {
    out << "<figure>";
    write_timeline(out, r, c, ++i);
    out << "<figcaption>图6-" << i << "　" << html_escape(c.case_id)
        << " <span class=\"en\">F6 timeline</span></figcaption></figure>\n";
  }
}

}  // namespace dueday::detail
