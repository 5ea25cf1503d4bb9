// Commands on cases: the checks (pure: they read the case and say why a command does not apply)
// and the transitions. A transition that meets the calendar's end part-way returns a rejection;
// the engine's case guard then puts the case back whole.
#include <fmt/format.h>

#include "detail/utf8.hpp"
#include "dueday/error.hpp"
#include "dueday/format.hpp"
#include "engine/core.hpp"

namespace dueday::detail {

namespace {

using status = step_timer::status;

bool ready(const core& k, const case_rec& r, std::size_t i) {
  for (std::uint8_t a : k.spec(r, i).after)
    if (r.clocks[a].timer.state() != status::stopped) return false;
  return true;
}

std::string not_ready(const core& k, const case_rec& r, std::size_t i) {
  std::string s;
  for (std::uint8_t a : k.spec(r, i).after)
    if (r.clocks[a].timer.state() != status::stopped) s += (s.empty() ? "" : ", ") + k.spec(r, a).name;
  return s;
}

// Where a step stands, for messages.
std::string describe(const core& k, const case_rec& r, std::size_t i) {
  const clock_slot& slot = r.clocks[i];
  switch (slot.timer.state()) {
    case status::idle:
      if (slot.flags & waiting_flag) return fmt::format("waiting for {}", not_ready(k, r, i));
      return "not started";
    case status::running:
      return fmt::format("running since {}", k.iso(slot.timer.last_transition()));
    case status::paused:
      return fmt::format("paused since {}", k.iso(slot.timer.last_transition()));
    case status::stopped:
      return fmt::format("completed at {}", k.iso(slot.timer.last_transition()));
  }
  return {};
}

rejection past_projection(const core& k, const compiled_clock& s) {
  return {reject_code::past_calendar,
          fmt::format("{} would fall due beyond the calendar's projection (last projected day {})",
                      s.name == "overall" ? std::string("the overall clock") : fmt::format("step {}", quote(s.name)),
                      k.cal.projection_end())};
}

// Whether step i of r takes a `kind` command now; why not otherwise.
maybe_rejection check_step(const core& k, const case_rec& r, std::size_t i, command_kind kind) {
  const compiled_clock& s = k.spec(r, i);
  const clock_slot& slot = r.clocks[i];
  const status state = slot.timer.state();
  const auto bad = [](std::string why) { return rejection{reject_code::bad_transition, std::move(why)}; };
  switch (kind) {
    case command_kind::start:
      if (s.join_start) {
        std::string after;
        for (std::uint8_t a : s.after) after += (after.empty() ? "" : ", ") + escape(k.spec(r, a).name);
        return bad(fmt::format("step {} starts when {} complete; it takes no start", quote(s.name), after));
      }
      if (slot.flags & commanded_flag)
        return bad(fmt::format("step {} was already started ({})", quote(s.name), describe(k, r, i)));
      return std::nullopt;
    case command_kind::pause:
      if (!s.pausable) return bad(fmt::format("step {} cannot be paused", quote(s.name)));
      if (state != status::running)
        return bad(fmt::format("step {} is not running ({})", quote(s.name), describe(k, r, i)));
      return std::nullopt;
    case command_kind::resume:
      if (state != status::paused)
        return bad(fmt::format("step {} is not paused ({})", quote(s.name), describe(k, r, i)));
      return std::nullopt;
    case command_kind::complete:
      if (state == status::idle)
        return bad(fmt::format("step {} has not started ({})", quote(s.name), describe(k, r, i)));
      if (state == status::stopped) return bad(fmt::format("step {} is already {}", quote(s.name), describe(k, r, i)));
      return std::nullopt;
    default:
      return rejection{reject_code::malformed, "not a step command"};
  }
}

// --- transitions ---------------------------------------------------------------------------------

// Runs the overall clock from count_from (a counted step started or resumed).
maybe_rejection run_overall(core& k, std::uint32_t c, instant at, instant count_from) {
  case_rec& r = k.cases[c];
  const std::size_t o = k.variant_of(r).overall;
  step_timer& t = r.clocks[o].timer;
  const clock_rule& rule = k.spec(r, o).rule;
  const bool idle = t.state() == status::idle;
  const timer_result done =
      idle ? t.start_counting_from(k.cal, rule, at, count_from) : t.resume_counting_from(k.cal, rule, at, count_from);
  if (done == timer_result::past_calendar) return past_projection(k, k.spec(r, o));
  if (done == timer_result::done) k.clock_event(idle ? event_kind::step_started : event_kind::step_resumed, r, o, at);
  k.schedule(c, o, k.now);
  return std::nullopt;
}

// Pauses the overall clock because step `step` paused or completed (`why`).
void pause_overall(core& k, std::uint32_t c, instant at, const std::string& step, std::string_view why) {
  case_rec& r = k.cases[c];
  const std::size_t o = k.variant_of(r).overall;
  if (r.clocks[o].timer.pause(k.cal, k.spec(r, o).rule, at) != timer_result::done) return;
  std::string& detail = k.clock_event(event_kind::step_paused, r, o, at).detail;
  detail.append(step).append(1, ' ').append(why);  // "<step> <why>", into the reused event's room
  k.schedule(c, o, k.now);                         // a level reached at this very instant is raised at it
}

maybe_rejection start_clock(core& k, std::uint32_t c, std::size_t i, instant at) {
  case_rec& r = k.cases[c];
  clock_slot& slot = r.clocks[i];
  const compiled_clock& s = k.spec(r, i);
  if (slot.timer.start(k.cal, s.rule, at) == timer_result::past_calendar) return past_projection(k, s);
  slot.flags = static_cast<std::uint8_t>(slot.flags & ~waiting_flag);
  k.clock_event(event_kind::step_started, r, i, at);
  k.schedule(c, i, k.now);
  if (s.counted) return run_overall(k, c, at, slot.timer.counting_from());
  return std::nullopt;
}

void note_transition(case_rec& r, std::size_t i, bool pause, instant at) {
  if (!r.transitions) r.transitions = std::make_unique<std::vector<transition_record>>();
  r.transitions->push_back({static_cast<std::uint8_t>(i), pause, at});
}

maybe_rejection do_start(core& k, std::uint32_t c, std::size_t i, instant at, const std::string& unit) {
  const std::uint32_t named = unit.empty() ? 0 : k.names.intern(unit);  // may throw: before any change
  case_rec& r = k.cases[c];
  clock_slot& slot = r.clocks[i];
  if (named != 0) slot.unit = named;  // over the open's units
  slot.commanded = at;
  slot.flags |= commanded_flag;
  if (ready(k, r, i)) return start_clock(k, c, i, at);
  slot.flags |= waiting_flag;
  event& e = k.case_event(event_kind::step_waiting, r, at);
  e.step = k.spec(r, i).name;
  e.unit = k.unit_of(r, i);
  e.detail = not_ready(k, r, i);
  return std::nullopt;
}

void do_pause(core& k, std::uint32_t c, std::size_t i, instant at, const std::string& why) {
  case_rec& r = k.cases[c];
  const compiled_clock& s = k.spec(r, i);
  note_transition(r, i, true, at);
  (void)r.clocks[i].timer.pause(k.cal, s.rule, at);  // checked: running
  k.clock_event(event_kind::step_paused, r, i, at).detail = why;
  k.schedule(c, i, k.now);
  if (s.counted) pause_overall(k, c, at, s.name, "paused");
}

maybe_rejection do_resume(core& k, std::uint32_t c, std::size_t i, instant at) {
  case_rec& r = k.cases[c];
  clock_slot& slot = r.clocks[i];
  const compiled_clock& s = k.spec(r, i);
  note_transition(r, i, false, at);
  if (slot.timer.resume(k.cal, s.rule, at) == timer_result::past_calendar) return past_projection(k, s);
  k.clock_event(event_kind::step_resumed, r, i, at);
  k.schedule(c, i, k.now);
  if (s.counted) return run_overall(k, c, at, slot.timer.counting_from());
  return std::nullopt;
}

maybe_rejection do_complete(core& k, std::uint32_t c, std::size_t i, instant at) {
  case_rec& r = k.cases[c];
  const compiled_variant& v = k.variant_of(r);
  const compiled_clock& s = v.clocks[i];
  clock_slot& slot = r.clocks[i];
  (void)slot.timer.stop(k.cal, s.rule, at);  // checked: running or paused
  slot.flags |= completed_flag;
  k.clock_event(event_kind::step_completed, r, i, at).on_time = !slot.timer.overran();
  k.unschedule(c, i);
  if (s.counted) pause_overall(k, c, at, s.name, "completed");
  for (std::uint8_t n : s.successors) {
    const clock_slot& next = r.clocks[n];
    if (next.timer.state() != status::idle || !ready(k, r, n)) continue;
    if (v.clocks[n].join_start || (next.flags & waiting_flag)) {
      if (auto refused = start_clock(k, c, n, at)) return refused;
    }
  }
  for (std::size_t j = 0; j < v.overall; ++j)
    if (r.clocks[j].timer.state() != status::stopped) return std::nullopt;
  clock_slot& overall = r.clocks[v.overall];
  (void)overall.timer.stop(k.cal, v.clocks[v.overall].rule, at);
  k.unschedule(c, v.overall);
  k.clock_event(event_kind::case_completed, r, v.overall, at).on_time = !overall.timer.overran();
  k.cases.set_status(c, case_status::completed, at);
  return std::nullopt;
}

void do_cancel(core& k, std::uint32_t c, instant at, const std::string& why) {
  case_rec& r = k.cases[c];
  for (std::size_t i = 0; i < r.clock_count; ++i) {
    (void)r.clocks[i].timer.stop(k.cal, k.spec(r, i).rule, at);  // stopped ones stay as they were
    r.clocks[i].next_level = no_level;
  }
  k.queue.erase(c);
  k.cases.set_status(c, case_status::cancelled, at);
  k.case_event(event_kind::case_cancelled, r, at).detail = why;
}

void do_open(core& k, const command& cmd, const core::resolved& v) {
  const std::uint8_t clocks =
      v.variant == no_variant ? 0 : static_cast<std::uint8_t>(k.rules->variant(v.variant).clocks.size());
  k.queue.add_case();
  std::uint32_t c = 0;
  try {
    c = k.cases.add(cmd.case_id, cmd.at, v.policy, v.variant, clocks);
  } catch (...) {
    k.queue.pop_case();
    throw;
  }
  case_rec& r = k.cases[c];
  // Names may throw: the transaction then takes the case and the names back.
  if (!cmd.district.empty()) r.district = k.names.intern(cmd.district);
  if (v.variant != no_variant) {
    const compiled_variant& cv = k.rules->variant(v.variant);
    for (const auto& [step, unit] : cmd.units)  // checked: steps of the variant, or "overall"
      r.clocks[step == "overall" ? cv.overall : *cv.step(step)].unit = k.names.intern(unit);
  }
  event& e = k.case_event(v.variant == no_variant ? event_kind::out_of_scope : event_kind::case_opened, r, cmd.at);
  if (v.variant == no_variant) {
    e.detail = v.why;
    return;
  }
  e.detail = k.rules->variant(v.variant).variant->name;
  e.policy = k.rules->policy(v.policy).id;
  if (r.district != 0) e.district = k.names[r.district];
}

// Why a name a command gives cannot be kept (the JSON readers refuse these before; a host calling
// the engine directly may not): empty where it must name someone, longer than max_unit_name, or
// not UTF-8, which no snapshot could hold.
maybe_rejection bad_name(std::string_view field, std::string_view name) {
  const auto malformed = [&](std::string why) { return rejection{reject_code::malformed, std::move(why)}; };
  if (name.empty()) return malformed(fmt::format("{} is empty", field));
  if (name.size() > max_unit_name)
    return malformed(fmt::format("{} is {} bytes long (at most {})", field, name.size(), max_unit_name));
  if (!is_utf8(name)) return malformed(fmt::format("{} is not UTF-8", field));
  return std::nullopt;
}

// Why an open's district or units cannot be taken: a bad name, or a units key that is no step of
// the variant nor "overall".
maybe_rejection check_units(const core& k, const command& cmd, const core::resolved& v) {
  if (!cmd.district.empty()) {
    if (auto bad = bad_name("district", cmd.district)) return bad;
  }
  for (const auto& [step, unit] : cmd.units) {
    if (auto bad = bad_name(quote(fmt::format("units.{}", step)), unit)) return bad;
  }
  if (v.variant == no_variant) return std::nullopt;  // out of scope: no clocks to hand to anyone
  const compiled_variant& cv = k.rules->variant(v.variant);
  for (const auto& entry : cmd.units) {
    if (entry.first != "overall" && !cv.step(entry.first)) {
      return rejection{reject_code::unknown_step, fmt::format("units names unknown step {} (expected {}, overall)",
                                                              quote(entry.first), cv.step_names())};
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<core::resolved> core::resolve(const command& cmd, rejection* why) const {
  const auto fail = [&](reject_code code, std::string reason) -> std::optional<resolved> {
    if (why) *why = {code, std::move(reason)};
    return std::nullopt;
  };
  if (cmd.policy.empty()) return fail(reject_code::malformed, "open needs a policy");
  const auto p = rules->find_policy(cmd.policy);
  if (!p) return fail(reject_code::unknown_policy, fmt::format("unknown policy {}", quote(cmd.policy)));
  if (cmd.variant.empty() == !cmd.works.has_value())
    return fail(reject_code::malformed, "open needs either a variant or works, not both");
  const sla_policy& pol = rules->policy(*p);
  resolved out;
  out.policy = *p;
  const variant_policy* v = nullptr;
  if (cmd.works) {
    auto scope = pol.classify(*cmd.works);
    if (!scope.variant) {
      out.why = std::move(scope.reason);
      return out;
    }
    v = scope.variant;
  } else {
    v = pol.find_variant(cmd.variant);
    if (!v) {
      std::string expected;
      for (const auto& x : pol.variants) expected += (expected.empty() ? "" : ", ") + escape(x.name);
      return fail(reject_code::unknown_variant, fmt::format("unknown variant {} of policy {} (expected {})",
                                                            quote(cmd.variant), quote(cmd.policy), expected));
    }
  }
  out.variant = rules->variant_index(*p, static_cast<std::size_t>(v - pol.variants.data()));
  return out;
}

bool core::duplicate(const command& cmd, std::optional<std::uint32_t> c) const {
  if (!c) return false;
  const case_rec& r = cases[*c];
  switch (cmd.kind) {
    case command_kind::open: {
      if (r.opened != cmd.at) return false;
      const auto v = resolve(cmd, nullptr);
      return v && v->policy == r.policy && v->variant == r.variant;
    }
    case command_kind::cancel:
      return r.status == case_status::cancelled && r.closed == cmd.at;
    case command_kind::tick:
      return false;
    default:
      break;
  }
  if (r.variant == no_variant) return false;
  const auto i = variant_of(r).step(cmd.step);
  if (!i) return false;
  const clock_slot& slot = r.clocks[*i];
  switch (cmd.kind) {
    case command_kind::start:
      return (slot.flags & commanded_flag) && slot.commanded == cmd.at;
    case command_kind::pause:
      return r.had_transition(*i, true, cmd.at);
    case command_kind::resume:
      return r.had_transition(*i, false, cmd.at);
    case command_kind::complete:
      return (slot.flags & completed_flag) && slot.timer.last_transition() == cmd.at;
    default:
      return false;
  }
}

maybe_rejection core::apply_in_order(const command& cmd, std::optional<std::uint32_t> found) {
  if (cmd.kind == command_kind::open) {
    if (found) {
      return rejection{reject_code::case_exists, fmt::format("case {} already exists (opened {})", quote(cmd.case_id),
                                                             iso(cases[*found].opened))};
    }
    if (cmd.case_id.empty()) return rejection{reject_code::malformed, "open needs a case id"};
    rejection why;
    const auto v = resolve(cmd, &why);
    if (!v) return why;
    if (auto refused = check_units(*this, cmd, *v)) return refused;
    do_open(*this, cmd, *v);
    return std::nullopt;
  }
  if (!found) return rejection{reject_code::unknown_case, fmt::format("unknown case {}", quote(cmd.case_id))};
  const std::uint32_t c = *found;
  const case_rec& r = cases[c];
  if (r.status != case_status::open) {
    return rejection{reject_code::case_closed,
                     fmt::format("case {} is {} since {}", quote(r.id.view()), to_string(r.status), iso(r.closed))};
  }
  if (cmd.kind == command_kind::cancel) {
    do_cancel(*this, c, cmd.at, cmd.reason);
    return std::nullopt;
  }
  if (cmd.step.empty()) return rejection{reject_code::malformed, fmt::format("{} needs a step", to_string(cmd.kind))};
  const auto i = variant_of(r).step(cmd.step);
  if (!i) {
    return rejection{reject_code::unknown_step,
                     fmt::format("unknown step {} (expected {})", quote(cmd.step), variant_of(r).step_names())};
  }
  if (auto refused = check_step(*this, r, *i, cmd.kind)) return refused;
  if (cmd.kind == command_kind::start && !cmd.unit.empty()) {
    if (auto bad = bad_name("unit", cmd.unit)) return bad;
  }
  switch (cmd.kind) {
    case command_kind::start:
      return do_start(*this, c, *i, cmd.at, cmd.unit);
    case command_kind::pause:
      do_pause(*this, c, *i, cmd.at, cmd.reason);
      return std::nullopt;
    case command_kind::resume:
      return do_resume(*this, c, *i, cmd.at);
    case command_kind::complete:
      return do_complete(*this, c, *i, cmd.at);
    default:
      return rejection{reject_code::malformed, "not a case command"};
  }
}

}  // namespace dueday::detail
