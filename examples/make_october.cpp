// make_october — writes the example month: about 200 synthetic water-connection cases in Kunming,
// October 2026, as `dueday replay` commands (examples/october-2026/commands.jsonl).
//
// The month runs across National Day (10-01..10-07 off) and its make-up Saturday (10-10). Cases
// take both variants, given by name or by their works; some pause for the customer, some
// departments answer late, some works are out of scope, a few cases are cancelled, two commands
// are delivered twice and one arrives out of order. Commands after the month end are left out,
// so cases still running stay open; the file ends with a tick at 2026-11-01T00:00.
//
// Each case names its district and the units that answer for its steps: the district's natural
// resources and planning branch (自然资源和规划局分局) and city management bureau (城市管理局), the
// city traffic police (交通管理支队), and one of two utilities by district. The bureaus' names follow
// Kunming's real ones; the utilities' split of the districts is invented for the example (a real
// 供水 service area does not follow district lines so neatly). 呈贡区 has one case only, so that a
// circular has a unit with a single case to show. Districts come from a generator of their own,
// so the timings are those of the month before units were named.
//
// Deterministic: a fixed seed and std::mt19937's raw output (its sequence is fixed by the
// standard; the distributions are not, so none is used). A test regenerates the file and
// compares.
#include <fmt/format.h>
#include <dueday/dueday.hpp>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace {

using dueday::civil_day;
using dueday::instant;
using dueday::working_days;
using namespace std::chrono;

const dueday::calendar& cal() {
  static const dueday::calendar c = dueday::builtin_calendar();
  return c;
}

class generator {
 public:
  std::uint32_t below(std::uint32_t n) { return static_cast<std::uint32_t>(rng_() % n); }
  bool chance(std::uint32_t percent) { return below(100) < percent; }
  // A working-day instant in office hours (09:00..16:50, 10-minute steps), n working days after d.
  instant office(civil_day d, int n) {
    const civil_day day = n == 0 && cal().is_working_day(d) ? d : cal().advance(d, working_days{std::max(n, 1)});
    return cal().at(day, hours{9} + minutes{10 * below(48)});
  }
  // The same day as t, later in office hours when there is room, else the next working day.
  instant later_same_day(instant t) {
    const auto tod = cal().time_of_day(t);
    if (tod >= hours{16}) return office(cal().day_of(t), 1);
    return t + minutes{10 * (1 + below(static_cast<std::uint32_t>((hours{17} - tod) / minutes{10}) - 1))};
  }

 private:
  std::mt19937 rng_{20261001};
};

// Where a case is, and who answers for its steps there.
struct district {
  const char* name;
  const char* planning;
  const char* city_management;
  const char* utility;
};

constexpr const char* water_group = "昆明自来水集团有限公司";
constexpr const char* dian_tou = "昆明滇投水务有限公司";  // invented for the example
constexpr const char* traffic_police = "昆明市公安局交通管理支队";

constexpr district districts[] = {
    {"五华区", "昆明市自然资源和规划局五华分局", "五华区城市管理局", water_group},
    {"盘龙区", "昆明市自然资源和规划局盘龙分局", "盘龙区城市管理局", water_group},
    {"官渡区", "昆明市自然资源和规划局官渡分局", "官渡区城市管理局", dian_tou},
    {"西山区", "昆明市自然资源和规划局西山分局", "西山区城市管理局", water_group},
    {"呈贡区", "昆明市自然资源和规划局呈贡分局", "呈贡区城市管理局", dian_tou},
};

// `,"district":"...","units":{...}` for an open of a case in d (external: with the approvals).
std::string units_of(const district& d, bool external) {
  std::string s = fmt::format(R"(,"district":"{}","units":{{"survey":"{}")", d.name, d.utility);
  if (external) {
    s += fmt::format(R"(,"approval-planning":"{}","approval-city-management":"{}","approval-traffic-police":"{}")",
                     d.planning, d.city_management, traffic_police);
  }
  return s + fmt::format(R"(,"connect":"{}","overall":"{}"}})", d.utility, d.utility);
}

struct line {
  instant at;
  int seq;
  std::string json;
};

class command_log {
 public:
  void add(instant at, std::string json) { lines_.push_back({at, seq_++, std::move(json)}); }
  void step(const char* type, const std::string& id, const char* step, instant at, const char* reason = nullptr) {
    add(at, fmt::format(R"({{"type":"{}","case":"{}","step":"{}","at":"{}"{}}})", type, id, step,
                        dueday::format_instant(at), reason ? fmt::format(R"(,"reason":"{}")", reason) : ""));
  }
  void print(instant end) {
    std::stable_sort(lines_.begin(), lines_.end(), [](const line& a, const line& b) { return a.at < b.at; });
    for (const auto& l : lines_)
      if (l.at < end) fmt::print("{}\n", l.json);
    fmt::print(R"({{"type":"tick","at":"{}"}})"
               "\n",
               dueday::format_instant(end));
  }
  std::vector<line>& lines() { return lines_; }

 private:
  std::vector<line> lines_;
  int seq_ = 0;
};

// A step that runs from `start` for a number of working days (late when asked), maybe paused once
// for the customer. Returns when it completes.
instant run_step(generator& g, command_log& m, const std::string& id, const char* step, instant start, int limit,
                 bool late, bool may_pause) {
  m.step("start", id, step, start);
  int days = late ? limit + 1 + static_cast<int>(g.below(3))
                  : static_cast<int>(g.below(static_cast<std::uint32_t>(limit + 1)));
  instant t = start;
  if (may_pause && g.chance(15)) {
    const instant pause = g.later_same_day(start);
    const int away = 1 + static_cast<int>(g.below(3));
    const instant resume = g.office(cal().day_of(pause), away);
    m.step("pause", id, step, pause, "customer not on site");
    m.step("resume", id, step, resume);
    t = resume;
    days = std::max(0, days - 1);
  }
  const instant done = days == 0 ? g.later_same_day(t) : g.office(cal().day_of(t), days);
  m.step("complete", id, step, done);
  return done;
}

}  // namespace

int main() {
  generator g;
  std::mt19937 places{490};  // districts: apart from g, whose draws set the timings
  bool chenggong = false;    // 呈贡区's one case given
  command_log m;
  const instant end = cal().at(civil_day{2026y / November / 1}, {});
  civil_day day{2026y / September / 28};
  int n = 0;
  while (n < 200) {
    const int today = 6 + static_cast<int>(g.below(6));
    for (int i = 0; i < today && n < 200; ++i) {
      const std::string id = fmt::format("KM-2026-{:04}", ++n);
      const instant opened = cal().at(day, hours{9} + minutes{10 * g.below(48)});
      const std::uint32_t kind = g.below(100);
      const bool by_works = g.chance(50);
      const char* variant = kind < 55 ? "no-external" : "external";
      std::string open = fmt::format(R"({{"type":"open","case":"{}","at":"{}","policy":"kunming-water-490")", id,
                                     dueday::format_instant(opened));
      // 五华 30 %, 盘龙 25 %, 官渡 25 %, 西山 20 %; 呈贡 one external case, in the second half.
      const std::uint32_t where = static_cast<std::uint32_t>(places() % 100);
      const bool external_case = kind >= 55 && kind < 90;
      const bool in_chenggong = !chenggong && external_case && n >= 120;
      chenggong = chenggong || in_chenggong;
      const district& place = in_chenggong ? districts[4]
                              : where < 30 ? districts[0]
                              : where < 55 ? districts[1]
                              : where < 80 ? districts[2]
                                           : districts[3];
      if (kind >= 90) {  // out of scope: big meter, long pipe, or a crossing
        open += fmt::format(R"(,"district":"{}")", place.name);
        static const char* const crossings[] = {"expressway", "rail", "river", "utility-tunnel"};
        const std::uint32_t why = g.below(3);
        open +=
            why == 0 ? R"(,"works":{"meter_dn":100,"pipe_m":60,"crossings":[]}})"
            : why == 1
                ? fmt::format(R"(,"works":{{"meter_dn":40,"pipe_m":{},"crossings":[]}}}})", 210 + g.below(200))
                : fmt::format(R"(,"works":{{"meter_dn":32,"pipe_m":150,"crossings":["{}"]}}}})", crossings[g.below(4)]);
        m.add(opened, open);
        continue;
      }
      if (by_works) {
        open += kind < 55 ? fmt::format(R"(,"works":{{"meter_dn":{},"pipe_m":0,"crossings":[]}})", 20 + 5 * g.below(3))
                          : fmt::format(R"(,"works":{{"meter_dn":{},"pipe_m":{},"crossings":[]}})", 20 + 5 * g.below(5),
                                        10 + g.below(190));
      } else {
        open += fmt::format(R"(,"variant":"{}")", variant);
      }
      open += units_of(place, external_case) + "}";
      m.add(opened, open);
      if (g.chance(3)) {  // withdrawn before the survey
        m.add(opened + hours{26},
              fmt::format(R"({{"type":"cancel","case":"{}","at":"{}","reason":"customer withdrew"}})", id,
                          dueday::format_instant(opened + hours{26})));
        continue;
      }
      const bool external = kind >= 55;
      // The survey time is confirmed with the customer after the application.
      const instant survey = std::max(g.office(day, static_cast<int>(g.below(3))), g.later_same_day(opened));
      const instant surveyed = run_step(g, m, id, "survey", survey, external ? 4 : 2, g.chance(8), true);
      if (!external) {
        const instant entry = g.office(cal().day_of(surveyed), static_cast<int>(g.below(4)));
        run_step(g, m, id, "connect", std::max(entry, g.later_same_day(surveyed)), 2, g.chance(8), true);
        continue;
      }
      // Materials to the three departments at once; one of them is sometimes late.
      const instant materials = g.office(cal().day_of(surveyed), static_cast<int>(g.below(2)));
      const int late_one = g.chance(25) ? static_cast<int>(g.below(3)) : -1;
      static const char* const approvals[] = {"approval-planning", "approval-city-management",
                                              "approval-traffic-police"};
      instant permits = materials;
      for (int a = 0; a < 3; ++a) {
        const instant t = std::max(materials, g.later_same_day(surveyed));
        permits = std::max(permits, run_step(g, m, id, approvals[a], t, 3, a == late_one, false));
      }
      // The entry date is agreed around the permits: sometimes before the last one arrives.
      const instant entry = g.chance(40) ? g.office(cal().day_of(materials), 1)
                                         : g.office(cal().day_of(permits), static_cast<int>(g.below(3)));
      const instant connect_start = std::max(entry, g.later_same_day(surveyed));
      m.step("start", id, "connect", connect_start);
      const instant from = std::max(connect_start, permits);
      const bool late = g.chance(8);
      const int days = late ? 6 + static_cast<int>(g.below(2)) : static_cast<int>(g.below(6));
      m.step("complete", id, "connect", days == 0 ? g.later_same_day(from) : g.office(cal().day_of(from), days));
    }
    day = cal().next_working_day(day);
    if (day > civil_day{2026y / October / 30}) break;
  }
  // At-least-once delivery: two commands sent twice, one arriving after later ones.
  auto& lines = m.lines();
  std::stable_sort(lines.begin(), lines.end(), [](const line& a, const line& b) { return a.at < b.at; });
  lines.push_back({lines[40].at, static_cast<int>(lines.size()), lines[40].json});
  lines.push_back({lines[300].at, static_cast<int>(lines.size()), lines[300].json});
  // The open of an out-of-scope case held up in transit: it arrives after later commands, so
  // replay rejects it by its line and goes on.
  for (std::size_t i = 500; i < lines.size(); ++i) {
    if (lines[i].json.find(R"("crossings":[")") == std::string::npos) continue;
    lines[i].at = lines[i + 30].at;
    break;
  }
  m.print(end);
}
