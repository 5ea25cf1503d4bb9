// The replay golden file against the rules, not against the engine.
//
// tests/data/replay/small.expected.jsonl is what `dueday replay < small.jsonl` must print, byte for
// byte (cli_tests.cmake). That test alone cannot tell a right file from one written while the
// engine was wrong. Here a small model written from the rules (README "replay",
// policies/kunming-water-490.toml) replays small.jsonl by itself, and every value of every event in
// the golden file is checked against it. The model uses neither the engine, the timer,
// calendar::add_working_time nor deadline(): its only calendar is the independent list
// tests/data/cn-holidays.csv (listed days off and make-up working days; any other day works Monday
// to Friday), walked one day at a time.
//
// The rules it follows:
// - Civil rule: the start day is not counted. A clock started at t counts working time from 24:00
//   of t's civil day (+08:00), a working day being 86400 s, so N WD from t fall due at 24:00 of the
//   N-th working day after t's day. A pause excludes exactly the working time from pause to resume.
// - Alert levels: yellow (warning) when 1 WD of working time remains, red (overdue) at the due
//   instant, escalation 1 WD of working time after it; each at the earliest instant the clock's
//   working time reaches its threshold, raised once per clock, only while the clock runs.
// - The overall clock counts the steps the variant names (survey, connect; the approvals are the
//   departments' own clocks): it starts with the first of them, counting from where that step
//   counts, runs while one of them runs and is paused otherwise; its limit is the variant's.
// - A step `after` others starts at the later of its own start and their completion. on_time:
//   completed at or before the due instant (a red raised at that very instant does not change it).
// - Time advances to each command's `at` first, raising the alerts due strictly before it (a tick
//   raises those due at it too). A malformed line, an unknown case or step, a transition that makes
//   no sense or a command before the latest instant seen is rejected; an identical repeat of an
//   accepted command is ignored. Nothing is raised after the last line.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

using namespace std::chrono;
using json = nlohmann::json;

namespace {

using instant = sys_seconds;
constexpr std::int64_t wd = 86400;  // a civil working day of working time, in seconds
constexpr seconds beijing{8 * 3600};

sys_days civil_day_of(instant t) { return floor<days>(t + beijing); }
instant midnight(sys_days d) { return instant{d} - beijing; }  // 00:00 +08:00 of d

// "2026-10-10T00:00:00+08:00" (or "...Z"); nullopt for anything else.
std::optional<instant> parse_instant(const std::string& s) {
  int y = 0, hh = 0, mm = 0, ss = 0, oh = 0, om = 0, n = 0;
  unsigned mo = 0, d = 0;
  char sign = 0;
  const bool z = std::sscanf(s.c_str(), "%d-%u-%uT%d:%d:%dZ%n", &y, &mo, &d, &hh, &mm, &ss, &n) == 6 &&
                 static_cast<std::size_t>(n) == s.size();
  if (!z &&
      (std::sscanf(s.c_str(), "%d-%u-%uT%d:%d:%d%c%d:%d%n", &y, &mo, &d, &hh, &mm, &ss, &sign, &oh, &om, &n) != 9 ||
       static_cast<std::size_t>(n) != s.size() || (sign != '+' && sign != '-'))) {
    return std::nullopt;
  }
  const year_month_day ymd{year{y}, month{mo}, day{d}};
  if (!ymd.ok()) return std::nullopt;
  const seconds offset = (sign == '-' ? -1 : 1) * (hours{oh} + minutes{om});
  return instant{sys_days{ymd}} + hours{hh} + minutes{mm} + seconds{ss} - offset;
}

// The +08:00 form the golden file uses.
std::string format_instant(instant t) {
  const auto local = t + beijing;
  const sys_days d = floor<days>(local);
  const year_month_day ymd{d};
  const hh_mm_ss<seconds> hms{local - d};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+08:00", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), hms.hours().count(),
                     hms.minutes().count(), hms.seconds().count());
}

// --- the calendar: the independent list ----------------------------------------------------------

struct reference_days {
  std::map<sys_days, bool> listed;  // a day off (false) or a make-up working day (true)
  sys_days last{};                  // 31 December of the last year listed

  [[nodiscard]] bool working(sys_days d) const {
    if (d > last) throw std::runtime_error("the model walked past the reference list");
    const auto it = listed.find(d);
    if (it != listed.end()) return it->second;
    const weekday w{d};
    return w != Saturday && w != Sunday;
  }
};

const reference_days& reference() {
  static const reference_days r = [] {
    reference_days out;
    std::ifstream in(DUEDAY_TEST_DATA "/cn-holidays.csv");
    std::string line;
    std::getline(in, line);  // date,kind,name
    int y = 0;
    unsigned m = 0, d = 0;
    char kind[8] = {};
    while (std::getline(in, line)) {
      if (std::sscanf(line.c_str(), "%d-%u-%u,%7[a-z]", &y, &m, &d, kind) != 4) continue;
      const sys_days day{year{y} / month{m} / ::std::chrono::day{d}};
      out.listed[day] = std::string(kind) == "work";
      out.last = std::max(out.last, sys_days{year{y} / December / 31});
    }
    return out;
  }();
  return r;
}

// Working seconds in [a, b): each working day adds its overlap with [a, b); 0 when b <= a.
std::int64_t working_seconds(instant a, instant b) {
  std::int64_t sum = 0;
  for (sys_days d = civil_day_of(a); midnight(d) < b; d += days{1}) {
    if (!reference().working(d)) continue;
    const instant lo = std::max(a, midnight(d));
    const instant hi = std::min(b, midnight(d + days{1}));
    if (hi > lo) sum += (hi - lo).count();
  }
  return sum;
}

// The earliest instant t >= a with working_seconds(a, t) >= x. A threshold met by a working day's
// last second is met at that day's 24:00 (the next day's 00:00), not at the next working day.
instant reaches(instant a, std::int64_t x) {
  for (sys_days d = civil_day_of(a);; d += days{1}) {
    if (x <= 0) return a;
    if (!reference().working(d)) continue;
    const instant lo = std::max(a, midnight(d));
    const std::int64_t available = (midnight(d + days{1}) - lo).count();
    if (available >= x) return lo + seconds{x};
    x -= available;
  }
}

// --- the policy (policies/kunming-water-490.toml) -----------------------------------------------

struct level_rule {
  const char* level;
  const char* raises;        // the event type
  std::int64_t past_budget;  // threshold = budget + this
};
const level_rule levels[] = {{"yellow", "warning", -wd}, {"red", "overdue", 0}, {"escalation", "escalation", wd}};
constexpr std::size_t level_count = std::size(levels);

struct step_rule {
  std::string name;
  std::int64_t limit_wd;
  std::vector<std::string> after;
  bool counted;  // by the overall clock
};
struct variant_rule {
  std::string name;
  std::int64_t overall_wd;
  std::vector<step_rule> steps;
};
const std::vector<variant_rule> variants = {
    {"no-external", 4, {{"survey", 2, {}, true}, {"connect", 2, {"survey"}, true}}},
    {"external",
     9,
     {{"survey", 4, {}, true},
      {"approval-planning", 3, {}, false},  // each department's clock runs from its own start
      {"approval-city-management", 3, {}, false},
      {"approval-traffic-police", 3, {}, false},
      {"connect", 5, {"survey", "approval-planning", "approval-city-management", "approval-traffic-police"}, true}}},
};

// The [[scope]] rules, first match wins; no rule allows crossings. nullopt: out of scope.
std::optional<std::string> variant_for(const json& works) {
  const double meter_dn = works.value("meter_dn", 0.0);
  const double pipe_m = works.value("pipe_m", 0.0);
  const bool crossings = works.contains("crossings") && !works["crossings"].empty();
  if (crossings) return std::nullopt;
  if (pipe_m <= 0) return "no-external";
  if (meter_dn < 50 && pipe_m <= 200) return "external";
  return std::nullopt;
}

// --- the model -----------------------------------------------------------------------------------

enum class run_state { idle, waiting, running, paused, stopped };

struct model_clock {
  std::string name;
  std::int64_t budget = 0;  // working seconds
  std::vector<std::string> after;
  bool counted = false;
  run_state state = run_state::idle;
  std::optional<instant> first_count{};  // where counting began
  struct segment {
    instant from;
    std::optional<instant> to;  // open while running
  };
  std::vector<segment> segments{};  // counted working time: [from, to) of each run
  bool raised[level_count] = {};

  // Working time counted up to t (t at or after the last transition).
  [[nodiscard]] std::int64_t elapsed(instant t) const {
    std::int64_t sum = 0;
    for (const segment& s : segments) sum += working_seconds(s.from, std::min(s.to.value_or(t), t));
    return sum;
  }
  // The earliest instant the working time reaches x, the last run taken as going on.
  [[nodiscard]] instant when(std::int64_t x) const {
    std::int64_t e = 0;
    for (std::size_t i = 0;; ++i) {
      const segment& s = segments.at(i);
      if (i + 1 == segments.size()) return reaches(s.from, x - e);
      const std::int64_t w = working_seconds(s.from, *s.to);
      if (e + w >= x) return reaches(s.from, x - e);
      e += w;
    }
  }
  [[nodiscard]] instant due() const { return when(budget); }

  void run(instant count_from) {
    if (!first_count) first_count = count_from;
    segments.push_back({count_from, std::nullopt});
    state = run_state::running;
  }
  void halt(instant at, run_state next) {
    if (state == run_state::running) segments.back().to = at;
    state = next;
  }
};

// One event the rules give.
struct derived {
  std::string type, case_id, step, level, variant;
  instant at{};
  std::optional<instant> due;
  std::optional<std::int64_t> elapsed, remaining;
  std::optional<bool> on_time;
};

struct refused {};  // the command is rejected

class replay_model {
 public:
  std::vector<derived> events;
  std::vector<int> rejected;    // lines of small.jsonl
  std::vector<int> duplicates;  // lines ignored as repeats
  std::map<int, std::string> rejected_case;
  std::map<int, instant> rejected_at;  // the latest instant seen then

  void feed(int line, const std::string& text) {
    const json cmd = json::parse(text, nullptr, false);
    const std::optional<instant> at = cmd.is_object() ? parse_instant(field(cmd, "at")) : std::nullopt;
    if (!at) return reject(line, cmd);
    if (std::find(accepted_.begin(), accepted_.end(), cmd) != accepted_.end()) {
      duplicates.push_back(line);
      return;
    }
    if (now_ && *at < *now_) return reject(line, cmd);
    const std::string type = field(cmd, "type");
    advance(*at, type == "tick");
    now_ = *at;
    if (type == "tick") {
      accepted_.push_back(cmd);
      return;
    }
    try {
      apply(type, cmd, *at);
      accepted_.push_back(cmd);
    } catch (const refused&) {
      reject(line, cmd);
    }
  }

  // The clock order of alerts: cases in opening order, steps in policy order, then overall.
  [[nodiscard]] std::optional<std::pair<std::size_t, std::size_t>> place(const std::string& case_id,
                                                                         const std::string& step) const {
    for (std::size_t c = 0; c < cases_.size(); ++c) {
      if (cases_[c].id != case_id) continue;
      for (std::size_t k = 0; k < cases_[c].clocks.size(); ++k)
        if (cases_[c].clocks[k].name == step) return std::pair{c, k};
    }
    return std::nullopt;
  }

 private:
  struct case_model {
    std::string id;
    bool open = true;
    std::vector<model_clock> clocks;  // steps in policy order, then overall
  };
  std::vector<case_model> cases_;  // in opening order
  std::vector<json> accepted_;
  std::optional<instant> now_;

  static std::string field(const json& j, const char* key) {
    return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string{};
  }

  void reject(int line, const json& cmd) {
    rejected.push_back(line);
    rejected_case[line] = cmd.is_discarded() ? std::string{} : field(cmd, "case");
    rejected_at[line] = now_.value_or(instant{});
  }

  derived clock_event(const char* type, const case_model& c, const model_clock& k, instant at) const {
    derived e;
    e.type = type;
    e.case_id = c.id;
    e.step = k.name;
    e.at = at;
    e.due = k.due();
    e.elapsed = k.elapsed(at);
    e.remaining = k.budget - *e.elapsed;
    return e;
  }

  // Raises every level whose instant comes before t (at t too for a tick), in the order (at, case,
  // clock, level).
  void advance(instant t, bool inclusive) {
    std::vector<derived> raised;
    for (case_model& c : cases_) {
      for (model_clock& k : c.clocks) {
        if (k.state != run_state::running) continue;
        for (std::size_t l = 0; l < level_count; ++l) {
          if (k.raised[l]) continue;
          const instant a = k.when(k.budget + levels[l].past_budget);
          if (a > t || (a == t && !inclusive)) continue;
          k.raised[l] = true;
          derived e = clock_event(levels[l].raises, c, k, a);
          e.level = levels[l].level;
          raised.push_back(std::move(e));
        }
      }
    }
    std::stable_sort(raised.begin(), raised.end(), [](const derived& a, const derived& b) { return a.at < b.at; });
    events.insert(events.end(), raised.begin(), raised.end());
  }

  model_clock& step(case_model& c, const std::string& name) {
    for (std::size_t k = 0; k + 1 < c.clocks.size(); ++k)
      if (c.clocks[k].name == name) return c.clocks[k];
    throw refused{};
  }

  [[nodiscard]] bool ready(case_model& c, const model_clock& k) {
    return std::all_of(k.after.begin(), k.after.end(),
                       [&](const std::string& a) { return step(c, a).state == run_state::stopped; });
  }

  // The overall clock follows its counted steps: it starts with the first, counting from where that
  // step counts; it is paused while none runs and resumes when one runs again.
  void settle_overall(case_model& c, instant at, instant step_counts_from) {
    model_clock& o = c.clocks.back();
    const bool any = std::any_of(c.clocks.begin(), c.clocks.end() - 1,
                                 [](const model_clock& k) { return k.counted && k.state == run_state::running; });
    if (any && o.state == run_state::idle) {
      o.run(step_counts_from);
      events.push_back(clock_event("step_started", c, o, at));
    } else if (any && o.state == run_state::paused) {
      // The overall clock counts what its steps count: from the step's own count start (under
      // the civil rule, 24:00 of the day a counted step starts), never the rest of that day.
      o.run(step_counts_from);
      events.push_back(clock_event("step_resumed", c, o, at));
    } else if (!any && o.state == run_state::running) {
      o.halt(at, run_state::paused);
      events.push_back(clock_event("step_paused", c, o, at));
    }
  }

  void start(case_model& c, model_clock& k, instant at) {
    k.run(midnight(civil_day_of(at) + days{1}));  // the start day is not counted
    events.push_back(clock_event("step_started", c, k, at));
    if (k.counted) settle_overall(c, at, *k.first_count);
  }

  void apply(const std::string& type, const json& cmd, instant at) {
    const std::string id = field(cmd, "case");
    const auto found = std::find_if(cases_.begin(), cases_.end(), [&](const case_model& c) { return c.id == id; });
    if (type == "open") {
      if (id.empty() || found != cases_.end() || field(cmd, "policy") != "kunming-water-490") throw refused{};
      const std::optional<std::string> v =
          cmd.contains("works") ? variant_for(cmd["works"]) : std::optional{field(cmd, "variant")};
      const auto rule =
          std::find_if(variants.begin(), variants.end(), [&](const variant_rule& r) { return v && r.name == *v; });
      if (!cmd.contains("works") && rule == variants.end()) throw refused{};
      case_model& c = cases_.emplace_back();
      c.id = id;
      derived e;
      e.case_id = id;
      e.at = at;
      if (rule == variants.end()) {
        c.open = false;
        e.type = "out_of_scope";
      } else {
        for (const step_rule& s : rule->steps) c.clocks.push_back({s.name, s.limit_wd * wd, s.after, s.counted});
        c.clocks.push_back({"overall", rule->overall_wd * wd, {}, false});
        e.type = "case_opened";
        e.variant = rule->name;
      }
      events.push_back(std::move(e));
      return;
    }
    if (found == cases_.end() || !found->open) throw refused{};
    case_model& c = *found;
    if (type == "cancel") throw std::logic_error("the model has no rule for cancel yet");
    model_clock& k = step(c, field(cmd, "step"));
    if (type == "start") {
      if (k.state != run_state::idle) throw refused{};
      if (ready(c, k)) return start(c, k, at);
      k.state = run_state::waiting;
      derived e;
      e.type = "step_waiting";
      e.case_id = c.id;
      e.step = k.name;
      e.at = at;
      events.push_back(std::move(e));
    } else if (type == "pause") {
      if (k.state != run_state::running) throw refused{};
      k.halt(at, run_state::paused);
      events.push_back(clock_event("step_paused", c, k, at));
      if (k.counted) settle_overall(c, at, at);
    } else if (type == "resume") {
      if (k.state != run_state::paused) throw refused{};
      k.run(std::max(at, *k.first_count));
      events.push_back(clock_event("step_resumed", c, k, at));
      if (k.counted) settle_overall(c, at, std::max(at, *k.first_count));
    } else if (type == "complete") {
      if (k.state != run_state::running && k.state != run_state::paused) throw refused{};
      k.halt(at, run_state::stopped);
      derived e = clock_event("step_completed", c, k, at);
      e.on_time = at <= *e.due;
      events.push_back(std::move(e));
      if (k.counted) settle_overall(c, at, at);
      for (std::size_t n = 0; n + 1 < c.clocks.size(); ++n) {
        model_clock& next = c.clocks[n];
        if (next.state == run_state::waiting && ready(c, next)) start(c, next, at);
      }
      const bool all_done = std::all_of(c.clocks.begin(), c.clocks.end() - 1,
                                        [](const model_clock& s) { return s.state == run_state::stopped; });
      if (!all_done) return;
      model_clock& o = c.clocks.back();
      o.halt(at, run_state::stopped);
      derived done = clock_event("case_completed", c, o, at);
      done.on_time = at <= *done.due;
      events.push_back(std::move(done));
      c.open = false;
    } else {
      throw refused{};
    }
  }
};

// --- the files -----------------------------------------------------------------------------------

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  REQUIRE_MESSAGE(in, path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

struct golden_event {
  int line = 0;  // in small.expected.jsonl
  json j;
  [[nodiscard]] std::string text(const char* key) const {
    return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string{};
  }
  [[nodiscard]] std::string where() const {
    return fmt::format("small.expected.jsonl:{} {} {} {}", line, text("type"), text("case"), text("step"));
  }
};

// A list as one line, for doctest to print.
template <class T>
std::string listed(const std::vector<T>& v) {
  return fmt::format("[{}]", fmt::join(v, ", "));
}

bool is_alert(const std::string& type) { return type == "warning" || type == "overdue" || type == "escalation"; }

// Alerts are matched on (case, clock, level), each raised at most once, so a wrong `at` shows as a
// wrong value; every other event on its instant too.
std::string key_of(const std::string& type, const std::string& case_id, const std::string& step,
                   const std::string& level, const std::string& at) {
  return is_alert(type) ? fmt::format("{} {} {} {}", type, case_id, step, level)
                        : fmt::format("{} {} {} at {}", type, case_id, step, at);
}
std::string key_of(const derived& e) { return key_of(e.type, e.case_id, e.step, e.level, format_instant(e.at)); }

// A golden instant in the +08:00 form, so an equal instant written otherwise still compares equal.
std::string normal_instant(const golden_event& g, const char* key) {
  const std::string s = g.text(key);
  const auto t = parse_instant(s);
  return t ? format_instant(*t) : (g.j.contains(key) ? s : "(missing)");
}
std::string golden_value(const golden_event& g, const char* key) {
  return g.j.contains(key) ? g.j[key].dump() : "(missing)";
}

struct replayed {
  replay_model model;
  std::vector<golden_event> golden;
  std::map<std::string, const derived*> by_key;
};

const replayed& replay() {
  static const replayed r = [] {
    replayed out;
    const auto input = lines_of(DUEDAY_TEST_DATA "/replay/small.jsonl");
    for (std::size_t i = 0; i < input.size(); ++i) out.model.feed(static_cast<int>(i + 1), input[i]);
    const auto golden = lines_of(DUEDAY_TEST_DATA "/replay/small.expected.jsonl");
    for (std::size_t i = 0; i < golden.size(); ++i) {
      golden_event g{static_cast<int>(i + 1), json::parse(golden[i], nullptr, false)};
      REQUIRE_MESSAGE(g.j.is_object(), "small.expected.jsonl:", i + 1, " is not a JSON object");
      out.golden.push_back(std::move(g));
    }
    for (const derived& e : out.model.events) {
      const bool fresh = out.by_key.emplace(key_of(e), &e).second;
      REQUIRE_MESSAGE(fresh, "the model raised ", key_of(e), " twice");
    }
    return out;
  }();
  return r;
}

}  // namespace

TEST_CASE("golden: the model counts whole working days after the start day (its own check)") {
  const auto t = [](const char* s) { return *parse_instant(s); };
  // README: survey 2 WD from 2026-09-30 10:00 counts 10-08 and 10-09 (10-01..07 国庆节).
  const instant counts_from = t("2026-10-01T00:00:00+08:00");
  CHECK(format_instant(reaches(counts_from, 2 * wd)) == "2026-10-10T00:00:00+08:00");
  CHECK(format_instant(reaches(counts_from, wd)) == "2026-10-09T00:00:00+08:00");  // yellow
  // The walk itself counts from its first instant (the start-day rule is the clock's): 14 h + 12 h.
  CHECK(working_seconds(t("2026-09-30T10:00:00+08:00"), t("2026-10-08T12:00:00+08:00")) == 26 * 3600);
  // Saturday 10-10 is a make-up working day, Sunday 10-11 is not.
  CHECK(working_seconds(t("2026-10-10T00:00:00+08:00"), t("2026-10-12T00:00:00+08:00")) == wd);
  CHECK(format_instant(reaches(t("2026-10-10T12:00:00+08:00"), wd)) == "2026-10-12T12:00:00+08:00");
  CHECK(format_instant(*parse_instant("2026-10-09T16:00:00Z")) == "2026-10-10T00:00:00+08:00");
}

TEST_CASE("golden: rejected events name the malformed and out-of-order lines of small.jsonl, repeats raise nothing") {
  const replayed& r = replay();
  // What the rules make of the input (the file's own content, stated so a change to it is seen).
  CHECK(listed(r.model.rejected) == "[14, 15]");  // 14 comes before 10-10 14:00; 15 is not JSON
  CHECK(listed(r.model.duplicates) == "[3]");     // line 2 again
  std::vector<int> golden_lines;
  for (const golden_event& g : r.golden) {
    if (g.text("type") != "rejected") continue;
    INFO(g.where());
    REQUIRE(g.j.contains("line"));
    REQUIRE(g.j["line"].is_number_integer());
    const int line = g.j["line"].get<int>();
    golden_lines.push_back(line);
    if (r.model.rejected_case.count(line) == 0) continue;  // reported below
    CHECK(g.text("case") == r.model.rejected_case.at(line));
    CHECK(normal_instant(g, "at") == format_instant(r.model.rejected_at.at(line)));
    CHECK(!g.text("reason").empty());
  }
  CHECK(listed(golden_lines) == listed(r.model.rejected));
}

TEST_CASE("golden: every event of small.expected.jsonl has the values the rules give") {
  const replayed& r = replay();
  std::map<std::string, int> seen;
  for (const golden_event& g : r.golden) {
    const std::string type = g.text("type");
    if (type == "rejected") continue;
    const std::string key = key_of(type, g.text("case"), g.text("step"), g.text("level"), normal_instant(g, "at"));
    CHECK_MESSAGE(++seen[key] == 1, g.where(), ": the same event again");
    const auto it = r.by_key.find(key);
    CHECK_MESSAGE(it != r.by_key.end(), g.where(), ": the rules raise no such event");
    if (it == r.by_key.end()) continue;
    const derived& e = *it->second;
    INFO(g.where());
    CHECK(normal_instant(g, "at") == format_instant(e.at));
    if (e.due) {
      CHECK(normal_instant(g, "due") == format_instant(*e.due));
      CHECK(golden_value(g, "elapsed_s") == std::to_string(*e.elapsed));
      CHECK(golden_value(g, "remaining_s") == std::to_string(*e.remaining));
      CHECK(golden_value(g, "provisional") == "false");  // the walk never leaves the listed years
    }
    if (e.on_time) CHECK(golden_value(g, "on_time") == std::string(*e.on_time ? "true" : "false"));
    if (!e.variant.empty()) CHECK(g.text("variant") == e.variant);
  }
}

TEST_CASE("golden: small.expected.jsonl has every event the rules raise by the final tick, alerts exactly") {
  const replayed& r = replay();
  std::set<std::string> golden_keys;
  std::vector<std::string> golden_alerts;
  for (const golden_event& g : r.golden) {
    const std::string type = g.text("type");
    const auto key = key_of(type, g.text("case"), g.text("step"), g.text("level"), normal_instant(g, "at"));
    if (type != "rejected") golden_keys.insert(key);
    if (is_alert(type)) golden_alerts.push_back(key);
  }
  std::vector<std::string> derived_alerts;
  for (const derived& e : r.model.events) {
    CHECK_MESSAGE(golden_keys.count(key_of(e)) == 1, "missing from the golden file: ", key_of(e), " at ",
                  format_instant(e.at));
    if (is_alert(e.type)) derived_alerts.push_back(key_of(e));
  }
  std::sort(golden_alerts.begin(), golden_alerts.end());
  std::sort(derived_alerts.begin(), derived_alerts.end());
  CHECK(listed(golden_alerts) == listed(derived_alerts));
  CHECK(derived_alerts.size() == 14);  // the count for small.jsonl, stated
}

TEST_CASE("golden: events come in time order, simultaneous alerts by case, clock and level") {
  const replayed& r = replay();
  const auto level_of = [](const std::string& name) {
    for (std::size_t l = 0; l < level_count; ++l)
      if (name == levels[l].level) return l;
    return level_count;
  };
  std::optional<instant> previous;
  const golden_event* previous_alert = nullptr;
  for (const golden_event& g : r.golden) {
    INFO(g.where());
    const auto at = parse_instant(g.text("at"));
    REQUIRE(at);
    if (previous) CHECK(format_instant(*previous) <= format_instant(*at));  // one offset: text order is time order
    previous = at;
    if (!is_alert(g.text("type"))) {
      previous_alert = nullptr;
      continue;
    }
    if (previous_alert && previous_alert->text("at") == g.text("at")) {
      const auto a = r.model.place(previous_alert->text("case"), previous_alert->text("step"));
      const auto b = r.model.place(g.text("case"), g.text("step"));
      REQUIRE(a);
      REQUIRE(b);
      CHECK(std::tuple{a->first, a->second, level_of(previous_alert->text("level"))} <
            std::tuple{b->first, b->second, level_of(g.text("level"))});
    }
    previous_alert = &g;
  }
}
