// engine_state out, and back in trusting nothing: every field is checked against the calendar,
// the policies and the other fields, so that an engine rebuilt from a state is one that commands
// could have produced. The first problem found is thrown as "not a valid snapshot: <where>: <what>".
#include <fmt/format.h>

#include <algorithm>

#include "detail/utf8.hpp"
#include "dueday/error.hpp"
#include "dueday/format.hpp"
#include "engine/core.hpp"

namespace dueday::detail {

namespace {

using status = step_timer::status;

[[noreturn]] void invalid(const std::string& where, std::string_view what) {
  throw error(fmt::format("not a valid snapshot: {}: {}", where, what));
}

// A place in a message, formatted only when a message names it: a million cases are checked on a
// restore, and the places of the ones that pass are never shown.
template <class F>
struct lazy {
  F make;
  operator std::string() const { return make(); }  // NOLINT(google-explicit-constructor): for invalid()
};
template <class F>
lazy(F) -> lazy<F>;

// The checks of one case, with its place for messages.
class case_checker {
 public:
  case_checker(const core& k, const case_record& c, std::size_t n) : k_(k), c_(c), n_(n) {}

  // The case's place, and the same formatted only when a message needs it.
  [[nodiscard]] std::string where() const { return fmt::format("cases[{}] ({})", n_, quote(c_.id)); }
  [[nodiscard]] auto here() const {
    return lazy{[this] { return where(); }};
  }

  template <class Where>
  void instant_in(const lazy<Where>& where, std::string_view field, instant t, instant lo, instant hi) const {
    if (t < lo || t > hi) {
      invalid(where, fmt::format("{} {} is outside {} .. {}", field, k_.iso(t), k_.iso(lo), k_.iso(hi)));
    }
  }

  // A closed case held must have closed at or after the retirement instant.
  void not_retired() const {
    if (k_.retired_before && c_.closed < *k_.retired_before)
      invalid(where(), "it closed before retired_before, so it was retired");
  }

  // The case as a whole; returns its policy and variant.
  std::pair<std::uint16_t, std::uint16_t> header() const {
    if (c_.id.empty()) invalid(where(), "the case id is empty");
    if (k_.cases.find(c_.id)) invalid(where(), "the case id is given twice");
    if (static_cast<unsigned>(c_.status) > static_cast<unsigned>(case_status::out_of_scope))
      invalid(where(), "the status is not a case status");
    const auto p = k_.rules->find_policy(c_.policy);
    if (!p) invalid(where(), fmt::format("unknown policy {}", quote(c_.policy)));
    const instant first = k_.cal.at(k_.cal.first_covered(), {});
    instant_in(here(), "opened", c_.opened, first, k_.now);
    if (c_.variant.empty()) {
      if (c_.status != case_status::out_of_scope) invalid(where(), "a case with no variant must be out of scope");
      if (!c_.clocks.empty() || !c_.transitions.empty()) invalid(where(), "an out-of-scope case has no clocks");
      if (c_.closed != c_.opened) invalid(where(), "an out-of-scope case closes when it opens");
      not_retired();
      return {*p, no_variant};
    }
    if (c_.status == case_status::out_of_scope) invalid(where(), "an out-of-scope case has no variant");
    const sla_policy& pol = k_.rules->policy(*p);
    const variant_policy* v = pol.find_variant(c_.variant);
    if (!v) invalid(where(), fmt::format("policy {} has no variant {}", quote(c_.policy), quote(c_.variant)));
    if (c_.status == case_status::open) {
      if (c_.closed != instant{}) invalid(where(), "an open case has no closing instant");
    } else {
      instant_in(here(), "closed", c_.closed, c_.opened, k_.now);
      not_retired();
    }
    const std::uint16_t vi = k_.rules->variant_index(*p, static_cast<std::size_t>(v - pol.variants.data()));
    if (c_.clocks.size() != k_.rules->variant(vi).clocks.size()) {
      invalid(where(),
              fmt::format("{} clocks, the variant has {}", c_.clocks.size(), k_.rules->variant(vi).clocks.size()));
    }
    return {*p, vi};
  }

  void clock(const compiled_variant& v, std::size_t i) const {
    const clock_record& r = c_.clocks[i];
    const compiled_clock& s = v.clocks[i];
    const lazy at{[&] { return fmt::format("{}, clock {}", where(), quote(s.name)); }};
    const step_timer::raw& t = r.timer;
    const bool overall = i == v.overall;
    if (static_cast<unsigned>(t.state) > static_cast<unsigned>(status::stopped))
      invalid(at, "the state is not a timer state");
    if (s.thresholds.size() < 8 && (r.fired >> s.thresholds.size()) != 0)
      invalid(at, fmt::format("raised levels {:#x} name levels the policy does not have", r.fired));
    if (overall && (r.commanded || r.waiting || r.completed)) invalid(at, "the overall clock takes no commands");
    if (r.commanded) instant_in(at, "commanded", *r.commanded, c_.opened, k_.now);
    if (s.join_start && r.commanded) invalid(at, "a step that starts on the join takes no start");
    if (r.waiting && (t.state != status::idle || !r.commanded)) invalid(at, "only a started idle step waits");
    if (r.completed && t.state != status::stopped) invalid(at, "a completed step is stopped");
    if (t.state == status::idle) {
      if (t != step_timer::raw{} || r.fired != 0 || r.completed) invalid(at, "an idle clock has no times");
      return;
    }
    if (!overall && !s.join_start && !r.commanded) invalid(at, "a step runs only after its start");
    const instant first = k_.cal.at(k_.cal.first_covered(), {});
    const instant end = k_.horizon();
    instant_in(at, "first_count", t.first_count, first, end);
    instant_in(at, "run_from", t.run_from, first, end);
    instant_in(at, "mark", t.mark, c_.opened, k_.now);
    // Working time never exceeds the wall time it lies in, under any calendar: a bound that holds
    // for clocks that stopped or paused under an earlier calendar too.
    const std::chrono::seconds most = std::max(t.mark, t.first_count) - t.first_count;
    if (t.elapsed < working_time{0} || t.elapsed > most) {
      invalid(at, fmt::format("elapsed {} s is outside 0 .. {} s, the time between its first count and its last "
                              "transition",
                              t.elapsed.count(), most.count()));
    }
    // A paused or stopped clock keeps the due instant of its last running segment, worked out under
    // the calendar of that time; only a running clock's due must follow from this calendar.
    if (t.state != status::running) {
      instant_in(at, "due", t.due, first, std::max(end, t.due));
      if (t.overran && t.mark <= t.due) invalid(at, "overran, yet its last transition is not past its due instant");
      return;
    }
    instant_in(at, "due", t.due, first, end);
    if (t.provisional != !k_.cal.covers(k_.cal.day_of(t.due - std::chrono::seconds{1})))
      invalid(at, "provisional does not match the due instant");
    if (t.run_from < t.mark || t.run_from < t.first_count) invalid(at, "a running clock counts from its start");
    if (t.elapsed >= s.rule.budget && t.due > t.mark)
      invalid(at, "it has used its limit, yet its due instant is after its last transition");
    step_timer check = step_timer::load(t);
    if (check.recompute(k_.cal, s.rule) != timer_result::done || check.due() != t.due)
      invalid(at, fmt::format("due {} does not follow from the clock's other fields", k_.iso(t.due)));
  }

  void transitions(const compiled_variant& v) const {
    instant last = c_.opened;
    for (std::size_t n = 0; n < c_.transitions.size(); ++n) {
      const transition_record& t = c_.transitions[n];
      const lazy at{[&] { return fmt::format("{}, transitions[{}]", where(), n); }};
      if (t.step >= v.overall) invalid(at, fmt::format("step {} is not a step of the variant", t.step));
      if (!v.clocks[t.step].pausable) invalid(at, fmt::format("step {} cannot pause", quote(v.clocks[t.step].name)));
      if (t.at < last || t.at > k_.now) invalid(at, fmt::format("{} is out of order", k_.iso(t.at)));
      last = t.at;
    }
  }

  // How the clocks and transitions of the case stand to one another, as commands leave them.
  void relations(const compiled_variant& v) const {
    const auto state = [&](std::size_t i) { return c_.clocks[i].timer.state; };
    const auto clock_at = [&](std::size_t i) { return fmt::format("{}, clock {}", where(), quote(v.clocks[i].name)); };
    // Per step, pauses and resumes alternate, a pause first; a paused step's last is its pause.
    std::vector<int> last(v.overall, -1);  // -1 none, 1 pause, 0 resume
    std::vector<instant> last_at(v.overall);
    for (std::size_t n = 0; n < c_.transitions.size(); ++n) {
      const transition_record& t = c_.transitions[n];
      if (t.pause != (last[t.step] != 1)) {
        invalid(fmt::format("{}, transitions[{}]", where(), n),
                t.pause ? "a second pause with no resume between" : "a resume with no pause before it");
      }
      last[t.step] = t.pause ? 1 : 0;
      last_at[t.step] = t.at;
    }
    bool counted_running = false;
    for (std::size_t i = 0; i < v.overall; ++i) {
      const clock_record& r = c_.clocks[i];
      const lazy at{[&] { return clock_at(i); }};
      if (state(i) == status::paused && (last[i] != 1 || last_at[i] != r.timer.mark))
        invalid(at, "paused, but its last transition is no pause at that instant");
      if (state(i) == status::running && last[i] == 1) invalid(at, "running, but its last transition is a pause");
      if (state(i) == status::idle && last[i] != -1) invalid(at, "idle, yet it paused or resumed");
      bool after_done = true;  // completed by command: a cancel stops steps without completing them
      for (std::uint8_t a : v.clocks[i].after) after_done = after_done && c_.clocks[a].completed;
      if (state(i) != status::idle && !after_done) invalid(at, "it runs before the steps it is after completed");
      if (r.commanded && state(i) == status::idle && !r.waiting) invalid(at, "started and idle, yet not waiting");
      if (r.waiting && after_done) invalid(at, "waiting, though the steps it is after completed");
      if (c_.status == case_status::completed && !r.completed) invalid(at, "the case completed, but not this step");
      counted_running = counted_running || (v.clocks[i].counted && state(i) == status::running);
    }
    const auto o = v.overall;
    if (c_.status == case_status::open && counted_running != (state(o) == status::running))
      invalid(clock_at(o), "the overall clock runs exactly while a counted step runs");
    if (c_.status == case_status::completed && c_.closed != c_.clocks[o].timer.mark)
      invalid(where(), "a completed case closes when its overall clock stops");
  }

  void status_agrees(const compiled_variant& v) const {
    const auto state = [&](std::size_t i) { return c_.clocks[i].timer.state; };
    bool all_stopped = true;
    for (std::size_t i = 0; i < v.overall; ++i) all_stopped = all_stopped && state(i) == status::stopped;
    switch (c_.status) {
      case case_status::open:
        if (state(v.overall) == status::stopped) invalid(where(), "an open case's overall clock is stopped");
        break;
      case case_status::completed:
        if (!all_stopped || state(v.overall) != status::stopped) invalid(where(), "a completed case has open clocks");
        break;
      case case_status::cancelled:
        for (std::size_t i = 0; i < c_.clocks.size(); ++i)
          if (state(i) == status::running || state(i) == status::paused)
            invalid(where(), "a cancelled case has running clocks");
        break;
      case case_status::out_of_scope:
        break;
    }
  }

 private:
  const core& k_;
  const case_record& c_;
  std::size_t n_;
};

}  // namespace

engine_state core::export_header() const {
  engine_state s;
  s.now = now;
  s.retired_before = retired_before;
  s.calendar = cal.fingerprint();
  s.policies = rules->refs();
  s.names.reserve(names.size());
  for (std::uint32_t n = 1; n <= names.size(); ++n) s.names.emplace_back(names[n]);
  return s;
}

void core::export_case(std::uint32_t c, case_record& out) const {
  const case_rec& r = cases[c];
  out.id = r.id.view();
  out.policy = rules->policy(r.policy).id;
  out.status = r.status;
  out.opened = r.opened;
  out.closed = r.status != case_status::open ? r.closed : instant{};
  out.district = r.district;
  out.variant.clear();
  out.clocks.clear();
  out.transitions.clear();
  if (r.variant == no_variant) return;
  out.variant = variant_of(r).variant->name;
  for (const clock_slot& slot : r.slots()) {
    clock_record& k = out.clocks.emplace_back();
    k.timer = slot.timer.save();
    if (slot.flags & commanded_flag) k.commanded = slot.commanded;
    k.waiting = (slot.flags & waiting_flag) != 0;
    k.completed = (slot.flags & completed_flag) != 0;
    k.fired = slot.fired;
    k.unit = slot.unit;
  }
  if (r.transitions) out.transitions = *r.transitions;
}

engine_state core::export_state() const {
  engine_state s = export_header();
  s.cases.resize(cases.size());
  for (std::uint32_t c = 0; c < cases.size(); ++c) export_case(c, s.cases[c]);
  return s;
}

void core::import_header(const engine_state& s) {
  const instant first = cal.at(cal.first_covered(), {});
  if (s.now < first || s.now > horizon()) {
    invalid("now", fmt::format("{} is outside the calendar, {} .. {}", iso(s.now), iso(first), iso(horizon())));
  }
  now = s.now;
  if (s.retired_before && (*s.retired_before > now || *s.retired_before <= first))
    invalid("retired_before", "is not between the calendar's first day and now");
  retired_before = s.retired_before;
  if (s.calendar != cal.fingerprint()) {
    invalid("calendar", fmt::format("the state was taken with another calendar ({}, this one is {}); restore with "
                                    "that calendar, then replace_calendar",
                                    escape(s.calendar), cal.fingerprint()));
  }
  if (s.policies != rules->refs()) {
    invalid("policies", fmt::format("the state names policies {}, this engine has {}",
                                    escape(fmt::format("{}", fmt::join(s.policies, ", ")), 200),
                                    escape(fmt::format("{}", fmt::join(rules->refs(), ", ")), 200)));
  }
  for (std::size_t n = 0; n < s.names.size(); ++n) {
    const std::string& name = s.names[n];
    const std::string where = fmt::format("names[{}]", n);
    if (name.empty()) invalid(where, "the name is empty");
    if (name.size() > max_unit_name) invalid(where, fmt::format("{} bytes, more than {}", name.size(), max_unit_name));
    if (!is_utf8(name)) invalid(where, fmt::format("{} is not UTF-8", quote(name)));
    if (names.intern(name) != n + 1) invalid(where, fmt::format("{} is given twice", quote(name)));
  }
}

void core::import_case(const case_record& cr, std::size_t n) {
  const auto check_name = [&](std::uint32_t id, const auto& where) {
    if (id > names.size()) invalid(where, fmt::format("name {} is not among the {} names", id, names.size()));
  };
  const case_checker check(*this, cr, n);
  const auto [policy, variant] = check.header();
  if (variant != no_variant) {
    const compiled_variant& v = rules->variant(variant);
    for (std::size_t i = 0; i < cr.clocks.size(); ++i) check.clock(v, i);
    check.transitions(v);
    check.status_agrees(v);
    check.relations(v);
  }
  check_name(cr.district, lazy{[&] { return fmt::format("cases[{}].district", n); }});
  for (std::size_t i = 0; i < cr.clocks.size(); ++i)
    check_name(cr.clocks[i].unit, lazy{[&] { return fmt::format("cases[{}].clocks[{}].unit", n, i); }});
  queue.add_case();
  const auto c = cases.add(cr.id, cr.opened, policy, variant, static_cast<std::uint8_t>(cr.clocks.size()));
  if (cr.status != case_status::out_of_scope) cases.set_status(c, cr.status, cr.closed);
  case_rec& r = cases[c];
  r.district = cr.district;
  for (std::size_t i = 0; i < cr.clocks.size(); ++i) {
    const clock_record& k = cr.clocks[i];
    clock_slot& slot = r.clocks[i];
    slot.timer = step_timer::load(k.timer);
    if (k.commanded) slot.commanded = *k.commanded;
    slot.flags = static_cast<std::uint8_t>((k.commanded ? commanded_flag : 0) | (k.waiting ? waiting_flag : 0) |
                                           (k.completed ? completed_flag : 0));
    slot.fired = k.fired;
    slot.unit = k.unit;
  }
  if (!cr.transitions.empty()) r.transitions = std::make_unique<std::vector<transition_record>>(cr.transitions);
  if (r.status == case_status::open)
    for (std::size_t i = 0; i < r.clock_count; ++i) schedule(c, i, now);
}

void core::import_state(const engine_state& s) {
  import_header(s);
  cases.reserve(s.cases.size());
  queue.reserve(s.cases.size());
  for (std::size_t n = 0; n < s.cases.size(); ++n) import_case(s.cases[n], n);
}

}  // namespace dueday::detail
