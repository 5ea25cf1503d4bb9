// Issue 7, point 4: an exception escaping a command (a throwing sink, an allocation failure)
// leaves the engine exactly as before the command, and a retry continues as if nothing failed: no
// event lost, none emitted twice. One scripted stream is run uninterrupted for reference, then
// again with a sink that fails at each event in turn, and again with an allocation failing at each
// allocation of each command in turn; every run must end with the reference's events, byte for
// byte, and the reference's state.
//
// This file replaces the global operator new and delete. The replacements only fail while a
// countdown is armed (alloc_fault below), so the rest of the suite sees plain malloc and free.
#include <dueday/engine.hpp>  // first: proves the header stands alone

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <fmt/ranges.h>  // fmt::join

#include <dueday/io.hpp>
#include <dueday/jsonl.hpp>
#include <dueday/snapshot.hpp>

#include <algorithm>
#include <cstdlib>
#include <iterator>
#include <map>
#include <new>
#include <optional>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine_support.hpp"

// --- allocation failure on demand ----------------------------------------------------------------

namespace {

// Allocations to go until the one that fails (1: the next); 0: none fails, the default.
thread_local constinit long alloc_countdown = 0;
// Whether the armed failure happened.
thread_local constinit bool alloc_failed = false;

// Whether this allocation is the one to fail; a failure disarms, so unwinding allocates freely.
bool fail_this_allocation() noexcept {
  if (alloc_countdown == 0 || --alloc_countdown != 0) return false;
  alloc_failed = true;
  return true;
}

void* allocate(std::size_t n) {
  if (fail_this_allocation()) throw std::bad_alloc();
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}

void* allocate_nothrow(std::size_t n) noexcept {
  if (fail_this_allocation()) return nullptr;
  return std::malloc(n == 0 ? 1 : n);
}

void* allocate_aligned(std::size_t n, std::align_val_t al) {
  if (fail_this_allocation()) throw std::bad_alloc();
  const auto a = static_cast<std::size_t>(al);
  const std::size_t rounded = (n == 0 ? a : (n + a - 1) / a * a);  // aligned_alloc wants a multiple
  if (void* p = std::aligned_alloc(a, rounded)) return p;
  throw std::bad_alloc();
}

void* allocate_aligned_nothrow(std::size_t n, std::align_val_t al) noexcept {
  if (fail_this_allocation()) return nullptr;
  const auto a = static_cast<std::size_t>(al);
  return std::aligned_alloc(a, n == 0 ? a : (n + a - 1) / a * a);
}

// Arms a failure at the k-th allocation from now (k >= 1) on this thread until the scope ends.
class alloc_fault {
 public:
  explicit alloc_fault(long k) noexcept {
    alloc_failed = false;
    alloc_countdown = k;
  }
  alloc_fault(const alloc_fault&) = delete;
  alloc_fault& operator=(const alloc_fault&) = delete;
  ~alloc_fault() { alloc_countdown = 0; }
  [[nodiscard]] bool hit() const noexcept { return alloc_failed; }
};

}  // namespace

void* operator new(std::size_t n) { return allocate(n); }
void* operator new[](std::size_t n) { return allocate(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return allocate_nothrow(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return allocate_nothrow(n); }
void* operator new(std::size_t n, std::align_val_t a) { return allocate_aligned(n, a); }
void* operator new[](std::size_t n, std::align_val_t a) { return allocate_aligned(n, a); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return allocate_aligned_nothrow(n, a);
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return allocate_aligned_nothrow(n, a);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }

using namespace dueday;
using dueday::test::at;
using dueday::test::cal;
using dueday::test::engine_rig::with_day_off;

namespace {

constexpr const char* policy = "kunming-water-490";

// --- the script ----------------------------------------------------------------------------------

// One call on the engine: a command, an advance_to or a replace_calendar.
struct step {
  enum class kind : std::uint8_t { command, advance, replace };
  kind what = kind::command;
  command cmd;                  // command; advance and replace use only cmd.at
  std::optional<calendar> cal;  // replace
};

std::string describe(const step& s) {
  switch (s.what) {
    case step::kind::advance:
      return fmt::format("advance_to({})", format_instant(s.cmd.at));
    case step::kind::replace:
      return fmt::format("replace_calendar(..., {})", format_instant(s.cmd.at));
    case step::kind::command:
      break;
  }
  const command& c = s.cmd;
  std::string out = fmt::format("{} '{}'", to_string(c.kind), c.case_id);
  if (!c.step.empty()) out += fmt::format(" '{}'", c.step);
  if (!c.variant.empty()) out += fmt::format(" variant '{}'", c.variant);
  if (c.works) out += " (works)";
  return out + fmt::format(" at {}", format_instant(c.at));
}

// Runs the step. Copying the calendar copies a shared pointer: nothing is allocated before the
// engine's own code runs.
outcome run(engine& e, const step& s) {
  switch (s.what) {
    case step::kind::advance:
      return e.advance_to(s.cmd.at);
    case step::kind::replace:
      return e.replace_calendar(*s.cal, s.cmd.at);
    case step::kind::command:
      break;
  }
  return e.apply(s.cmd);
}

// Cases of the Kunming water policy (two without external works, one with, one added later, a
// batch of sixteen opened at once) and an out-of-scope one: pauses and resumes, waiting and joining
// steps, completions on time and late, a cancel, refused commands of every kind met here,
// duplicates, ticks that raise many alerts at once, a new notice that moves running deadlines, and
// commands that raise alerts due before them. Instants are Beijing time; 10-01..10-07 National
// Day, Saturday 10-10 a make-up working day.
std::vector<step> script() {
  std::vector<step> s;
  using k = command_kind;
  auto add = [&](k kind, const char* id, const char* step_name, const char* t, const char* reason = "") {
    step x;
    x.cmd.kind = kind;
    x.cmd.case_id = id;
    x.cmd.step = step_name;
    x.cmd.at = at(t);
    x.cmd.reason = reason;
    s.push_back(std::move(x));
  };
  auto open = [&](const char* id, const char* variant, const char* t, const char* pol = policy) {
    add(k::open, id, "", t);
    s.back().cmd.policy = pol;
    s.back().cmd.variant = variant;
  };
  auto advance = [&](const char* t) {
    step x;
    x.what = step::kind::advance;
    x.cmd.at = at(t);
    s.push_back(std::move(x));
  };
  auto replace = [&](calendar c, const char* t) {
    step x;
    x.what = step::kind::replace;
    x.cmd.at = at(t);
    x.cal = std::move(c);
    s.push_back(std::move(x));
  };

  open("N-1", "no-external", "2026-09-28T09:00");
  open("E-1", "external", "2026-09-28T09:30");
  add(k::open, "O-1", "", "2026-09-28T10:00");  // crosses a river: out of scope
  s.back().cmd.policy = policy;
  s.back().cmd.works = works{40, 80, {"river"}};
  open("N-2", "no-external", "2026-09-28T10:30");
  add(k::start, "N-1", "survey", "2026-09-29T10:00");
  add(k::start, "E-1", "survey", "2026-09-30T10:00");
  add(k::start, "N-2", "survey", "2026-09-30T10:30");
  add(k::start, "N-1", "survey", "2026-09-29T10:00");      // duplicate
  add(k::complete, "N-2", "connect", "2026-09-30T11:00");  // refused: not started
  add(k::pause, "N-1", "survey", "2026-09-30T11:00", "customer not on site");
  open("N-1", "no-external", "2026-09-28T09:00");                    // duplicate
  add(k::start, "E-1", "approval-planning", "2026-09-29T08:00");     // refused: out of order
  open("N-1", "external", "2026-09-30T12:00");                       // refused: case exists
  add(k::start, "X-9", "survey", "2026-09-30T12:00");                // refused: unknown case
  add(k::start, "O-1", "survey", "2026-09-30T12:30");                // refused: out of scope
  add(k::pause, "N-1", "survey", "2026-10-08T09:00");                // refused: already paused
  add(k::start, "N-2", "conect", "2026-10-08T09:30");                // refused: unknown step
  open("P-1", "no-external", "2026-10-08T10:00", "no-such-policy");  // refused: unknown policy
  add(k::complete, "E-1", "survey", "2026-10-09T15:00");             // raises N-2's yellow first
  add(k::start, "E-1", "approval-planning", "2026-10-10T09:00");
  add(k::start, "E-1", "approval-traffic-police", "2026-10-10T09:00");
  add(k::resume, "N-1", "survey", "2026-10-12T09:00");
  add(k::start, "E-1", "connect", "2026-10-12T09:30");  // waits for the permits
  add(k::start, "E-1", "approval-city-management", "2026-10-12T10:00");
  advance("2026-10-12T12:00");
  add(k::complete, "E-1", "approval-planning", "2026-10-13T10:00");
  add(k::pause, "E-1", "approval-traffic-police", "2026-10-13T11:00", "missing documents");
  // Alerts due since 10-13T11:00 are raised by the replacement itself, under the old calendar.
  replace(with_day_off("2026-10-15"), "2026-10-14T08:00");
  add(k::pause, "E-1", "approval-traffic-police", "2026-10-13T11:00");  // duplicate
  add(k::resume, "E-1", "approval-traffic-police", "2026-10-14T09:00");
  add(k::cancel, "N-2", "", "2026-10-14T10:00", "customer withdrew");
  add(k::cancel, "N-2", "", "2026-10-14T10:00");          // duplicate
  add(k::resume, "N-2", "survey", "2026-10-14T11:00");    // refused: cancelled
  add(k::complete, "N-1", "survey", "2026-10-14T12:00");  // late
  add(k::start, "N-1", "connect", "2026-10-14T13:00");
  add(k::complete, "E-1", "approval-city-management", "2026-10-16T10:00");
  open("N-3", "no-external", "2026-10-16T11:00");
  add(k::start, "N-3", "survey", "2026-10-16T12:00");
  add(k::start, "N-3", "survey", "2026-10-17T09:00");  // refused: started; raises two alerts first
  // A batch opened together (ties in opening order), growing the engine's indexes on the way.
  for (int i = 1; i <= 16; ++i) open(fmt::format("B-{:02}", i).c_str(), "no-external", "2026-10-19T09:00");
  for (int i = 1; i <= 16; ++i) add(k::start, fmt::format("B-{:02}", i).c_str(), "survey", "2026-10-19T10:00");
  add(k::cancel, "B-03", "", "2026-10-20T09:00");
  advance("2026-10-26T00:00");                                             // late: a week of alerts at once
  add(k::complete, "E-1", "approval-traffic-police", "2026-10-26T10:00");  // connect starts
  add(k::complete, "E-1", "approval-planning", "2026-10-13T10:00");        // duplicate
  add(k::complete, "N-1", "connect", "2026-10-27T10:00");                  // N-1 completes
  replace(cal(), "2026-10-20T00:00");                                      // refused: out of order
  advance("2026-10-01T00:00");                                             // refused: out of order
  add(k::complete, "N-3", "survey", "2026-10-28T10:00");
  add(k::start, "N-3", "connect", "2026-10-28T11:00");
  add(k::pause, "N-3", "connect", "2026-10-28T12:00");
  add(k::resume, "N-3", "connect", "2026-11-02T09:00");
  advance("2026-11-30T00:00");  // late again
  add(k::complete, "E-1", "connect", "2026-12-01T10:00");
  add(k::complete, "N-3", "connect", "2026-12-01T11:00");
  advance("2026-12-31T00:00");
  return s;
}

// --- sinks and text ------------------------------------------------------------------------------

struct sink_failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Stores each batch whole or not at all, as one database transaction would. It fails (throws
// sink_failure, storing nothing of the batch) when the batch holds the failure point: the
// fail_at-th event offered (0-based, counting every event offered, stored or not). A failure
// disarms it. An allocation failing inside it also stores nothing.
class transactional_sink final : public event_sink {
 public:
  void on_event(const event& e) override {
    ++single_calls;
    on_events({&e, 1});
  }
  void on_events(std::span<const event> batch) override {
    ++batches;
    std::vector<event> staged(batch.begin(), batch.end());
    const std::size_t first = offered;
    offered += batch.size();
    if (fail_at && *fail_at >= first && *fail_at < offered) {
      fail_at.reset();
      throw sink_failure("the store refused the batch");
    }
    if (stored.capacity() < stored.size() + staged.size())
      stored.reserve(std::max(stored.size() + staged.size(), 2 * stored.capacity()));
    std::move(staged.begin(), staged.end(), std::back_inserter(stored));  // within the room: no throw
  }

  std::optional<std::size_t> fail_at;
  std::size_t offered = 0;
  std::size_t batches = 0;       // on_events calls
  std::size_t single_calls = 0;  // on_event calls (the engine should make none)
  std::vector<event> stored;
};

std::string to_text(const std::vector<event>& v) {
  std::string s;
  for (const event& e : v) s += to_json(e) + "\n";
  return s;
}

// Where two texts first differ, line by line; empty when equal.
std::string first_difference(const std::string& want, const std::string& got) {
  if (want == got) return {};
  std::size_t line = 1, pos = 0;
  for (;;) {
    const std::size_t a = want.find('\n', pos), b = got.find('\n', pos);
    const std::string wl = want.substr(pos, a == std::string::npos ? std::string::npos : a - pos);
    const std::string gl = got.substr(pos, b == std::string::npos ? std::string::npos : b - pos);
    if (wl != gl || a == std::string::npos || b == std::string::npos)
      return fmt::format("line {}:\n  expected {}\n  got      {}", line, wl.empty() ? "(end)" : wl,
                         gl.empty() ? "(end)" : gl);
    pos = a + 1;
    ++line;
  }
}

// The state as snapshot JSON, for messages.
std::string show(const engine_state& s) { return to_snapshot_json(s); }

bool same(const outcome& a, const outcome& b) {
  return a.result == b.result && a.code == b.code && a.reason == b.reason && a.at == b.at;
}

std::string show(const outcome& o) {
  static constexpr const char* results[] = {"accepted", "duplicate", "rejected"};
  return fmt::format("{} {} '{}' at {}", results[static_cast<int>(o.result)], to_string(o.code), o.reason,
                     format_instant(o.at));
}

// What the engine shows from outside between commands.
struct observed {
  engine_state state;
  std::optional<instant> next_due;
  instant now;

  explicit observed(const engine& e) : state(e.state()), next_due(e.next_due()), now(e.now()) {}
  friend bool operator==(const observed&, const observed&) = default;
};

// Why the engine after a failed attempt is not as it was before it; empty when it is.
std::string unchanged(const observed& before, const engine& e) {
  const observed after(e);
  if (after == before) return {};
  std::string why;
  if (after.now != before.now)
    why += fmt::format("now() {} -> {}; ", format_instant(before.now), format_instant(after.now));
  if (after.next_due != before.next_due) {
    why += fmt::format("next_due() {} -> {}; ", before.next_due ? format_instant(*before.next_due) : "none",
                       after.next_due ? format_instant(*after.next_due) : "none");
  }
  if (!(after.state == before.state))
    why += fmt::format("state() before:\n{}\nafter:\n{}", show(before.state), show(after.state));
  return why;
}

// One try of a step with its k-th allocation failing: the outcome, when it got through.
std::optional<outcome> try_with_failure(engine& e, const step& s, long k) {
  std::optional<outcome> result;
  bool threw = false, other = false, hit = false;
  {
    const alloc_fault fault(k);  // armed for the engine call only: doctest allocates too
    try {
      result.emplace(run(e, s));
    } catch (const std::bad_alloc&) {
      threw = true;
    } catch (...) {
      other = true;
    }
    hit = fault.hit();
  }
  CHECK_MESSAGE(!other, "allocation ", k, " failed and something else than std::bad_alloc escaped");
  CHECK_MESSAGE(threw == hit, "allocation ", k,
                (hit ? " failed and the command swallowed the failure" : " did not fail, and yet bad_alloc escaped"));
  if (other) result.reset();
  return result;
}

// The uninterrupted run.
struct reference {
  std::vector<step> steps = script();
  std::vector<outcome> outcomes;
  std::vector<std::size_t> batches;  // on_events calls per step
  std::vector<std::size_t> ends;     // per step: how many events were stored when it returned
  std::vector<event> events;
  std::string text;
  engine_state final_state;

  reference() {
    transactional_sink sink;
    engine e(cal(), builtin_policies(), sink);
    for (const step& s : steps) {
      const std::size_t before = sink.batches;
      outcomes.push_back(run(e, s));
      batches.push_back(sink.batches - before);
      ends.push_back(sink.stored.size());
    }
    REQUIRE(sink.single_calls == 0);
    events = sink.stored;
    text = to_text(events);
    final_state = e.state();
  }
};

const reference& ref() {
  static const reference r;
  return r;
}

}  // namespace

TEST_CASE("engine: the safety script covers what it claims, and each command's events come in one batch") {
  const reference& r = ref();
  std::map<outcome::status, int> results;
  std::set<reject_code> codes;
  for (const outcome& o : r.outcomes) {
    ++results[o.result];
    codes.insert(o.code);
  }
  CHECK(results[outcome::status::duplicate] == 5);
  CHECK(results[outcome::status::rejected] == 12);
  for (reject_code c :
       {reject_code::out_of_order, reject_code::case_exists, reject_code::unknown_case, reject_code::case_closed,
        reject_code::unknown_policy, reject_code::unknown_step, reject_code::bad_transition})
    CHECK_MESSAGE(codes.count(c) == 1, to_string(c));

  // Each command's events in one call, or none when it has none.
  for (std::size_t i = 0; i < r.steps.size(); ++i) {
    CAPTURE(describe(r.steps[i]));
    CHECK(r.batches[i] <= 1);
  }

  std::map<event_kind, int> kinds;
  for (const event& e : r.events) ++kinds[e.kind];
  for (event_kind k : {event_kind::case_opened, event_kind::out_of_scope, event_kind::step_waiting,
                       event_kind::step_started, event_kind::step_paused, event_kind::step_resumed, event_kind::warning,
                       event_kind::overdue, event_kind::escalation, event_kind::deadline_changed,
                       event_kind::step_completed, event_kind::case_completed, event_kind::case_cancelled})
    CHECK_MESSAGE(kinds[k] > 0, to_string(k));

  // A late tick raises many alerts in one batch.
  std::size_t burst = 0;
  for (std::size_t i = 0; i < r.steps.size(); ++i)
    if (r.steps[i].what == step::kind::advance) burst = std::max(burst, r.ends[i] - (i == 0 ? 0 : r.ends[i - 1]));
  CHECK(burst >= 50);
}

TEST_CASE("engine: the safety script raises each alert once per clock and level") {
  // However the clock was paused, moved by a new notice or ticked late.
  const reference& r = ref();
  std::map<std::string, std::vector<std::string>> alerts;  // "case clock level" -> when raised
  for (const event& e : r.events) {
    if (e.kind == event_kind::warning || e.kind == event_kind::overdue || e.kind == event_kind::escalation)
      alerts[fmt::format("{} {} {}", e.case_id, e.step, e.level)].push_back(format_instant(e.at));
  }
  for (const auto& alert : alerts) {
    CHECK_MESSAGE(alert.second.size() == 1, alert.first, " raised at ",
                  fmt::format("{}", fmt::join(alert.second, ", ")));
  }
}

TEST_CASE("engine: alerts that replace_calendar raises before its instant are not raised again at it") {
  vector_sink out;
  engine e(cal(), builtin_policies(), out);
  const auto warnings = [&] {
    std::vector<std::string> v;
    for (const event& ev : out.events)
      if (ev.kind == event_kind::warning) v.push_back(fmt::format("{} {}", ev.step, format_instant(ev.at)));
    return fmt::format("{}", fmt::join(v, ", "));
  };
  REQUIRE(e.open("W-1", at("2026-10-12T09:00"), policy, "no-external").accepted());
  REQUIRE(e.start("W-1", "survey", at("2026-10-12T10:00")).accepted());  // due 10-15T00:00, yellow at 10-14T00:00
  // A notice for a later day moves nothing; the yellow due before 08:00 comes with the command.
  REQUIRE(e.replace_calendar(with_day_off("2026-10-20"), at("2026-10-14T08:00")).accepted());
  CHECK(warnings() == "survey 2026-10-14T00:00:00+08:00");
  CHECK(e.state().cases.at(0).clocks.at(0).fired == 1);  // bit 0: yellow raised
  REQUIRE(e.next_due());
  CHECK(format_instant(*e.next_due()) == "2026-10-15T00:00:00+08:00");  // red, the next level
  REQUIRE(e.advance_to(at("2026-10-14T09:00")).accepted());
  CHECK(warnings() == "survey 2026-10-14T00:00:00+08:00");
}

TEST_CASE("engine: a sink that fails at any event leaves the engine as it was, and the retry continues exactly") {
  const reference& r = ref();
  for (std::size_t n = 0; n <= r.events.size(); ++n) {
    CAPTURE(n);
    transactional_sink sink;
    sink.fail_at = n;
    engine e(cal(), builtin_policies(), sink);
    bool failed = false;
    bool ok = true;
    for (std::size_t i = 0; i < r.steps.size() && ok; ++i) {
      const step& s = r.steps[i];
      CAPTURE(describe(s));
      // The state before the command that is to fail (taking it before every command is slow).
      const std::size_t count = r.ends[i] - (i == 0 ? 0 : r.ends[i - 1]);
      std::optional<observed> before;
      if (sink.fail_at && *sink.fail_at < sink.offered + count) before.emplace(e);
      const std::size_t stored = sink.stored.size();
      try {
        const outcome o = run(e, s);
        CHECK_MESSAGE(same(o, r.outcomes[i]), show(o), " instead of ", show(r.outcomes[i]));
        continue;
      } catch (const sink_failure&) {
        failed = true;
      }
      REQUIRE_MESSAGE(before, "the sink failed at event ", n, " in another command than the reference run's");
      const std::string diff = unchanged(*before, e);
      CHECK_MESSAGE(diff.empty(), "the sink failed at event ", n, "; the engine changed: ", diff);
      CHECK(sink.stored.size() == stored);
      ok = diff.empty();
      // The store is back: the host retries the same command.
      const outcome o = run(e, s);
      CHECK_MESSAGE(same(o, r.outcomes[i]), show(o), " instead of ", show(r.outcomes[i]));
    }
    if (!ok) continue;
    CHECK(failed == (n < r.events.size()));
    const std::string diff = first_difference(r.text, to_text(sink.stored));
    CHECK_MESSAGE(diff.empty(), "events after a sink failure at event ", n, ": ", diff);
    const engine_state end = e.state();
    CHECK_MESSAGE(end == r.final_state, "final state after a sink failure at event ", n, ":\n", show(end),
                  "\ninstead of\n", show(r.final_state));
  }
}

TEST_CASE("engine: an allocation failing anywhere in a command leaves the engine as it was, and the retry continues") {
  // One engine throughout: each command is tried with its 1st, 2nd, ... allocation failing until
  // it gets through, as a host that retries after freeing memory would.
  const reference& r = ref();
  transactional_sink sink;
  engine e(cal(), builtin_policies(), sink);
  std::size_t failures = 0;
  for (std::size_t i = 0; i < r.steps.size(); ++i) {
    const step& s = r.steps[i];
    CAPTURE(describe(s));
    const observed before(e);
    const std::size_t stored = sink.stored.size();
    bool done = false;
    for (long k = 1; !done; ++k) {
      CAPTURE(k);
      const std::optional<outcome> o = try_with_failure(e, s, k);
      if (o) {
        CHECK_MESSAGE(same(*o, r.outcomes[i]), show(*o), " instead of ", show(r.outcomes[i]));
        done = true;
        continue;
      }
      ++failures;
      const std::string diff = unchanged(before, e);
      REQUIRE_MESSAGE(diff.empty(), "allocation ", k, " failed; the engine changed: ", diff);
      REQUIRE_MESSAGE(sink.stored.size() == stored, "allocation ", k, " failed; the sink kept ",
                      sink.stored.size() - stored, " events");
    }
  }
  CHECK(failures > r.steps.size());  // most commands allocate
  const std::string diff = first_difference(r.text, to_text(sink.stored));
  CHECK_MESSAGE(diff.empty(), "events after allocation failures: ", diff);
  const engine_state end = e.state();
  CHECK_MESSAGE(end == r.final_state, "final state after allocation failures:\n", show(end), "\ninstead of\n",
                show(r.final_state));
}

TEST_CASE("engine: one allocation failing at any point of any command, then the retry, gives the uninterrupted run") {
  // A fresh run per failure point, so that no buffer grown by an earlier failed attempt hides an
  // allocation: the k-th allocation of command i is the k-th of the uninterrupted run.
  const reference& r = ref();
  std::size_t points = 0;
  for (std::size_t i = 0; i < r.steps.size(); ++i) {
    const step& s = r.steps[i];
    CAPTURE(describe(s));
    for (long k = 1;; ++k) {
      CAPTURE(k);
      transactional_sink sink;
      engine e(cal(), builtin_policies(), sink);
      for (std::size_t j = 0; j < i; ++j) (void)run(e, r.steps[j]);
      const observed before(e);
      const std::size_t stored = sink.stored.size();
      const std::optional<outcome> o = try_with_failure(e, s, k);
      if (o) {
        CHECK_MESSAGE(same(*o, r.outcomes[i]), show(*o), " instead of ", show(r.outcomes[i]));
        break;
      }
      ++points;
      const std::string diff = unchanged(before, e);
      CHECK_MESSAGE(diff.empty(), "allocation ", k, " failed; the engine changed: ", diff);
      CHECK_MESSAGE(sink.stored.size() == stored, "allocation ", k, " failed; the sink kept ",
                    sink.stored.size() - stored, " events");
      if (!diff.empty()) continue;
      const outcome retried = run(e, s);
      CHECK_MESSAGE(same(retried, r.outcomes[i]), show(retried), " instead of ", show(r.outcomes[i]));
      for (std::size_t j = i + 1; j < r.steps.size(); ++j) (void)run(e, r.steps[j]);
      const std::string events = first_difference(r.text, to_text(sink.stored));
      CHECK_MESSAGE(events.empty(), "events after allocation ", k, " failed: ", events);
      const engine_state end = e.state();
      CHECK_MESSAGE(end == r.final_state, "final state after allocation ", k, " failed:\n", show(end), "\ninstead of\n",
                    show(r.final_state));
    }
  }
  CHECK(points > r.steps.size());
}
