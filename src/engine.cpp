#include "dueday/engine.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <deque>
#include <limits>
#include <nlohmann/json.hpp>

#include "detail/id_index.hpp"
#include "dueday/format.hpp"
#include "dueday/io.hpp"

namespace dueday {

using std::chrono::seconds;

// --- names -------------------------------------------------------------------------------------

namespace {

constexpr std::array<std::string_view, 7> command_names = {"open",     "start",  "pause", "resume",
                                                           "complete", "cancel", "tick"};
constexpr std::array<std::string_view, 4> status_names = {"open", "completed", "cancelled", "out_of_scope"};

}  // namespace

std::string_view to_string(command_kind k) noexcept { return command_names[static_cast<std::size_t>(k)]; }

std::optional<command_kind> parse_command_kind(std::string_view s) noexcept {
  for (std::size_t i = 0; i < command_names.size(); ++i)
    if (command_names[i] == s) return static_cast<command_kind>(i);
  return std::nullopt;
}

std::string_view to_string(case_status s) noexcept { return status_names[static_cast<std::size_t>(s)]; }

// --- the compiled policy ---------------------------------------------------------------------------

namespace {

constexpr std::uint32_t no_slot = std::numeric_limits<std::uint32_t>::max();

// One clock of a variant, with its limit and alert thresholds in working time.
struct compiled_clock {
  std::string name;
  std::string party;
  span_spec limit;
  clock_rule rule;
  std::vector<std::uint8_t> after;       // steps that must complete first
  std::vector<std::uint8_t> successors;  // steps that are after this one
  bool join_start = false;
  bool pausable = true;
  bool counted = false;                  // the overall clock counts it
  std::vector<working_time> thresholds;  // per alert level: the elapsed working time that raises it
};

struct compiled_variant {
  const sla_policy* policy = nullptr;
  const variant_policy* variant = nullptr;
  std::vector<compiled_clock> clocks;  // steps in policy order, then overall
  std::uint8_t overall = 0;            // index of the overall clock
};

// "kunming-water-490@2020.1": how views and snapshots name a policy and its version.
std::string policy_ref(const sla_policy& p) { return fmt::format("{}@{}", p.id, p.version); }

working_time threshold(const alert_rule& a, const clock_rule& r, counting_rule rule, const office_hours& hours) {
  working_time t{0};
  switch (a.from) {
    case alert_rule::anchor::elapsed_share:
      t = working_time{std::llround(static_cast<double>(r.budget.count()) * a.share)};
      break;
    case alert_rule::anchor::remaining:
      t = r.budget - clock_rule::span(a.amount, rule, hours);
      break;
    case alert_rule::anchor::after_due:
      t = r.budget + clock_rule::span(a.amount, rule, hours);
      break;
  }
  return std::max(t, working_time{0});
}

void compile_clock(compiled_clock& c, const sla_policy& p, counting_rule rule, const office_hours& hours) {
  c.rule = clock_rule::of(c.limit, rule, hours);
  c.thresholds.clear();
  for (const auto& a : p.alerts) c.thresholds.push_back(threshold(a, c.rule, rule, hours));
}

compiled_variant compile(const sla_policy& p, const variant_policy& v, const office_hours& hours) {
  compiled_variant cv;
  cv.policy = &p;
  cv.variant = &v;
  auto index_of = [&](std::string_view name) {
    for (std::size_t i = 0; i < v.steps.size(); ++i)
      if (v.steps[i].name == name) return static_cast<std::uint8_t>(i);
    return std::uint8_t{0};  // validate() rules this out
  };
  for (const auto& s : v.steps) {
    compiled_clock c;
    c.name = s.name;
    c.party = s.party;
    c.limit = s.limit;
    c.join_start = s.start == start_trigger::join;
    c.pausable = s.pausable;
    compile_clock(c, p, s.rule, hours);
    for (const auto& a : s.after) c.after.push_back(index_of(a));
    cv.clocks.push_back(std::move(c));
  }
  for (std::size_t i = 0; i < cv.clocks.size(); ++i)
    for (std::uint8_t a : cv.clocks[i].after) cv.clocks[a].successors.push_back(static_cast<std::uint8_t>(i));
  for (const auto& name : v.overall.counts) cv.clocks[index_of(name)].counted = true;
  compiled_clock overall;
  overall.name = "overall";
  overall.limit = v.overall.limit;
  overall.pausable = false;
  compile_clock(overall, p, v.overall.rule, hours);
  cv.overall = static_cast<std::uint8_t>(cv.clocks.size());
  cv.clocks.push_back(std::move(overall));
  return cv;
}

// --- the state -------------------------------------------------------------------------------------

enum clock_flag : std::uint8_t {
  commanded_flag = 1,  // a start command came (at `commanded`)
  waiting_flag = 2,    // ... and the steps it is after have not all completed
  resumed_flag = 4,    // the last transition was a resume
  late_flag = 8,       // an overdue alert was raised
};

constexpr std::uint8_t no_level = 0xff;

struct clock_slot {
  step_timer timer;
  instant commanded{};
  instant next_at{};                   // the clock's next alert (a running clock with levels left)
  std::uint8_t next_level = no_level;  // ... its level, or no_level
  std::uint8_t fired = 0;              // alert levels raised, one bit each
  std::uint8_t flags = 0;
};

struct case_rec {
  std::string id;
  const compiled_variant* variant = nullptr;  // nullptr when out of scope
  std::unique_ptr<clock_slot[]> clocks;
  instant opened{};
  instant closed{};
  std::uint16_t policy = 0;  // index in the policy set
  case_status status = case_status::open;
};

// The next alert of one case: the earliest next alert of its clocks.
struct heap_entry {
  instant at;
  std::uint32_t c;
  std::uint8_t k;
  std::uint8_t level;
};

struct rejection {
  std::string reason;
};

// A stopped clock's verdict: within its limit, and no overdue alert was raised on it.
bool on_time(const clock_slot& slot, const clock_rule& rule, working_time elapsed) {
  return elapsed <= rule.budget && !(slot.flags & late_flag);
}

event_kind alert_kind(alert_event e) {
  switch (e) {
    case alert_event::warning:
      return event_kind::warning;
    case alert_event::overdue:
      return event_kind::overdue;
    case alert_event::escalation:
      return event_kind::escalation;
  }
  return event_kind::warning;
}

}  // namespace

struct engine::impl {
  calendar cal;
  policy_set policies;
  event_sink* sink;
  std::vector<std::vector<compiled_variant>> compiled;  // [policy][variant]
  std::deque<case_rec> cases;                           // in the order they were opened
  detail::id_index index;
  std::vector<heap_entry> heap;         // a 4-ary min-heap, one entry per case with an alert pending
  std::vector<std::uint32_t> heap_pos;  // per case: its entry's place in `heap`, or no_slot
  instant now_;
  std::size_t open_count = 0;
  std::vector<event> pending;  // a command's events, sent once it has fully applied
  bool buffering = false;

  impl(calendar c, policy_set p, event_sink& s)
      : cal(std::move(c)), policies(std::move(p)), sink(&s), now_(cal.at(cal.first_covered(), {})) {
    for (const auto& pol : policies.all()) {
      auto& list = compiled.emplace_back();
      for (const auto& v : pol.variants) list.push_back(compile(pol, v, cal.hours()));
    }
  }

  // --- events ------------------------------------------------------------------------------------
  void emit(event&& e) {
    if (buffering) {
      pending.push_back(std::move(e));
    } else {
      sink->on_event(e);
    }
  }

  const compiled_clock& spec(const case_rec& r, std::size_t k) const { return r.variant->clocks[k]; }

  event clock_event(event_kind kind, const case_rec& r, std::size_t k, instant at) const {
    const compiled_clock& s = spec(r, k);
    const step_timer& t = r.clocks[k].timer;
    event e;
    e.kind = kind;
    e.at = at;
    e.case_id = r.id;
    e.step = s.name;
    e.due = t.due();
    e.elapsed = t.elapsed(cal, s.rule, at);
    e.remaining = s.rule.budget - *e.elapsed;
    e.provisional = t.provisional();
    return e;
  }

  // --- the alert heap ----------------------------------------------------------------------------
  // One entry per case keeps the heap small (its next alert is the minimum over its clocks,
  // cached in each clock_slot); a 4-ary layout halves the levels a sift touches.
  static bool less(const heap_entry& a, const heap_entry& b) {
    if (a.at != b.at) return a.at < b.at;
    if (a.c != b.c) return a.c < b.c;  // the order the cases were opened in
    if (a.k != b.k) return a.k < b.k;
    return a.level < b.level;
  }
  void place(std::size_t i, const heap_entry& e) {
    heap[i] = e;
    heap_pos[e.c] = static_cast<std::uint32_t>(i);
  }
  void sift_up(std::size_t i) {
    const heap_entry e = heap[i];
    while (i > 0) {
      const std::size_t parent = (i - 1) / 4;
      if (!less(e, heap[parent])) break;
      place(i, heap[parent]);
      i = parent;
    }
    place(i, e);
  }
  void sift_down(std::size_t i) {
    const heap_entry e = heap[i];
    const std::size_t n = heap.size();
    for (;;) {
      const std::size_t first = 4 * i + 1;
      if (first >= n) break;
      std::size_t best = first;
      for (std::size_t ch = first + 1; ch < std::min(first + 4, n); ++ch)
        if (less(heap[ch], heap[best])) best = ch;
      if (!less(heap[best], e)) break;
      place(i, heap[best]);
      i = best;
    }
    place(i, e);
  }
  void erase_case(std::uint32_t c) {
    const std::uint32_t p = heap_pos[c];
    if (p == no_slot) return;
    heap_pos[c] = no_slot;
    const heap_entry last = heap.back();
    heap.pop_back();
    if (p == heap.size()) return;
    place(p, last);
    sift_up(p);
    sift_down(heap_pos[last.c]);
  }
  void put(const heap_entry& e) {
    const std::uint32_t p = heap_pos[e.c];
    if (p == no_slot) {
      heap.push_back(e);
      sift_up(heap.size() - 1);
    } else {
      heap[p] = e;
      sift_up(p);
      sift_down(heap_pos[e.c]);
    }
  }
  // Puts the case's earliest pending alert in the heap, or takes the case out.
  void refresh(std::uint32_t c) {
    const case_rec& r = cases[c];
    std::optional<heap_entry> best;
    const std::size_t n = r.variant ? r.variant->clocks.size() : 0;
    for (std::size_t k = 0; k < n; ++k) {
      const clock_slot& slot = r.clocks[k];
      if (slot.next_level == no_level) continue;
      const heap_entry e{slot.next_at, c, static_cast<std::uint8_t>(k), slot.next_level};
      if (!best || less(e, *best)) best = e;
    }
    if (best) {
      put(*best);
    } else {
      erase_case(c);
    }
  }
  // The clock has no alert pending (stopped or paused).
  void unschedule(std::uint32_t c, std::size_t k) {
    cases[c].clocks[k].next_level = no_level;
    refresh(c);
  }

  // Computes the clock's next unraised alert (no earlier than `floor`), none when it is not
  // running or has raised every level, and updates the case's heap entry.
  void schedule(std::uint32_t c, std::size_t k, instant floor) {
    const case_rec& r = cases[c];
    clock_slot& slot = r.clocks[k];
    const compiled_clock& s = spec(r, k);
    slot.next_level = no_level;
    if (slot.timer.running()) {
      for (std::size_t l = 0; l < s.thresholds.size(); ++l) {
        if (slot.fired & (1u << l)) continue;
        const auto reach = slot.timer.reaches(cal, s.rule, s.thresholds[l]);
        const instant at = reach ? std::max(*reach, floor) : std::max(slot.timer.last_transition(), floor);
        if (slot.next_level == no_level || at < slot.next_at) {
          slot.next_at = at;
          slot.next_level = static_cast<std::uint8_t>(l);
        }
      }
    }
    refresh(c);
  }

  // Raises every alert due at or before `limit`, in order.
  void fire(instant limit) {
    while (!heap.empty() && heap.front().at <= limit) {
      const heap_entry e = heap.front();
      case_rec& r = cases[e.c];
      clock_slot& slot = r.clocks[e.k];
      slot.fired = static_cast<std::uint8_t>(slot.fired | (1u << e.level));
      const alert_rule& a = r.variant->policy->alerts[e.level];
      if (a.raises == alert_event::overdue) slot.flags |= late_flag;
      event ev = clock_event(alert_kind(a.raises), r, e.k, e.at);
      ev.level = a.level;
      emit(std::move(ev));
      schedule(e.c, e.k, e.at);
    }
  }

  // --- lookups -----------------------------------------------------------------------------------
  std::optional<std::uint32_t> find(std::string_view id) const {
    const std::uint32_t c = index.find(id, [&](std::uint32_t n) -> std::string_view { return cases[n].id; });
    if (c == detail::id_index::none) return std::nullopt;
    return c;
  }
  std::optional<std::size_t> step_index(const case_rec& r, std::string_view step) const {
    if (!r.variant) return std::nullopt;
    for (std::size_t k = 0; k < r.variant->overall; ++k)
      if (r.variant->clocks[k].name == step) return k;
    return std::nullopt;
  }
  std::string step_names(const case_rec& r) const {
    std::string s;
    for (std::size_t k = 0; k < r.variant->overall; ++k) s += (k ? ", " : "") + r.variant->clocks[k].name;
    return s;
  }
  bool ready(const case_rec& r, std::size_t k) const {
    for (std::uint8_t a : spec(r, k).after)
      if (r.clocks[a].timer.state() != step_timer::status::stopped) return false;
    return true;
  }
  std::string not_ready(const case_rec& r, std::size_t k) const {
    std::string s;
    for (std::uint8_t a : spec(r, k).after) {
      if (r.clocks[a].timer.state() != step_timer::status::stopped) s += (s.empty() ? "" : ", ") + spec(r, a).name;
    }
    return s;
  }
  // Where a step stands, for messages.
  std::string describe(const case_rec& r, std::size_t k) const {
    const clock_slot& slot = r.clocks[k];
    const auto when = [&](instant t) { return format_instant(t, cal.offset()); };
    switch (slot.timer.state()) {
      case step_timer::status::idle:
        if (slot.flags & waiting_flag) return fmt::format("waiting for {}", not_ready(r, k));
        return "not started";
      case step_timer::status::running:
        return fmt::format("running since {}", when(slot.timer.last_transition()));
      case step_timer::status::paused:
        return fmt::format("paused since {}", when(slot.timer.last_transition()));
      case step_timer::status::stopped:
        return fmt::format("completed at {}", when(slot.timer.last_transition()));
    }
    return {};
  }

  // --- transitions -------------------------------------------------------------------------------
  void start_clock(std::uint32_t c, std::size_t k, instant at) {
    case_rec& r = cases[c];
    clock_slot& slot = r.clocks[k];
    const compiled_clock& s = spec(r, k);
    slot.flags = static_cast<std::uint8_t>(slot.flags & ~waiting_flag);
    slot.timer.start(cal, s.rule, at);
    emit(clock_event(event_kind::step_started, r, k, at));
    schedule(c, k, now_);
    if (s.counted) run_overall(c, at, slot.timer.counting_from());
  }

  void run_overall(std::uint32_t c, instant at, instant count_from) {
    case_rec& r = cases[c];
    const std::size_t o = r.variant->overall;
    step_timer& t = r.clocks[o].timer;
    const clock_rule& rule = spec(r, o).rule;
    if (t.state() == step_timer::status::idle) {
      t.start_counting_from(cal, rule, at, count_from);
      emit(clock_event(event_kind::step_started, r, o, at));
    } else if (t.resume_counting_from(cal, rule, at, count_from)) {
      emit(clock_event(event_kind::step_resumed, r, o, at));
    }
    schedule(c, o, now_);
  }

  void pause_overall(std::uint32_t c, instant at, const std::string& why) {
    case_rec& r = cases[c];
    const std::size_t o = r.variant->overall;
    if (!r.clocks[o].timer.pause(cal, spec(r, o).rule, at)) return;
    event e = clock_event(event_kind::step_paused, r, o, at);
    e.detail = why;
    emit(std::move(e));
    schedule(c, o, now_);
  }

  void do_open(const command& cmd, std::uint16_t policy, const compiled_variant* variant, std::string why) {
    case_rec& r = cases.emplace_back();
    const auto c = static_cast<std::uint32_t>(cases.size() - 1);
    r.id = cmd.case_id;
    r.policy = policy;
    r.variant = variant;
    r.opened = cmd.at;
    index.insert(r.id, c);
    heap_pos.push_back(no_slot);
    event e;
    e.at = cmd.at;
    e.case_id = r.id;
    if (!variant) {
      r.status = case_status::out_of_scope;
      r.closed = cmd.at;
      e.kind = event_kind::out_of_scope;
      e.detail = std::move(why);
    } else {
      r.clocks = std::make_unique<clock_slot[]>(variant->clocks.size());
      ++open_count;
      e.kind = event_kind::case_opened;
      e.detail = variant->variant->name;
    }
    emit(std::move(e));
  }

  void do_start(std::uint32_t c, std::size_t k, instant at) {
    case_rec& r = cases[c];
    clock_slot& slot = r.clocks[k];
    slot.commanded = at;
    slot.flags |= commanded_flag;
    if (ready(r, k)) {
      start_clock(c, k, at);
    } else {
      slot.flags |= waiting_flag;
      event e;
      e.kind = event_kind::step_waiting;
      e.at = at;
      e.case_id = r.id;
      e.step = spec(r, k).name;
      e.detail = not_ready(r, k);
      emit(std::move(e));
    }
  }

  void do_pause(std::uint32_t c, std::size_t k, instant at, const std::string& why) {
    case_rec& r = cases[c];
    clock_slot& slot = r.clocks[k];
    slot.timer.pause(cal, spec(r, k).rule, at);
    slot.flags = static_cast<std::uint8_t>(slot.flags & ~resumed_flag);
    event e = clock_event(event_kind::step_paused, r, k, at);
    e.detail = why;
    emit(std::move(e));
    schedule(c, k, now_);
    if (spec(r, k).counted) pause_overall(c, at, fmt::format("{} paused", spec(r, k).name));
  }

  void do_resume(std::uint32_t c, std::size_t k, instant at) {
    case_rec& r = cases[c];
    clock_slot& slot = r.clocks[k];
    slot.timer.resume(cal, spec(r, k).rule, at);
    slot.flags |= resumed_flag;
    emit(clock_event(event_kind::step_resumed, r, k, at));
    schedule(c, k, now_);
    if (spec(r, k).counted) run_overall(c, at, slot.timer.counting_from());
  }

  void do_complete(std::uint32_t c, std::size_t k, instant at) {
    case_rec& r = cases[c];
    const compiled_clock& s = spec(r, k);
    {
      clock_slot& slot = r.clocks[k];
      slot.timer.stop(cal, s.rule, at);
      slot.flags = static_cast<std::uint8_t>(slot.flags & ~resumed_flag);
      event e = clock_event(event_kind::step_completed, r, k, at);
      e.on_time = on_time(slot, s.rule, *e.elapsed);
      emit(std::move(e));
      unschedule(c, k);
    }
    if (s.counted) pause_overall(c, at, fmt::format("{} completed", s.name));
    for (std::uint8_t n : s.successors) {
      const clock_slot& next = r.clocks[n];
      if (next.timer.state() != step_timer::status::idle || !ready(r, n)) continue;
      if (spec(r, n).join_start || (next.flags & waiting_flag)) start_clock(c, n, at);
    }
    for (std::size_t i = 0; i < r.variant->overall; ++i)
      if (r.clocks[i].timer.state() != step_timer::status::stopped) return;
    const std::size_t o = r.variant->overall;
    clock_slot& overall = r.clocks[o];
    overall.timer.stop(cal, spec(r, o).rule, at);
    unschedule(c, o);
    event e = clock_event(event_kind::case_completed, r, o, at);
    e.on_time = on_time(overall, spec(r, o).rule, *e.elapsed);
    emit(std::move(e));
    r.status = case_status::completed;
    r.closed = at;
    --open_count;
  }

  void do_cancel(std::uint32_t c, instant at, const std::string& why) {
    case_rec& r = cases[c];
    for (std::size_t k = 0; k < r.variant->clocks.size(); ++k) {
      r.clocks[k].timer.stop(cal, spec(r, k).rule, at);
      r.clocks[k].next_level = no_level;
    }
    erase_case(c);
    r.status = case_status::cancelled;
    r.closed = at;
    --open_count;
    event e;
    e.kind = event_kind::case_cancelled;
    e.at = at;
    e.case_id = r.id;
    e.detail = why;
    emit(std::move(e));
  }

  // --- commands ----------------------------------------------------------------------------------
  // The index of the policy with that id. Throws rejection for an unknown one.
  std::uint16_t find_policy(std::string_view id) const {
    const auto& all = policies.all();
    for (std::size_t p = 0; p < all.size(); ++p)
      if (all[p].id == id) return static_cast<std::uint16_t>(p);
    throw rejection{fmt::format("unknown policy '{}'", id)};
  }

  // Every policy as "id@version", in the set's order.
  std::vector<std::string> policy_refs() const {
    std::vector<std::string> refs;
    for (const auto& p : policies.all()) refs.push_back(policy_ref(p));
    return refs;
  }

  // The variant an open names or implies; an empty reason and no variant means out of scope.
  struct resolved {
    std::uint16_t policy = 0;
    const compiled_variant* variant = nullptr;
    std::string why;  // out of scope
  };
  resolved resolve(const command& cmd) const {
    if (cmd.policy.empty()) throw rejection{"open needs a policy"};
    const auto& all = policies.all();
    const std::size_t p = find_policy(cmd.policy);
    if (cmd.variant.empty() == !cmd.works.has_value())
      throw rejection{"open needs either a variant or works, not both"};
    resolved out;
    out.policy = static_cast<std::uint16_t>(p);
    const variant_policy* v = nullptr;
    if (cmd.works) {
      auto scope = all[p].classify(*cmd.works);
      if (!scope.variant) {
        out.why = std::move(scope.reason);
        return out;
      }
      v = scope.variant;
    } else {
      v = all[p].find_variant(cmd.variant);
      if (!v) {
        std::string names;
        for (const auto& x : all[p].variants) names += (names.empty() ? "" : ", ") + x.name;
        throw rejection{
            fmt::format("unknown variant '{}' of policy '{}' (expected {})", cmd.variant, cmd.policy, names)};
      }
    }
    out.variant = &compiled[p][static_cast<std::size_t>(v - all[p].variants.data())];
    return out;
  }

  // The case a command names, open and with the step it names (nullopt for a case-level command).
  std::pair<std::uint32_t, std::optional<std::size_t>> target(const command& cmd,
                                                              std::optional<std::uint32_t> c) const {
    if (!c) throw rejection{fmt::format("unknown case '{}'", cmd.case_id)};
    const case_rec& r = cases[*c];
    if (r.status != case_status::open) {
      throw rejection{
          fmt::format("case '{}' is {} since {}", r.id, to_string(r.status), format_instant(r.closed, cal.offset()))};
    }
    if (cmd.kind == command_kind::cancel) return {*c, std::nullopt};
    if (cmd.step.empty()) throw rejection{fmt::format("{} needs a step", to_string(cmd.kind))};
    const auto k = step_index(r, cmd.step);
    if (!k) throw rejection{fmt::format("unknown step '{}' (expected {})", cmd.step, step_names(r))};
    return {*c, k};
  }

  // Whether cmd repeats the transition that put the case or step where it is.
  bool duplicate(const command& cmd, std::optional<std::uint32_t> c) const {
    if (!c) return false;
    const case_rec& r = cases[*c];
    if (cmd.kind == command_kind::open) {
      if (r.opened != cmd.at) return false;
      try {
        const resolved v = resolve(cmd);
        return v.policy == r.policy && v.variant == r.variant;
      } catch (const rejection&) {
        return false;
      }
    }
    if (cmd.kind == command_kind::cancel) return r.status == case_status::cancelled && r.closed == cmd.at;
    const auto k = step_index(r, cmd.step);
    if (!k) return false;
    const clock_slot& slot = r.clocks[*k];
    const bool at_last = slot.timer.last_transition() == cmd.at;
    switch (cmd.kind) {
      case command_kind::start:
        return (slot.flags & commanded_flag) && slot.commanded == cmd.at;
      case command_kind::pause:
        return slot.timer.state() == step_timer::status::paused && at_last;
      case command_kind::resume:
        return slot.timer.running() && (slot.flags & resumed_flag) && at_last;
      case command_kind::complete:
        return slot.timer.state() == step_timer::status::stopped && r.status != case_status::cancelled && at_last;
      default:
        return false;
    }
  }

  // Validates and applies a command already in time order. Throws rejection, or coverage_error
  // from the calendar (the caller then undoes the case's changes).
  void apply_in_order(const command& cmd, std::optional<std::uint32_t> found) {
    if (cmd.kind == command_kind::open) {
      if (auto c = found) {
        throw rejection{fmt::format("case '{}' already exists (opened {})", cmd.case_id,
                                    format_instant(cases[*c].opened, cal.offset()))};
      }
      if (cmd.case_id.empty()) throw rejection{"open needs a case id"};
      resolved v = resolve(cmd);
      return do_open(cmd, v.policy, v.variant, std::move(v.why));
    }
    const auto [c, k] = target(cmd, found);
    if (!k) return do_cancel(c, cmd.at, cmd.reason);
    const case_rec& r = cases[c];
    const clock_slot& slot = r.clocks[*k];
    const compiled_clock& s = spec(r, *k);
    const auto state = slot.timer.state();
    switch (cmd.kind) {
      case command_kind::start:
        if (s.join_start) {
          std::string after;
          for (std::uint8_t a : s.after) after += (after.empty() ? "" : ", ") + spec(r, a).name;
          throw rejection{fmt::format("step '{}' starts when {} complete; it takes no start", s.name, after)};
        }
        if (slot.flags & commanded_flag)
          throw rejection{fmt::format("step '{}' was already started ({})", s.name, describe(r, *k))};
        return do_start(c, *k, cmd.at);
      case command_kind::pause:
        if (!s.pausable) throw rejection{fmt::format("step '{}' cannot be paused", s.name)};
        if (state != step_timer::status::running)
          throw rejection{fmt::format("step '{}' is not running ({})", s.name, describe(r, *k))};
        return do_pause(c, *k, cmd.at, cmd.reason);
      case command_kind::resume:
        if (state != step_timer::status::paused)
          throw rejection{fmt::format("step '{}' is not paused ({})", s.name, describe(r, *k))};
        return do_resume(c, *k, cmd.at);
      case command_kind::complete:
        if (state == step_timer::status::idle)
          throw rejection{fmt::format("step '{}' has not started ({})", s.name, describe(r, *k))};
        if (state == step_timer::status::stopped)
          throw rejection{fmt::format("step '{}' is already {}", s.name, describe(r, *k))};
        return do_complete(c, *k, cmd.at);
      default:
        throw rejection{"not a case command"};
    }
  }

  outcome apply(const command& cmd) {
    if (cmd.kind == command_kind::tick) return advance_to(cmd.at);
    const auto c = find(cmd.case_id);  // looked up once per command
    if (duplicate(cmd, c)) return {outcome::status::duplicate, {}, now_};
    if (cmd.at < now_) return reject_order(cmd.at);
    if (cmd.at > cal.at(cal.projection_end() + std::chrono::days{1}, {})) {
      return {outcome::status::rejected,
              fmt::format("{} is past the calendar's projection (last day {})", format_instant(cmd.at, cal.offset()),
                          cal.projection_end()),
              now_};
    }
    fire(cmd.at - seconds{1});
    now_ = cmd.at;
    // The command's events wait until it has applied whole; a calendar error undoes the case.
    const bool saved = c && cases[*c].variant;
    if (saved) save_case(cases[*c]);
    buffering = true;
    pending.clear();
    try {
      apply_in_order(cmd, c);
    } catch (const rejection& r) {
      buffering = false;
      return {outcome::status::rejected, r.reason, now_};
    } catch (const coverage_error& e) {
      buffering = false;
      if (saved) restore_case(*c);
      return {outcome::status::rejected, e.what(), now_};
    }
    buffering = false;
    for (const event& e : pending) sink->on_event(e);
    pending.clear();
    return {outcome::status::accepted, {}, now_};
  }

  outcome reject_order(instant at) const {
    return {outcome::status::rejected,
            fmt::format("at {} is before the latest instant seen, {}", format_instant(at, cal.offset()),
                        format_instant(now_, cal.offset())),
            now_};
  }

  outcome advance_to(instant now) {
    if (now < now_) return reject_order(now);
    fire(now);
    now_ = now;
    return {outcome::status::accepted, {}, now_};
  }

  // The state of one case before a command, to undo it when the calendar refuses a computation.
  struct saved_case {
    std::vector<clock_slot> clocks;  // reused: no allocation per command
    case_status status = case_status::open;
    instant closed{};
  } saved_;

  void save_case(const case_rec& r) {
    saved_.clocks.assign(r.clocks.get(), r.clocks.get() + r.variant->clocks.size());
    saved_.status = r.status;
    saved_.closed = r.closed;
  }

  void restore_case(std::uint32_t c) {
    case_rec& r = cases[c];
    if (r.status != case_status::open && saved_.status == case_status::open) ++open_count;
    std::copy(saved_.clocks.begin(), saved_.clocks.end(), r.clocks.get());
    r.status = saved_.status;
    r.closed = saved_.closed;
    refresh(c);  // the saved clocks carry their next alerts
  }

  // --- calendar replacement ----------------------------------------------------------------------
  void replace_calendar(calendar next, instant at) {
    if (at < now_) throw error(reject_order(at).reason);
    std::vector<std::vector<compiled_variant>> rules;
    for (const auto& pol : policies.all()) {
      auto& list = rules.emplace_back();
      for (const auto& v : pol.variants) list.push_back(compile(pol, v, next.hours()));
    }
    // Every running clock under the new calendar, computed before anything changes.
    struct moved {
      std::uint32_t c;
      std::size_t k;
      step_timer timer;
    };
    std::vector<moved> running;  // in (case, clock) order, the order the events go out in
    for (std::uint32_t c = 0; c < cases.size(); ++c) {
      const case_rec& r = cases[c];
      if (r.status != case_status::open) continue;
      const auto& nv = rules[r.policy][static_cast<std::size_t>(r.variant - compiled[r.policy].data())];
      for (std::size_t k = 0; k < nv.clocks.size(); ++k) {
        if (!r.clocks[k].timer.running()) continue;
        step_timer t = r.clocks[k].timer;
        try {
          t.recompute(next, nv.clocks[k].rule);
        } catch (const coverage_error& e) {
          throw error(fmt::format("case '{}', clock '{}': {}", r.id, nv.clocks[k].name, e.what()));
        }
        running.push_back({c, k, t});
      }
    }
    fire(at - seconds{1});
    now_ = at;
    cal = std::move(next);
    for (std::size_t p = 0; p < compiled.size(); ++p) {
      for (std::size_t v = 0; v < compiled[p].size(); ++v) {
        for (std::size_t k = 0; k < compiled[p][v].clocks.size(); ++k) {
          compiled[p][v].clocks[k].rule = rules[p][v].clocks[k].rule;
          compiled[p][v].clocks[k].thresholds = rules[p][v].clocks[k].thresholds;
        }
      }
    }
    for (auto& m : running) {
      clock_slot& slot = cases[m.c].clocks[m.k];
      const instant before = slot.timer.due();
      const bool was_provisional = slot.timer.provisional();
      slot.timer = m.timer;
      if (slot.timer.due() != before) {
        event e = clock_event(event_kind::deadline_changed, cases[m.c], m.k, at);
        e.previous_due = before;
        emit(std::move(e));
      } else if (was_provisional && !slot.timer.provisional()) {
        emit(clock_event(event_kind::deadline_confirmed, cases[m.c], m.k, at));
      }
      schedule(m.c, m.k, now_);
    }
  }

  // --- views -------------------------------------------------------------------------------------
  case_view view(const case_rec& r, instant at) const {
    case_view v;
    v.id = r.id;
    v.policy = policy_ref(policies.all()[r.policy]);
    v.status = r.status;
    v.opened = r.opened;
    if (!r.variant) return v;
    v.variant = r.variant->variant->name;
    for (std::size_t k = 0; k < r.variant->clocks.size(); ++k) {
      const compiled_clock& s = spec(r, k);
      const clock_slot& slot = r.clocks[k];
      clock_view cv;
      cv.name = s.name;
      cv.party = s.party;
      cv.limit = to_string(s.limit);
      cv.rule = s.rule.rule;
      cv.state = slot.timer.state();
      cv.waiting = (slot.flags & waiting_flag) != 0;
      if (slot.flags & commanded_flag) cv.commanded = slot.commanded;
      if (cv.state != step_timer::status::idle) {
        cv.due = slot.timer.due();
        cv.provisional = slot.timer.provisional();
        cv.elapsed = slot.timer.elapsed(cal, s.rule, std::max(at, slot.timer.last_transition()));
      }
      cv.remaining = s.rule.budget - cv.elapsed;
      for (std::size_t l = 0; l < s.thresholds.size(); ++l)
        if (slot.fired & (1u << l)) cv.fired.push_back(r.variant->policy->alerts[l].level);
      if (cv.state == step_timer::status::stopped && r.status != case_status::cancelled)
        cv.on_time = on_time(slot, s.rule, cv.elapsed);
      v.clocks.push_back(std::move(cv));
    }
    return v;
  }

  // --- snapshots ---------------------------------------------------------------------------------
  // What the calendar's results depend on: every notice's dates, the zone and the office hours.
  std::string calendar_fingerprint() const {
    std::uint64_t h = 14695981039346656037ull;  // FNV-1a
    auto mix = [&](std::string_view s) {
      for (const char ch : s) h = (h ^ static_cast<unsigned char>(ch)) * 1099511628211ull;
      h = (h ^ 0xff) * 1099511628211ull;
    };
    mix(cal.zone());
    for (const auto& i : cal.hours().intervals()) mix(fmt::format("{}-{}", i.begin.count(), i.end.count()));
    for (const auto& n : cal.notices()) {
      mix(n.citation());
      mix(n.region);
      for (const auto& e : n.entries) mix(fmt::format("{}{}", e.day, e.off ? '-' : '+'));
    }
    return fmt::format("{:016x}", h);
  }

  std::string snapshot() const {
    using nlohmann::json;
    const auto iso = [&](instant t) { return format_instant(t, cal.offset()); };
    json cs = json::array();
    for (const case_rec& r : cases) {
      json c = {{"id", r.id},
                {"policy", policies.all()[r.policy].id},
                {"variant", r.variant ? json(r.variant->variant->name) : json(nullptr)},
                {"status", to_string(r.status)},
                {"opened", iso(r.opened)},
                {"closed", iso(r.closed)}};
      json clocks = json::array();
      if (r.variant) {
        for (std::size_t k = 0; k < r.variant->clocks.size(); ++k) {
          const clock_slot& slot = r.clocks[k];
          const step_timer::raw t = slot.timer.save();
          clocks.push_back({{"state", static_cast<int>(t.state)},
                            {"first_count", iso(t.first_count)},
                            {"run_from", iso(t.run_from)},
                            {"mark", iso(t.mark)},
                            {"due", iso(t.due)},
                            {"elapsed", t.elapsed.count()},
                            {"provisional", t.provisional},
                            {"commanded", iso(slot.commanded)},
                            {"fired", slot.fired},
                            {"flags", slot.flags}});
        }
      }
      c["clocks"] = std::move(clocks);
      cs.push_back(std::move(c));
    }
    const json doc = {{"format", "dueday-engine-snapshot"},
                      {"version", 1},
                      {"now", iso(now_)},
                      {"calendar", calendar_fingerprint()},
                      {"policies", policy_refs()},
                      {"cases", std::move(cs)}};
    return doc.dump();
  }

  void load(std::string_view text) {
    using nlohmann::json;
    const json doc = json::parse(text);
    if (doc.at("format") != "dueday-engine-snapshot" || doc.at("version") != 1)
      throw error("not a dueday engine snapshot (version 1)");
    if (doc.at("calendar") != calendar_fingerprint()) {
      throw error(
          fmt::format("the snapshot was taken with another calendar ({}, this one is {}); restore with "
                      "that calendar, then replace_calendar",
                      doc.at("calendar").get<std::string>(), calendar_fingerprint()));
    }
    const std::vector<std::string> refs = policy_refs();
    if (doc.at("policies").get<std::vector<std::string>>() != refs)
      throw error(fmt::format("the snapshot names policies {}, this engine has {}", doc.at("policies").dump(),
                              json(refs).dump()));
    now_ = parse_instant(doc.at("now").get<std::string>());
    for (const json& c : doc.at("cases")) {
      command open;
      open.case_id = c.at("id").get<std::string>();
      open.policy = c.at("policy").get<std::string>();
      open.at = parse_instant(c.at("opened").get<std::string>());
      const compiled_variant* variant = nullptr;
      if (!c.at("variant").is_null()) {
        open.variant = c.at("variant").get<std::string>();
        variant = resolve(open).variant;
      }
      const auto policy = find_policy(open.policy);
      buffering = true;  // the events of the original open were sent long ago
      do_open(open, policy, variant, {});
      buffering = false;
      pending.clear();
      case_rec& r = cases.back();
      const auto status = std::find(status_names.begin(), status_names.end(), c.at("status").get<std::string>());
      if (status == status_names.end()) throw error("snapshot: bad case status");
      if (r.status == case_status::open && *status != "open") --open_count;
      r.status = static_cast<case_status>(status - status_names.begin());
      r.closed = parse_instant(c.at("closed").get<std::string>());
      if (!variant) continue;
      const json& clocks = c.at("clocks");
      if (clocks.size() != variant->clocks.size())
        throw error(fmt::format("snapshot: case '{}' has other clocks", r.id));
      for (std::size_t k = 0; k < clocks.size(); ++k) {
        const json& j = clocks[k];
        step_timer::raw t{};
        t.state = static_cast<step_timer::status>(j.at("state").get<int>());
        t.first_count = parse_instant(j.at("first_count").get<std::string>());
        t.run_from = parse_instant(j.at("run_from").get<std::string>());
        t.mark = parse_instant(j.at("mark").get<std::string>());
        t.due = parse_instant(j.at("due").get<std::string>());
        t.elapsed = working_time{j.at("elapsed").get<std::int64_t>()};
        t.provisional = j.at("provisional").get<bool>();
        clock_slot& slot = r.clocks[k];
        slot.timer = step_timer::load(t);
        slot.commanded = parse_instant(j.at("commanded").get<std::string>());
        slot.fired = j.at("fired").get<std::uint8_t>();
        slot.flags = j.at("flags").get<std::uint8_t>();
      }
      const auto c_index = static_cast<std::uint32_t>(cases.size() - 1);
      for (std::size_t k = 0; k < clocks.size(); ++k) schedule(c_index, k, now_);
    }
  }
};

// --- the engine ----------------------------------------------------------------------------------

engine::engine(calendar cal, policy_set policies, event_sink& sink)
    : p_(std::make_unique<impl>(std::move(cal), std::move(policies), sink)) {}
engine::engine(std::unique_ptr<impl> p) : p_(std::move(p)) {}
engine::engine(engine&&) noexcept = default;
engine& engine::operator=(engine&&) noexcept = default;
engine::~engine() = default;

outcome engine::apply(const command& c) { return p_->apply(c); }

namespace {

command open_command(std::string_view case_id, instant at, std::string_view policy) {
  command c;
  c.kind = command_kind::open;
  c.case_id = case_id;
  c.at = at;
  c.policy = policy;
  return c;
}

command step_command(command_kind kind, std::string_view case_id, std::string_view step, instant at,
                     std::string_view reason = {}) {
  command c;
  c.kind = kind;
  c.case_id = case_id;
  c.step = step;
  c.at = at;
  c.reason = reason;
  return c;
}

}  // namespace

outcome engine::open(std::string_view case_id, instant at, std::string_view policy, std::string_view variant) {
  command c = open_command(case_id, at, policy);
  c.variant = variant;
  return p_->apply(c);
}

outcome engine::open(std::string_view case_id, instant at, std::string_view policy, const works& w) {
  command c = open_command(case_id, at, policy);
  c.works = w;
  return p_->apply(c);
}

outcome engine::start(std::string_view case_id, std::string_view step, instant at) {
  return p_->apply(step_command(command_kind::start, case_id, step, at));
}
outcome engine::pause(std::string_view case_id, std::string_view step, instant at, std::string_view reason) {
  return p_->apply(step_command(command_kind::pause, case_id, step, at, reason));
}
outcome engine::resume(std::string_view case_id, std::string_view step, instant at) {
  return p_->apply(step_command(command_kind::resume, case_id, step, at));
}
outcome engine::complete(std::string_view case_id, std::string_view step, instant at) {
  return p_->apply(step_command(command_kind::complete, case_id, step, at));
}
outcome engine::cancel(std::string_view case_id, instant at, std::string_view reason) {
  return p_->apply(step_command(command_kind::cancel, case_id, {}, at, reason));
}
outcome engine::advance_to(instant now) { return p_->advance_to(now); }

std::optional<instant> engine::next_due() const {
  if (p_->heap.empty()) return std::nullopt;
  return p_->heap.front().at;
}
instant engine::now() const noexcept { return p_->now_; }

void engine::replace_calendar(calendar cal, instant at) { p_->replace_calendar(std::move(cal), at); }
const calendar& engine::current_calendar() const noexcept { return p_->cal; }
const policy_set& engine::policies() const noexcept { return p_->policies; }
void engine::set_sink(event_sink& sink) noexcept { p_->sink = &sink; }

void engine::reserve(std::size_t cases) {
  p_->index.reserve(cases);
  p_->heap_pos.reserve(cases);
  p_->heap.reserve(cases);
}

std::size_t engine::cases() const noexcept { return p_->cases.size(); }
std::size_t engine::open_cases() const noexcept { return p_->open_count; }

std::optional<case_view> engine::inspect(std::string_view case_id, instant now) const {
  const auto c = p_->find(case_id);
  if (!c) return std::nullopt;
  return p_->view(p_->cases[*c], now);
}

std::string engine::snapshot() const { return p_->snapshot(); }

engine engine::restore(std::string_view snapshot, calendar cal, policy_set policies, event_sink& sink) {
  auto p = std::make_unique<impl>(std::move(cal), std::move(policies), sink);
  try {
    p->load(snapshot);
  } catch (const nlohmann::json::exception& e) {
    throw error(fmt::format("not a valid engine snapshot: {}", e.what()));
  } catch (const rejection& r) {
    throw error(fmt::format("snapshot: {}", r.reason));
  }
  return engine(std::move(p));
}

}  // namespace dueday
