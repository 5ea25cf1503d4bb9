// The circular's figures for other systems (render.hpp): CSV, one table per part with a `section`
// column first (RFC 4180: fields quoted when they hold a comma, quote or line break; CRLF line
// ends; a blank line between tables), and one JSON document with its keys in a fixed order. Rates,
// percentage points and working days are the texts numbers.hpp gives, "—" for no value.
#include <fmt/format.h>

#include <cmath>

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "report/render.hpp"
#include "report/table.hpp"

namespace dueday::detail {

namespace {

using nlohmann::ordered_json;

std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string q = "\"";
  for (const char c : s) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + '"';
}

class csv_table {
 public:
  csv_table(std::ostream& out, std::string section, std::vector<std::string> header)
      : out_(&out), section_(std::move(section)) {
    header.insert(header.begin(), "section");
    line(header);
  }
  csv_table(const csv_table&) = delete;
  csv_table& operator=(const csv_table&) = delete;
  ~csv_table() { *out_ << "\r\n"; }
  void row(std::vector<std::string> cells) {
    cells.insert(cells.begin(), section_);
    line(cells);
  }

 private:
  void line(const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < cells.size(); ++i) *out_ << (i > 0 ? "," : "") << csv_field(cells[i]);
    *out_ << "\r\n";
  }
  std::ostream* out_;
  std::string section_;
};

std::vector<std::string> with_figures(std::vector<std::string> labels) {
  for (const figure_column& c : figure_columns()) labels.emplace_back(c.key);
  return labels;
}

std::vector<std::string> joined(std::vector<std::string> a, std::vector<std::string> b) {
  a.insert(a.end(), std::make_move_iterator(b.begin()), std::make_move_iterator(b.end()));
  return a;
}

std::string num(std::int64_t v) { return fmt::format("{}", v); }
std::string opt_time(const std::optional<instant>& t) { return t ? format_instant(*t) : std::string(no_value); }
std::string month_text(std::chrono::year_month m) {
  return fmt::format("{:04}-{:02}", static_cast<int>(m.year()), static_cast<unsigned>(m.month()));
}

// JSON carries numbers, rounded as the other forms print them (two decimals; rates in per cent),
// and null where the others print "—", so a program reads the same figures without parsing text.
ordered_json number(std::optional<double> v) {
  if (!v) return nullptr;
  const double r = std::round(*v * 100) / 100;
  return r == 0 ? 0.0 : r;  // no -0
}
ordered_json pct_number(std::optional<double> rate) { return rate ? number(*rate * 100) : ordered_json(nullptr); }

ordered_json figures_json(const report_figures& f) {
  ordered_json j;
  j["received"] = f.received;
  j["completed"] = f.completed;
  j["on_time"] = f.on_time;
  j["early"] = f.early;
  j["late_completed"] = f.late_completed;
  j["late_open"] = f.late_open;
  j["open"] = f.open;
  j["late"] = f.late();
  j["on_time_rate"] = pct_number(f.on_time_rate());
  j["early_rate"] = pct_number(f.early_rate());
  j["mean_wd"] = number(f.mean_wd());
  j["p90_wd"] = number(f.p90_wd());
  j["max_wd"] = number(f.max_wd());
  j["warnings"] = f.warnings;
  j["overdue"] = f.overdue;
  j["escalations"] = f.escalations;
  j["handovers"] = f.handovers;
  j["pauses"] = f.pauses;
  j["paused_wd"] = number(paused_wd(f.paused));
  return j;
}

ordered_json compared_json(const report_compared& c) {
  ordered_json j;
  j["month"] = figures_json(c.month);
  j["previous"] = figures_json(c.previous);
  j["year_to_date"] = figures_json(c.year_to_date);
  j["change_pp"] = number(c.rate_change_pp());
  return j;
}

}  // namespace

void write_report_csv(std::ostream& out, const monthly_report& r) {
  {
    csv_table t(out, "meta", {"key", "value"});
    t.row({"title", month_title(r)});
    t.row({"month", month_text(r.month)});
    t.row({"from", format_instant(r.from)});
    t.row({"to", format_instant(r.to)});
    t.row({"data_until", format_instant(r.data_until)});
    t.row({"generated_at", format_instant(r.options.generated_at)});
    t.row({"policy", r.policy_id});
    t.row({"policy_version", r.policy_version});
    t.row({"policy_title", r.policy_title});
    t.row({"notices", fmt::format("{}", fmt::join(r.notices, "、"))});
    t.row({"calendar_fingerprint", r.calendar_fingerprint});
    t.row({"no_late_sentence", r.no_late_sentence});
  }
  {
    csv_table t(out, "cases",
                with_figures({"variant", "title", "opened", "opened_previous", "opened_year", "out_of_scope",
                              "cancelled", "customer_interactions", "calendar_days_median", "calendar_days_mean"}));
    for (const report_cases& c : r.cases)
      t.row(joined({c.variant, c.title, num(c.opened), num(c.opened_previous), num(c.opened_year), num(c.out_of_scope),
                    num(c.cancelled), num(c.customer_interactions), wd_text(c.calendar_days_median),
                    wd_text(c.calendar_days_mean)},
                   figure_cells(c.overall)));
  }
  {
    csv_table t(out, "steps", with_figures({"variant", "step", "title", "limit"}));
    for (const report_step_row& s : r.steps)
      t.row(joined({s.variant, s.step, s.title, s.limit}, figure_cells(s.figures)));
  }
  {
    csv_table t(out, "units", with_figures({"rank", "unit", "steps", "small_n", "no_cases", "max_late_wd"}));
    for (const report_unit_row& u : r.units)
      t.row(joined({rank_text(u), u.unit, fmt::format("{}", fmt::join(u.steps, "、")), u.small_n ? "1" : "0",
                    u.no_cases ? "1" : "0", wd_text(u.max_late_wd)},
                   figure_cells(u.figures)));
  }
  {
    csv_table t(out, "late",
                {"case", "variant", "district", "opened", "handover", "highest_alert", "step", "unit", "limit",
                 "started", "due", "completed", "late", "late_wd", "pauses", "alerts"});
    for (const report_late_case& c : r.late) {
      for (const report_clock& k : c.clocks) {
        std::vector<std::string> pauses, alerts;
        for (const auto& [from, to] : k.pauses) pauses.push_back(format_instant(from) + "/" + opt_time(to));
        for (const report_alert& a : k.alerts) alerts.push_back(a.level + "@" + format_instant(a.at));
        t.row({c.case_id, c.variant, c.district, format_instant(c.opened), c.handover ? "1" : "0", c.highest_alert,
               k.step, k.unit, k.limit, format_instant(k.started), format_instant(k.due), opt_time(k.completed),
               k.late ? "1" : "0", k.late ? wd_text(k.late_wd) : std::string(no_value),
               fmt::format("{}", fmt::join(pauses, " ")), fmt::format("{}", fmt::join(alerts, " "))});
      }
    }
  }
  {
    csv_table t(out, "named", {"unit", "steps", "late_completed", "late_open", "handovers", "max_late_wd", "sentence"});
    for (const report_named_unit& n : r.named)
      t.row({n.unit, n.steps, num(n.late_completed), num(n.late_open), num(n.handovers), wd_text(n.max_late_wd),
             n.sentence});
  }
  {
    csv_table t(out, "pauses", {"case", "step", "unit", "from", "to", "paused_wd", "reason"});
    for (const report_pause& p : r.pauses)
      t.row({p.case_id, p.step, p.unit, format_instant(p.from), opt_time(p.to), paused_text(p.paused), p.reason});
  }
  {
    csv_table t(out, "days", {"day", "kind", "opened", "completed"});
    for (const report_day& d : r.days)
      t.row({fmt::format("{}", d.day), fmt::format("{}", d.kind), num(d.opened), num(d.completed)});
  }
}

void write_report_json(std::ostream& out, const monthly_report& r) {
  ordered_json j;
  j["title"] = month_title(r);
  j["month"] = month_text(r.month);
  j["from"] = format_instant(r.from);
  j["to"] = format_instant(r.to);
  j["data_until"] = format_instant(r.data_until);
  j["generated_at"] = format_instant(r.options.generated_at);
  j["policy"] = {{"id", r.policy_id}, {"version", r.policy_version}, {"title", r.policy_title}};
  j["notices"] = r.notices;
  j["calendar_fingerprint"] = r.calendar_fingerprint;
  j["cases"] = ordered_json::array();
  for (const report_cases& c : r.cases) {
    ordered_json x;
    x["variant"] = c.variant;
    x["title"] = c.title;
    x["opened"] = c.opened;
    x["opened_previous"] = c.opened_previous;
    x["opened_year"] = c.opened_year;
    x["out_of_scope"] = c.out_of_scope;
    x["cancelled"] = c.cancelled;
    x["customer_interactions"] = c.customer_interactions;
    x["calendar_days_median"] = number(c.calendar_days_median);
    x["calendar_days_mean"] = number(c.calendar_days_mean);
    x["overall"] = compared_json(c.overall);
    j["cases"].push_back(std::move(x));
  }
  j["steps"] = ordered_json::array();
  for (const report_step_row& s : r.steps)
    j["steps"].push_back({{"variant", s.variant},
                          {"step", s.step},
                          {"title", s.title},
                          {"limit", s.limit},
                          {"figures", compared_json(s.figures)}});
  j["units"] = ordered_json::array();
  for (const report_unit_row& u : r.units)
    j["units"].push_back({{"rank", u.rank ? ordered_json(*u.rank) : ordered_json(nullptr)},
                          {"mark", rank_text(u)},
                          {"unit", u.unit},
                          {"steps", u.steps},
                          {"small_n", u.small_n},
                          {"no_cases", u.no_cases},
                          {"max_late_wd", number(u.max_late_wd)},
                          {"figures", compared_json(u.figures)}});
  j["late"] = ordered_json::array();
  for (const report_late_case& c : r.late) {
    ordered_json clocks = ordered_json::array();
    for (const report_clock& k : c.clocks) {
      ordered_json pauses = ordered_json::array(), alerts = ordered_json::array();
      for (const auto& [from, to] : k.pauses) pauses.push_back({{"from", format_instant(from)}, {"to", opt_time(to)}});
      for (const report_alert& a : k.alerts)
        alerts.push_back({{"at", format_instant(a.at)}, {"kind", to_string(a.kind)}, {"level", a.level}});
      clocks.push_back({{"step", k.step},
                        {"unit", k.unit},
                        {"limit", k.limit},
                        {"started", format_instant(k.started)},
                        {"due", format_instant(k.due)},
                        {"completed", opt_time(k.completed)},
                        {"late", k.late},
                        {"late_wd", k.late ? number(k.late_wd) : ordered_json(nullptr)},
                        {"pauses", std::move(pauses)},
                        {"alerts", std::move(alerts)}});
    }
    j["late"].push_back({{"case", c.case_id},
                         {"variant", c.variant},
                         {"district", c.district},
                         {"opened", format_instant(c.opened)},
                         {"handover", c.handover},
                         {"highest_alert", c.highest_alert},
                         {"clocks", std::move(clocks)}});
  }
  j["named"] = ordered_json::array();
  for (const report_named_unit& n : r.named)
    j["named"].push_back({{"unit", n.unit},
                          {"steps", n.steps},
                          {"late_completed", n.late_completed},
                          {"late_open", n.late_open},
                          {"handovers", n.handovers},
                          {"max_late_wd", number(n.max_late_wd)},
                          {"sentence", n.sentence}});
  j["no_late_sentence"] = r.no_late_sentence;
  j["pauses"] = ordered_json::array();
  for (const report_pause& p : r.pauses)
    j["pauses"].push_back({{"case", p.case_id},
                           {"step", p.step},
                           {"unit", p.unit},
                           {"from", format_instant(p.from)},
                           {"to", opt_time(p.to)},
                           {"paused_wd", number(paused_wd(p.paused))},
                           {"reason", p.reason}});
  j["days"] = ordered_json::array();
  for (const report_day& d : r.days)
    j["days"].push_back({{"day", fmt::format("{}", d.day)},
                         {"kind", fmt::format("{}", d.kind)},
                         {"opened", d.opened},
                         {"completed", d.completed}});
  out << j.dump(2, ' ', false, ordered_json::error_handler_t::replace) << '\n';
}

}  // namespace dueday::detail
