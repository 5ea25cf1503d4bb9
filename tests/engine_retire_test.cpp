// Closed cases leave memory (engine::retire), and the engine's other guards against what it is
// given: ticks past the calendar, starts whose later levels fall beyond it, a host's hash key.
#include <dueday/engine.hpp>  // first: proves the header stands alone

#include <dueday/jsonl.hpp>
#include <dueday/snapshot.hpp>

#include <deque>
#include <fstream>
#include <sstream>

#include "engine_support.hpp"

using namespace dueday;
using namespace dueday::test::engine_rig;
using std::chrono::days;
using std::chrono::hours;

namespace {

// The October example's commands, one per line.
std::vector<std::string> october_lines() {
  std::ifstream in(DUEDAY_EXAMPLES_DIR "/october-2026/commands.jsonl");
  REQUIRE(in);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string jsonl(const std::vector<event>& v) {
  std::string s;
  for (const auto& e : v) s += to_json(e) + "\n";
  return s;
}

}  // namespace

TEST_CASE("engine retire: closed cases leave; open ones and every later event stay as they were") {
  rig r;
  r.ok(r.e.open("DONE", at("2026-10-12T09:00"), policy, "no-external"));
  r.ok(r.e.open("GONE", at("2026-10-12T09:00"), policy, "no-external"));
  r.ok(r.e.open("OUT", at("2026-10-12T09:00"), policy, works{40, 80, {"river"}}));
  r.ok(r.e.open("OPEN", at("2026-10-12T09:00"), policy, "no-external"));
  r.ok(r.e.open("LATE", at("2026-10-12T09:00"), policy, "no-external"));
  for (const char* id : {"DONE", "OPEN", "LATE"}) r.ok(r.e.start(id, "survey", at("2026-10-12T10:00")));
  r.ok(r.e.complete("DONE", "survey", at("2026-10-13T10:00")));
  r.ok(r.e.start("DONE", "connect", at("2026-10-13T11:00")));
  r.ok(r.e.complete("DONE", "connect", at("2026-10-14T10:00")));
  r.ok(r.e.cancel("GONE", at("2026-10-14T11:00")));
  r.ok(r.e.cancel("LATE", at("2026-10-16T09:00")));  // closed after the retirement instant below
  rig twin;                                          // the same state, never retiring
  twin.e = engine::from_state(r.e.state(), cal(), builtin_policies(), twin.out);
  r.take();

  CHECK(r.e.retire(at("2026-10-15T00:00")) == 3);
  CHECK(r.e.cases() == 2);
  CHECK(r.e.open_cases() == 1);
  CHECK_FALSE(r.e.inspect("DONE", r.e.now()));
  CHECK(r.e.inspect("LATE", r.e.now()));
  const engine_state s = r.e.state();
  REQUIRE(s.cases.size() == 2);
  CHECK(s.cases[0].id == "OPEN");
  CHECK(s.retired_before == at("2026-10-15T00:00"));
  CHECK(r.e.next_due() == twin.e.next_due());

  // A repeat of any of their commands is refused as retired, never taken for a new case.
  const auto repeat = r.e.open("DONE", at("2026-10-12T09:00"), policy, "no-external");
  CHECK(repeat.code == reject_code::retired);
  CHECK(repeat.reason ==
        "case 'DONE' is not held: cases closed before 2026-10-15T00:00:00+08:00 were retired, and a command at "
        "2026-10-12T09:00:00+08:00 can only concern one of them");
  CHECK(r.e.complete("GONE", "survey", at("2026-10-14T10:00")).code == reject_code::retired);
  CHECK(r.e.cases() == 2);

  // Everything after goes on exactly as without retiring.
  for (rig* x : {&r, &twin}) {
    x->ok(x->e.complete("OPEN", "survey", at("2026-10-20T10:00")));
    x->ok(x->e.open("NEW", at("2026-10-20T11:00"), policy, "external"));
    x->ok(x->e.advance_to(at("2026-11-30T00:00")));
  }
  CHECK(jsonl(r.take()) == jsonl(twin.take()));

  // The state with its retirement survives the snapshot text, and a later retire never moves back.
  const engine_state again = parse_snapshot_json(to_snapshot_json(r.e.state()));
  vector_sink sink;
  engine restored = engine::from_state(again, cal(), builtin_policies(), sink);
  CHECK(restored.state() == r.e.state());
  CHECK(restored.retire(at("2026-10-01T00:00")) == 0);
  CHECK(restored.state().retired_before == at("2026-10-15T00:00"));
  // A retirement instant later than now is taken as now.
  CHECK(restored.retire(at("2027-06-01T00:00")) == 1);  // LATE
  CHECK(restored.state().retired_before == restored.now());
}

TEST_CASE("engine retire: the October month retired daily gives the same events and holds only recent cases") {
  const auto lines = october_lines();
  vector_sink kept, retired;
  engine whole(cal(), builtin_policies(), kept);
  engine daily(cal(), builtin_policies(), retired);
  std::size_t most_held = 0;
  instant last_retire = daily.now();
  for (std::size_t i = 0; i < lines.size(); ++i) {
    command c;
    try {
      c = parse_command(lines[i], "commands.jsonl", static_cast<std::int64_t>(i + 1));
    } catch (const parse_error&) {
      continue;
    }
    const outcome a = whole.apply(c);
    const outcome b = daily.apply(c);
    CHECK(a.result == b.result);
    if (daily.now() - last_retire >= days{1}) {
      (void)daily.retire(daily.now() - days{2});
      last_retire = daily.now();
    }
    most_held = std::max(most_held, daily.cases());
  }
  CHECK(jsonl(retired.events) == jsonl(kept.events));
  CHECK(whole.cases() > 180);
  CHECK(daily.cases() == daily.open_cases() + (daily.cases() - daily.open_cases()));
  CHECK(daily.cases() < whole.cases());
  CHECK(daily.cases() - daily.open_cases() < 25);  // closed ones held: only the last two days'
  MESSAGE("October retired daily: at most ", most_held, " cases held of ", whole.cases());
}

TEST_CASE("engine retire: a year of cases retired monthly keeps the cases held flat") {
  counting_sink count;
  engine e(cal(), builtin_policies(), count);
  std::deque<std::vector<std::string>> opened;  // ids by working day, the last five days
  std::size_t held_in_march = 0, held_in_december = 0;
  int n = 0;
  auto month = std::chrono::January;
  for (civil_day d{std::chrono::year{2026} / 1 / 5}; d <= civil_day{std::chrono::year{2026} / 12 / 31};
       d = d + days{1}) {
    if (!cal().is_working_day(d)) continue;
    if (d.ymd().month() != month) {  // the first working day of a month: retire what closed a week ago
      month = d.ymd().month();
      (void)e.retire(cal().at(d, {}) - days{7});
    }
    // Forty cases a working day; those opened five working days ago are surveyed and connected.
    auto& today = opened.emplace_back();
    for (int i = 0; i < 40; ++i, ++n) {
      today.push_back(fmt::format("KM-2026-{:02}-{:07}", static_cast<unsigned>(d.ymd().month()), n));
      REQUIRE(e.open(today.back(), cal().at(d, hours{9}), policy, "no-external").accepted());
    }
    for (const auto& id : today) REQUIRE(e.start(id, "survey", cal().at(d, hours{10})).accepted());
    if (opened.size() > 5) {
      for (const auto& id : opened.front()) REQUIRE(e.complete(id, "survey", cal().at(d, hours{11})).accepted());
      for (const auto& id : opened.front()) REQUIRE(e.start(id, "connect", cal().at(d, hours{12})).accepted());
      for (const auto& id : opened.front()) REQUIRE(e.complete(id, "connect", cal().at(d, hours{16})).accepted());
      opened.pop_front();
    }
    if (month == std::chrono::March) held_in_march = std::max(held_in_march, e.cases());
    if (month == std::chrono::December) held_in_december = std::max(held_in_december, e.cases());
  }
  CHECK(n > 9000);
  CHECK(e.open_cases() == 200);
  CHECK(count.total > 0);
  // Flat: at most about six weeks of cases are held, in March as in December.
  CHECK(held_in_march < 40 * 35);
  CHECK(held_in_december < 40 * 35);
  MESSAGE("a year of ", n, " cases: at most ", held_in_march, " held in March, ", held_in_december, " in December");
}

TEST_CASE("engine: a tick far past the calendar is refused like any command past it, and time stays") {
  rig r;
  r.ok(r.e.open("W-1", at("2026-10-12T09:00"), policy, "no-external"));
  const auto o = r.e.advance_to(at("2206-10-12T09:00"));  // a typo for 2026
  CHECK(o.code == reject_code::past_calendar);
  CHECK(o.reason == "2206-10-12T09:00:00+08:00 is past the calendar's projection (last day 2029-12-31)");
  CHECK(r.e.now() == at("2026-10-12T09:00"));
  r.ok(r.e.start("W-1", "survey", at("2026-10-12T10:00")));  // later commands still go in
  command tick;
  tick.at = at("9999-12-31T23:59");
  CHECK(r.e.apply(tick).code == reject_code::past_calendar);
}

TEST_CASE("engine: a start whose escalation would fall beyond the projection is taken; the level waits") {
  rig r;
  const calendar& c = cal();
  REQUIRE(c.projection_end() == civil_day{std::chrono::year{2029} / 12 / 31});
  r.ok(r.e.open("E-1", at("2029-12-20T09:00"), policy, "external"));
  // 3 WD not counting 12-26: 12-27, 12-28, 12-31; due 24:00 of the last projected day.
  r.ok(r.e.start("E-1", "approval-planning", at("2029-12-26T10:00")));
  const auto started = one(r.take(), event_kind::step_started, "approval-planning");
  CHECK(iso(*started.due) == "2030-01-01T00:00:00+08:00");
  CHECK(started.provisional);
  auto v = r.e.inspect("E-1", r.e.now());
  REQUIRE(v);
  CHECK(v->clocks[1].beyond == std::vector<std::string>{"escalation"});
  // The survey (4 WD) cannot start: its due is beyond. The reason names the clock.
  const auto refused = r.e.start("E-1", "survey", at("2029-12-27T10:00"));
  CHECK(refused.code == reject_code::past_calendar);
  CHECK(refused.reason ==
        "step 'survey' would fall due beyond the calendar's projection (last projected day 2029-12-31)");
  r.ok(r.e.advance_to(at("2030-01-01T00:00")));
  const auto ev = r.take();
  CHECK(iso(one(ev, event_kind::overdue, "approval-planning").at) == "2030-01-01T00:00:00+08:00");
  CHECK(only(ev, event_kind::escalation).empty());
  // A calendar projecting further schedules the waiting level.
  calendar_options longer;
  longer.projection_years = 4;
  r.ok(r.e.replace_calendar(calendar(builtin_notices(), longer), at("2030-01-01T00:00")));
  v = r.e.inspect("E-1", r.e.now());
  REQUIRE(v);
  CHECK(v->clocks[1].beyond.empty());
  CHECK(r.e.next_due() == at("2030-01-03T00:00"));  // 01-01 projected as 元旦; 01-02 counted
}

TEST_CASE("engine: a start refused because the overall clock would end beyond the projection emits nothing") {
  rig r;
  r.ok(r.e.open("W-1", at("2029-12-20T09:00"), policy, "no-external"));
  r.take();
  const engine_state before = r.e.state();
  // The survey's 2 WD fit (12-27, 12-28); the overall 4 WD do not (12-31, then beyond).
  const auto o = r.e.start("W-1", "survey", at("2029-12-26T10:00"));
  CHECK(o.code == reject_code::past_calendar);
  CHECK(o.reason ==
        "the overall clock would fall due beyond the calendar's projection (last projected day 2029-12-31)");
  CHECK(r.take().empty());  // not the survey's step_started either
  engine_state after = r.e.state();
  after.now = before.now;
  CHECK(after == before);
}

TEST_CASE("engine: the host's id hash key changes nothing the engine says") {
  const auto lines = october_lines();
  std::string text;
  for (const auto& l : lines) text += l + "\n";
  auto run = [&](engine_options o) {
    vector_sink out;
    engine e(cal(), builtin_policies(), out, o);
    std::istringstream in(text);
    (void)replay(in, "commands.jsonl", e, out);
    return jsonl(out.events);
  };
  engine_options secret;
  secret.id_hash_key[0] = 0x0123456789abcdefULL;
  secret.id_hash_key[1] = 0xfedcba9876543210ULL;
  CHECK(run(secret) == run({}));
}
