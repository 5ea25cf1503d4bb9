// Next alerts and raising them. A clock's next alert is the earliest of its unraised levels: for a
// running clock the instant its elapsed working time reaches the level's threshold; for a paused
// clock only the levels its elapsed time had reached at the very instant it paused (they hold
// throughout the pause, so they are raised at that instant); a stopped clock has none.
#include <algorithm>

#include "dueday/format.hpp"
#include "engine/core.hpp"

namespace dueday::detail {

namespace {

event_kind alert_kind(alert_event e) noexcept {
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

core::core(calendar c, policy_set p, const engine_options& options)
    : cal(std::move(c)),
      policies(std::move(p)),
      rules(std::make_unique<const compiled_policies>(policies, cal.hours())),
      cases(hash_key{options.id_hash_key[0], options.id_hash_key[1]}),
      now(cal.at(cal.first_covered(), {})) {}

std::string core::iso(instant t) const { return format_instant(t, cal.offset()); }

void core::schedule(std::uint32_t c, std::size_t k, instant floor) {
  const case_rec& r = cases[c];
  clock_slot& slot = r.clocks[k];
  const compiled_clock& s = spec(r, k);
  slot.next_level = no_level;
  const auto state = slot.timer.state();
  if (state == step_timer::status::running || state == step_timer::status::paused) {
    for (std::size_t l = 0; l < s.thresholds.size(); ++l) {
      if (slot.fired & (1U << l)) continue;
      std::optional<instant> reach;
      if (state == step_timer::status::running) {
        reach = slot.timer.reaches(cal, s.rule, s.thresholds[l]);
        if (!reach) continue;  // beyond the projection: until a calendar reaches it
      } else if (s.thresholds[l] <= slot.timer.elapsed_closed()) {
        reach = slot.timer.last_transition();
      } else {
        continue;
      }
      const instant at = std::max(*reach, floor);
      if (slot.next_level == no_level || at < slot.next_at) {
        slot.next_at = at;
        slot.next_level = static_cast<std::uint8_t>(l);
      }
    }
  }
  if (c != deferred) refresh(c);
}

void core::unschedule(std::uint32_t c, std::size_t k) noexcept {
  cases[c].clocks[k].next_level = no_level;
  if (c != deferred) refresh(c);
}

void core::refresh(std::uint32_t c) noexcept {
  const case_rec& r = cases[c];
  std::optional<alert_entry> best;
  for (std::size_t k = 0; k < r.clock_count; ++k) {
    const clock_slot& slot = r.clocks[k];
    if (slot.next_level == no_level) continue;
    const alert_entry e{slot.next_at, c, static_cast<std::uint8_t>(k), slot.next_level};
    if (!best || alert_before(e, *best)) best = e;
  }
  if (best) {
    queue.put(*best);
  } else {
    queue.erase(c);
  }
}

void core::fire(instant limit) {
  while (!queue.empty() && queue.top().at <= limit) {
    const alert_entry e = queue.top();
    case_rec& r = cases[e.c];
    clock_slot& slot = r.clocks[e.k];
    fire_log.push_back({slot.next_at, e.c, e.k, e.level, slot.next_level});  // before any change
    slot.fired = static_cast<std::uint8_t>(slot.fired | (1U << e.level));
    const alert_rule& a = variant_of(r).policy->alerts[e.level];
    event& ev = clock_event(alert_kind(a.raises), r, e.k, e.at);
    ev.level = a.level;
    schedule(e.c, e.k, e.at);
  }
}

void core::undo_fire() noexcept {
  for (std::size_t n = fire_log.size(); n-- > 0;) {  // newest first
    const fire_record& f = fire_log[n];
    clock_slot& slot = cases[f.c].clocks[f.k];
    slot.fired = static_cast<std::uint8_t>(slot.fired & ~(1U << f.level));
    slot.next_at = f.next_at;
    slot.next_level = f.next_level;
    refresh(f.c);
  }
  fire_log.clear();
}

event& core::case_event(event_kind kind, const case_rec& r, instant at) {
  event& e = events.add();
  e.kind = kind;
  e.at = at;
  e.case_id = r.id.view();
  return e;
}

event& core::clock_event(event_kind kind, const case_rec& r, std::size_t k, instant at) {
  const compiled_clock& s = spec(r, k);
  const step_timer& t = r.clocks[k].timer;
  event& e = case_event(kind, r, at);
  e.step = s.name;
  e.unit = unit_of(r, k);
  e.due = t.due();
  e.elapsed = t.elapsed(cal, s.rule, at);
  e.remaining = s.rule.budget - *e.elapsed;
  e.provisional = t.provisional();
  return e;
}

}  // namespace dueday::detail
