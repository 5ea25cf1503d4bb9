// What the HTML circular (html.cpp, html_tables.cpp) and its SVG figures (svg.cpp, svg_timeline.cpp)
// share: escaping, Beijing-time texts, names of steps and alerts, text width estimates.
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

#include "dueday/report.hpp"

namespace dueday::detail {

// Text from data (case ids, unit names, reasons) is untrusted: & < > " ' become entities, so it can
// neither open a tag, close an attribute nor end a CDATA section ("]]>" loses its ">").
[[nodiscard]] std::string html_escape(std::string_view s);

// The instant in Beijing time: "2026-10-09 17:30", "10-09 17:30", "2026年10月9日".
[[nodiscard]] std::string beijing_minute(instant t);
[[nodiscard]] std::string beijing_short(instant t);
// A due instant at midnight is the end of the day before, as deadlines are written: "10-09 24:00".
[[nodiscard]] std::string beijing_due(instant t);
[[nodiscard]] std::string chinese_date(civil_day d);
[[nodiscard]] civil_day beijing_day(instant t);

// The month as "2026年10月" and as "10月".
[[nodiscard]] std::string month_title(std::chrono::year_month m);
[[nodiscard]] std::string month_short(std::chrono::year_month m);

// A step's display title from the report's step rows ("survey" -> 报装勘查), "overall" -> 全流程.
[[nodiscard]] std::string step_title(const monthly_report& r, std::string_view variant, std::string_view step);
// A variant's title from the report's case groups (no-external -> 无外线工程).
[[nodiscard]] std::string variant_title(const monthly_report& r, std::string_view variant);
// 黄牌, 红牌, 督办 for the alert kinds, and the one-character marks 黄, 红, 督.
[[nodiscard]] std::string_view alert_name(event_kind k);
[[nodiscard]] std::string_view alert_mark(event_kind k);

// Estimated width of a text in em: 1 per East-Asian-Wide or Fullwidth character (UAX #11), 0.55 per
// other. Renderers differ, so the figures leave a margin around every estimate.
[[nodiscard]] double text_em(std::string_view s);
// The text cut to at most max_em (with "…"), for labels that must fit a column.
[[nodiscard]] std::string fit_text(std::string_view s, double max_em);

// A count as text ("12"), and a number with at most two decimals for SVG coordinates ("12.5").
[[nodiscard]] std::string num(std::int64_t n);
[[nodiscard]] std::string coord(double v);

// SVG pieces (svg.cpp). `id` prefixes the figure's pattern ids, which share the document's namespace.
// svg_open writes <svg class="figure" data-figure=id> with its <title> and the hatch patterns
// {id}-hatch (diagonal), {id}-cross and {id}-dots; svg_text an escaped <text> with an explicit dy.
void svg_open(std::ostream& out, std::string_view id, double width, double height, std::string_view title);
void svg_text(std::ostream& out, double x, double y, std::string_view text, std::string_view anchor = "start",
              double size = 11, std::string_view extra = "");
void svg_no_data(std::ostream& out, double width, double y);  // "本月无数据" centred, in a frame

// The figures, inline SVG (svg.cpp, svg_timeline.cpp). Each writes one <svg class="figure"
// data-figure="F?"> with a <title>, and says 本月无数据 when it has nothing to draw.
void write_figure_units(std::ostream& out, const monthly_report& r);      // F1
void write_figure_steps(std::ostream& out, const monthly_report& r);      // F2
void write_figure_workload(std::ostream& out, const monthly_report& r);   // F3
void write_figure_timelines(std::ostream& out, const monthly_report& r);  // F6, one per late case

// The tables (html_tables.cpp). `full` adds the columns the body leaves to attachment 1.
void write_table_overview(std::ostream& out, const monthly_report& r);          // T1
void write_table_steps(std::ostream& out, const monthly_report& r, bool full);  // T2
void write_table_units(std::ostream& out, const monthly_report& r, bool full);  // T3
void write_table_late(std::ostream& out, const monthly_report& r);              // T4
void write_table_evaluator(std::ostream& out, const monthly_report& r);         // T5
void write_table_pauses(std::ostream& out, const monthly_report& r);            // paused time

}  // namespace dueday::detail
