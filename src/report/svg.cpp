// Figures F1 (on-time rate by unit), F2 (outcomes per step) and F3 (daily workload) as inline SVG.
// Greyscale-safe: every dark mark has a text label, categories differ by hatching as well as by
// shade. Text widths are estimated (markup.hpp), baselines placed with an explicit dy.
#include <fmt/format.h>

#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

#include "report/markup.hpp"
#include "report/numbers.hpp"

namespace dueday::detail {

void svg_open(std::ostream& out, std::string_view id, double width, double height, std::string_view title) {
  out << fmt::format(
      "<svg class=\"figure\" data-figure=\"{0}\" viewBox=\"0 0 {1} {2}\" "
      "width=\"{1}\" height=\"{2}\" role=\"img\">\n<title>{3}</title>\n<defs>"
      "<pattern id=\"{0}-hatch\" width=\"5\" height=\"5\" patternUnits=\"userSpaceOnUse\" "
      "patternTransform=\"rotate(45)\"><rect width=\"5\" height=\"5\" fill=\"#fff\"/>"
      "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"5\" stroke=\"#000\" stroke-width=\"1.6\"/></pattern>"
      "<pattern id=\"{0}-cross\" width=\"5\" height=\"5\" patternUnits=\"userSpaceOnUse\">"
      "<rect width=\"5\" height=\"5\" fill=\"#ddd\"/><path d=\"M0 0L5 5M5 0L0 5\" stroke=\"#555\" "
      "stroke-width=\".7\"/></pattern>"
      "<pattern id=\"{0}-dots\" width=\"4\" height=\"4\" patternUnits=\"userSpaceOnUse\">"
      "<rect width=\"4\" height=\"4\" fill=\"#fff\"/><circle cx=\"2\" cy=\"2\" r=\".8\" fill=\"#000\"/></pattern>"
      "</defs>\n",
      id, coord(width), coord(height), title);
}

void svg_text(std::ostream& out, double x, double y, std::string_view text, std::string_view anchor, double size,
              std::string_view extra) {
  out << "<text x=\"" << coord(x) << "\" y=\"" << coord(y) << "\" dy=\"0.35em\" font-size=\"" << coord(size)
      << "\" text-anchor=\"" << anchor << "\"" << (extra.empty() ? "" : " ") << extra << ">" << html_escape(text)
      << "</text>\n";
}

void svg_no_data(std::ostream& out, double width, double y) {
  out << "<rect class=\"no-data\" x=\"1\" y=\"" << coord(y - 18) << "\" width=\"" << coord(width - 2)
      << "\" height=\"36\" fill=\"none\" stroke=\"#000\" stroke-dasharray=\"4 3\"/>\n";
  svg_text(out, width / 2, y, "本月无数据 No data this month", "middle", 13);
}

namespace {

constexpr double fig_w = 600;

std::string rect(double x, double y, double w, double h, std::string_view fill, std::string_view extra = "") {
  return fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"{}{}/>\n", coord(x), coord(y),
                     coord(std::max(w, 0.0)), coord(std::max(h, 0.0)), fill, extra.empty() ? "" : " ", extra);
}

std::string line(double x1, double y1, double x2, double y2, std::string_view extra = "stroke=\"#000\"") {
  return fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" {}/>\n", coord(x1), coord(y1), coord(x2), coord(y2),
                     extra);
}

}  // namespace

void write_figure_units(std::ostream& out, const monthly_report& r) {
  std::vector<const report_unit_row*> rows;
  for (const auto& u : r.units)
    if (!u.no_cases) rows.push_back(&u);
  // Rated units by rate (descending), then late count, then name; units with nothing completed last.
  std::stable_sort(rows.begin(), rows.end(), [](const report_unit_row* a, const report_unit_row* b) {
    const auto ra = a->figures.month.on_time_rate(), rb = b->figures.month.on_time_rate();
    if (ra.has_value() != rb.has_value()) return ra.has_value();
    if (ra && *ra != *rb) return *ra > *rb;
    return a->figures.month.late() < b->figures.month.late();
  });
  constexpr double row_h = 22, top = 30, font = 11;
  double label_em = 4;
  for (const auto* u : rows) label_em = std::max(label_em, text_em(u->unit));
  label_em = std::min(label_em, 15.0);
  const double x0 = label_em * font + 12, x1 = fig_w - 120;
  const double height = rows.empty() ? 80 : top + row_h * static_cast<double>(rows.size()) + 30;
  svg_open(out, "F1", fig_w, height, "图1 各单位按时办结率（F1 on-time rate by unit）");
  if (rows.empty()) {
    svg_no_data(out, fig_w, 40);
    out << "</svg>\n";
    return;
  }
  const double span = x1 - x0;
  const double bottom = top + row_h * static_cast<double>(rows.size());
  for (int t = 0; t <= 4; ++t) {  // axis: 0, 25, 50, 75, 100 %
    const double x = x0 + span * t / 4;
    out << line(x, top - 4, x, bottom, "stroke=\"#bbb\" stroke-width=\".5\"");
    svg_text(out, x, bottom + 10, fmt::format("{}%", t * 25), "middle", 9);
  }
  out << line(x0, bottom, x1, bottom);
  double y = top;
  for (const auto* u : rows) {
    const auto& f = u->figures.month;
    const auto rate = f.on_time_rate();
    const bool late = f.late() > 0;
    const double cy = y + row_h / 2;
    svg_text(out, x0 - 6, cy, fit_text(u->unit, label_em), "end", font);
    const double w = rate ? span * *rate : 0;
    out << "<g class=\"bar\" data-late=\"" << (late ? "1" : "0") << "\">"
        << rect(x0, y + 3, w, row_h - 6, late ? "#222" : "url(#F1-dots)", "stroke=\"#000\" stroke-width=\".6\"");
    const std::string n = "n=" + num(f.completed);
    if (w > text_em(n) * 9 + 8) svg_text(out, x0 + 4, cy, n, "start", 9, late ? "fill=\"#fff\"" : "");
    std::string value = rate ? rate_text(rate) : "— 无办结";
    if (w <= text_em(n) * 9 + 8) value += "  " + n;
    svg_text(out, x1 + 6, cy, value, "start", 10);  // a column of its own, clear of the target line
    if (late) {
      const double tx = x1 + 10 + text_em(value) * 10;
      out << rect(tx, cy - 7, 26, 14, "#000");
      svg_text(out, tx + 13, cy, "超期", "middle", 10, "fill=\"#fff\"");
    }
    out << "</g>\n";
    y += row_h;
  }
  const double target = std::clamp(r.options.target_rate, 0.0, 1.0);
  const double tx = x0 + span * target;
  out << line(tx, top - 8, tx, bottom + 2, "stroke=\"#000\" stroke-width=\"1.2\" stroke-dasharray=\"5 3\"");
  svg_text(out, tx, top - 16, "目标 " + rate_text(target), target > 0.8 ? "end" : "middle", 10);
  svg_text(out, 0, height - 8, "深色并标“超期”：本月有超期；n：本月办结件数", "start", 9);
  out << "</svg>\n";
}

void write_figure_steps(std::ostream& out, const monthly_report& r) {
  constexpr double row_h = 22, top = 40, font = 10.5;
  double label_em = 6;
  std::int64_t most = 0;
  for (const auto& s : r.steps) {
    label_em = std::max(label_em, text_em(s.title) + 1 + text_em(variant_title(r, s.variant)));
    most = std::max(most, s.figures.month.completed + s.figures.month.late_open);
  }
  label_em = std::min(label_em, 16.0);
  const double x0 = label_em * font + 10, x1 = fig_w - 40;
  const double height = r.steps.empty() || most == 0 ? 80 : top + row_h * static_cast<double>(r.steps.size()) + 24;
  svg_open(out, "F2", fig_w, height, "图2 各环节办结情况（F2 outcomes per step）");
  if (r.steps.empty() || most == 0) {
    svg_no_data(out, fig_w, 40);
    out << "</svg>\n";
    return;
  }
  struct kind {
    std::string_view name, fill;
  };
  const kind kinds[] = {
      {"提前办结", "url(#F2-dots)"}, {"按时办结", "#e6e6e6"}, {"超期办结", "url(#F2-hatch)"}, {"超期未办结", "#111"}};
  double lx = 0;
  for (const auto& k : kinds) {  // legend
    out << rect(lx, 6, 16, 12, k.fill, "stroke=\"#000\" stroke-width=\".6\"");
    svg_text(out, lx + 20, 12, k.name, "start", 10);
    lx += 24 + text_em(k.name) * 10 + 14;
  }
  const double scale = (x1 - x0) / static_cast<double>(most);
  double y = top;
  for (const auto& s : r.steps) {
    const auto& f = s.figures.month;
    const double cy = y + row_h / 2;
    svg_text(out, x0 - 6, cy, fit_text(s.title + " " + variant_title(r, s.variant), label_em), "end", font);
    const std::int64_t parts[] = {f.early, f.on_time - f.early, f.late_completed, f.late_open};
    double x = x0;
    out << "<g class=\"stack\">";
    for (std::size_t i = 0; i < 4; ++i) {
      if (parts[i] <= 0) continue;
      const double w = scale * static_cast<double>(parts[i]);
      out << rect(x, y + 3, w, row_h - 6, kinds[i].fill, "stroke=\"#000\" stroke-width=\".6\"");
      if (w >= 16) {  // the count on a white plate, readable over any fill
        const std::string t = num(parts[i]);
        const double tw = text_em(t) * 9 + 4;
        out << rect(x + w / 2 - tw / 2, cy - 6, tw, 12, "#fff");
        svg_text(out, x + w / 2, cy, t, "middle", 9);
      }
      x += w;
    }
    if (x == x0)
      svg_text(out, x0 + 4, cy, "— 本月无办结", "start", 9);
    else
      svg_text(out, x + 4, cy, num(f.completed + f.late_open), "start", 9);
    out << "</g>\n";
    y += row_h;
  }
  out << line(x0, top, x0, y);
  svg_text(out, 0, height - 8, "件数；超期未办结为月末在办且已过到期时刻的计时", "start", 9);
  out << "</svg>\n";
}

void write_figure_workload(std::ostream& out, const monthly_report& r) {
  constexpr double left = 28, top = 34, chart_h = 120, height = top + chart_h + 48;
  svg_open(out, "F3", fig_w, height, "图3 每日受理与办结（F3 daily workload）");
  if (r.days.empty()) {
    svg_no_data(out, fig_w, 40);
    out << "</svg>\n";
    return;
  }
  std::int64_t most = 0;
  for (const auto& d : r.days) most = std::max({most, d.opened, d.completed});
  const double col = (fig_w - left - 4) / static_cast<double>(r.days.size());
  const std::int64_t ymax = std::max<std::int64_t>(most, 1);
  const double unit = chart_h / static_cast<double>(ymax);
  const double base = top + chart_h;
  // Legend.
  out << rect(left, 4, 12, 10, "#fff", "stroke=\"#000\"");
  svg_text(out, left + 16, 9, "受理", "start", 10);
  out << rect(left + 50, 4, 12, 10, "#000");
  svg_text(out, left + 66, 9, "办结", "start", 10);
  out << rect(left + 100, 4, 12, 10, "#e8e8e8");
  svg_text(out, left + 116, 9, "休息日", "start", 10);
  out << rect(left + 162, 4, 12, 10, "url(#F3-cross)");
  svg_text(out, left + 178, 9, "法定节假日", "start", 10);
  out << rect(left + 236, 3, 12, 12, "#fff", "stroke=\"#000\"");
  svg_text(out, left + 242, 9, "班", "middle", 9);
  svg_text(out, left + 252, 9, "调休上班 make-up working day", "start", 10);
  double x = left;
  for (const auto& d : r.days) {
    if (d.kind == day_kind::restday) out << rect(x, top, col, chart_h, "#e8e8e8");
    if (d.kind == day_kind::holiday) out << rect(x, top, col, chart_h, "url(#F3-cross)");
    if (d.kind == day_kind::makeup_workday) {
      out << rect(x + col / 2 - 6, top - 14, 12, 12, "#fff", "stroke=\"#000\"");
      svg_text(out, x + col / 2, top - 8, "班", "middle", 9);
    }
    const double bw = std::max(col / 2 - 2, 1.0);
    if (d.opened > 0)
      out << rect(x + 1, base - unit * static_cast<double>(d.opened), bw, unit * static_cast<double>(d.opened), "#fff",
                  "class=\"opened\" stroke=\"#000\" stroke-width=\".8\"");
    if (d.completed > 0)
      out << rect(x + col / 2, base - unit * static_cast<double>(d.completed), bw,
                  unit * static_cast<double>(d.completed), "#000", "class=\"completed\"");
    const auto day = static_cast<unsigned>(d.day.ymd().day());
    if (day == 1 || day % 5 == 0 || r.days.size() <= 16) svg_text(out, x + col / 2, base + 9, num(day), "middle", 9);
    x += col;
  }
  out << line(left, base, fig_w - 4, base) << line(left, top, left, base);
  const std::int64_t step = std::max<std::int64_t>(1, (ymax + 3) / 4);
  for (std::int64_t v = 0; v <= ymax; v += step) {
    const double yy = base - unit * static_cast<double>(v);
    out << line(left - 3, yy, left, yy);
    svg_text(out, left - 5, yy, num(v), "end", 9);
  }
  if (most == 0) svg_no_data(out, fig_w, top + chart_h / 2);
  svg_text(out, left, height - 16,
           fmt::format("{}日 Day；件 cases；办结指全流程计时办结（通水）", month_short(r.month)), "start", 9);
  out << "</svg>\n";
}

}  // namespace dueday::detail
