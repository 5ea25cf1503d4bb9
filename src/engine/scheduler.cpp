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

// A running clock's levels reached later than its elapsed time (the others: at its last transition)
// fall due in the order of their thresholds (adding working time is strictly increasing, and a
// level beyond the projection takes every higher one with it): only the lowest is computed, and a
// lower-numbered level above it only when that one is already due at `floor`, where they tie. The
// result is the loop's over every level: the earliest (at, level).
void core::schedule(std::uint32_t c, std::size_t k, instant floor) {
  const case_rec& r = cases[c];
  clock_slot& slot = r.clocks[k];
  const compiled_clock& s = spec(r, k);
  slot.next_level = no_level;
  const auto consider = [&](instant reach, std::size_t l) {
    const instant at = std::max(reach, floor);
    if (slot.next_level == no_level || at < slot.next_at || (at == slot.next_at && l < slot.next_level)) {
      slot.next_at = at;
      slot.next_level = static_cast<std::uint8_t>(l);
    }
  };
  const auto state = slot.timer.state();
  const std::size_t levels = s.thresholds.size();
  if (state == step_timer::status::paused) {
    for (std::size_t l = 0; l < levels; ++l) {
      if (!(slot.fired & (1U << l)) && s.thresholds[l] <= slot.timer.elapsed_closed())
        consider(slot.timer.last_transition(), l);
    }
  } else if (state == step_timer::status::running) {
    std::size_t lowest = levels;  // the unraised level of least threshold above the elapsed time
    for (std::size_t l = 0; l < levels; ++l) {
      if (slot.fired & (1U << l)) continue;
      if (s.thresholds[l] <= slot.timer.elapsed_closed()) {
        consider(slot.timer.last_transition(), l);  // as reaches() answers for it
      } else if (lowest == levels || s.thresholds[l] < s.thresholds[lowest]) {
        lowest = l;
      }
    }
    if (lowest < levels) {
      if (const auto reach = slot.timer.reaches(cal, s.rule, s.thresholds[lowest])) {
        consider(*reach, lowest);
        for (std::size_t l = 0; l < lowest && *reach <= floor; ++l) {  // due at floor too, and numbered lower
          if (slot.fired & (1U << l) || s.thresholds[l] <= slot.timer.elapsed_closed()) continue;
          if (const auto other = slot.timer.reaches(cal, s.rule, s.thresholds[l]); other && *other <= floor)
            consider(*other, l);
        }
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
