// inspect(): where a case stands and why, as plain values.
#include "engine/core.hpp"

namespace dueday::detail {

case_view core::view(const case_rec& r, instant at) const {
  case_view v;
  v.id = r.id.view();
  v.policy = policy_ref(rules->policy(r.policy));
  v.status = r.status;
  v.opened = r.opened;
  if (r.district != 0) v.district = names[r.district];
  if (r.status != case_status::open) v.closed = r.closed;
  if (r.variant == no_variant) return v;
  const compiled_variant& cv = variant_of(r);
  v.variant = cv.variant->name;
  for (std::size_t k = 0; k < r.clock_count; ++k) {
    const compiled_clock& s = cv.clocks[k];
    const clock_slot& slot = r.clocks[k];
    clock_view c;
    c.name = s.name;
    c.party = s.party;
    c.unit = unit_of(r, k);
    c.limit = to_string(s.limit);
    c.rule = s.rule.rule;
    c.state = slot.timer.state();
    c.waiting = (slot.flags & waiting_flag) != 0;
    if (slot.flags & commanded_flag) c.commanded = slot.commanded;
    if (c.state != step_timer::status::idle) {
      c.due = slot.timer.due();
      c.provisional = slot.timer.provisional();
      c.elapsed = slot.timer.elapsed(cal, s.rule, std::max(at, slot.timer.last_transition()));
    }
    c.remaining = s.rule.budget - c.elapsed;
    const auto& alerts = cv.policy->alerts;
    for (std::size_t l = 0; l < s.thresholds.size(); ++l) {
      if (slot.fired & (1U << l)) {
        c.fired.push_back(alerts[l].level);
      } else if (slot.timer.running() && !slot.timer.reaches(cal, s.rule, s.thresholds[l])) {
        c.beyond.push_back(alerts[l].level);
      }
    }
    const bool completed = (slot.flags & completed_flag) || (k == cv.overall && r.status == case_status::completed);
    if (completed) c.on_time = !slot.timer.overran();
    v.clocks.push_back(std::move(c));
  }
  return v;
}

}  // namespace dueday::detail
