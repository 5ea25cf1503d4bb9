#include "dueday/policy.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <set>

#include "detail/builtin.hpp"
#include "detail/located.hpp"
#include "dueday/error.hpp"

namespace dueday {

std::string_view to_string(alert_event e) noexcept {
  switch (e) {
    case alert_event::warning:
      return "warning";
    case alert_event::overdue:
      return "overdue";
    case alert_event::escalation:
      return "escalation";
  }
  return "?";
}

const variant_policy* sla_policy::find_variant(std::string_view name) const noexcept {
  for (const auto& v : variants)
    if (v.name == name) return &v;
  return nullptr;
}

const party_policy* sla_policy::find_party(std::string_view party) const noexcept {
  for (const auto& p : parties)
    if (p.id == party) return &p;
  return nullptr;
}

sla_policy::scope_result sla_policy::classify(const works& w) const {
  for (const auto& r : scope) {
    if (!r.crossings_allowed && !w.crossings.empty()) continue;
    if (r.meter_dn_below && !(w.meter_dn < *r.meter_dn_below)) continue;
    if (r.pipe_m_max && !(w.pipe_m <= *r.pipe_m_max)) continue;
    return {find_variant(r.variant), {}};
  }
  std::string reason;
  if (!w.crossings.empty()) {
    std::string names;
    for (const auto& c : w.crossings) names += (names.empty() ? "" : ", ") + escape(c);
    reason = fmt::format("works cross {}", names);
  } else {
    reason = fmt::format("meter DN{} with {} m of pipe matches no scope rule", w.meter_dn, w.pipe_m);
  }
  return {nullptr, std::move(reason)};
}

// --- validation ----------------------------------------------------------------------------------

namespace {

// A limit in working days, for comparing limits given in different units (h / office day).
double in_working_days(const span_spec& s, const office_hours& h) {
  if (s.in == span_spec::unit::working_days) return s.amount;
  return static_cast<double>(s.amount) * 3600.0 / static_cast<double>(h.per_day().count());
}

// The longest span a policy may state: 100 years, of working days or of hours. Longer ones are
// typing errors ("2000000000wd"), and no calendar reaches their due instants.
constexpr std::int32_t max_span_days = 36500;
constexpr std::int32_t max_span_hours = 36500 * 24;

// "" when s is within the cap, else why not.
std::string span_too_long(const span_spec& s) {
  const bool days = s.in == span_spec::unit::working_days;
  if (s.amount <= (days ? max_span_days : max_span_hours)) return {};
  return fmt::format("{} is longer than {}{} (100 years)", to_string(s), days ? max_span_days : max_span_hours,
                     days ? "wd" : "h");
}

void check_limit(const span_spec& limit, counting_rule rule, int line, std::string_view what,
                 std::vector<policy_problem>& out) {
  if (limit.amount <= 0) out.push_back({line, fmt::format("{}: limit must be positive", what)});
  if (auto why = span_too_long(limit); !why.empty()) out.push_back({line, fmt::format("{}: limit {}", what, why)});
  if (rule == counting_rule::civil && limit.in == span_spec::unit::hours) {
    out.push_back({line, fmt::format("{}: a limit in hours needs rule = \"hours\" (the civil rule counts "
                                     "whole working days)",
                                     what)});
  }
}

// The engine keeps step indexes (the overall clock's too, one past the last step) in 8 bits and
// raised alert levels as the bits of a std::uint8_t: the caps keep policies within both.
static_assert(max_steps_per_variant < std::numeric_limits<std::uint8_t>::max());
static_assert(max_alert_levels <= std::numeric_limits<std::uint8_t>::digits);

// Whether the `after` edges form a cycle (Kahn's algorithm: take away the steps that wait on no
// step left; if some remain, they wait on each other). next[i]: the steps after step i, once per
// `after` entry; waits[i]: how many `after` entries of step i name a known step.
bool has_cycle(const std::vector<std::vector<std::size_t>>& next, std::vector<std::size_t> waits) {
  std::vector<std::size_t> ready;
  for (std::size_t i = 0; i < waits.size(); ++i)
    if (waits[i] == 0) ready.push_back(i);
  std::size_t taken = 0;
  while (!ready.empty()) {
    const std::size_t i = ready.back();
    ready.pop_back();
    ++taken;
    for (std::size_t j : next[i])
      if (--waits[j] == 0) ready.push_back(j);
  }
  return taken != waits.size();
}

// reached[j]: whether step j runs only after step `from` completes (j reachable from `from`
// through the `after` edges), by a depth-first walk with an explicit stack. O(steps + edges).
std::vector<bool> steps_after(std::size_t from, const std::vector<std::vector<std::size_t>>& next) {
  std::vector<bool> reached(next.size(), false);
  std::vector<std::size_t> stack{from};
  while (!stack.empty()) {
    const std::size_t i = stack.back();
    stack.pop_back();
    for (std::size_t j : next[i]) {
      if (!reached[j]) {
        reached[j] = true;
        stack.push_back(j);
      }
    }
  }
  return reached;
}

// Parties: ids and titles non-empty, each id once; when the policy declares parties, every party a
// step or an overall clock names is one of them.
void validate_parties(const sla_policy& p, std::vector<policy_problem>& out) {
  std::set<std::string, std::less<>> ids;
  for (const auto& party : p.parties) {
    if (party.id.empty()) out.push_back({party.line, "a party has no id"});
    if (!ids.insert(party.id).second) out.push_back({party.line, fmt::format("party {} twice", quote(party.id))});
    if (party.title.empty()) out.push_back({party.line, fmt::format("party {} has an empty title", quote(party.id))});
  }
  if (p.parties.empty()) return;
  const auto check = [&](const std::string& party, int line, const std::string& who) {
    if (!party.empty() && !ids.count(party))
      out.push_back({line, fmt::format("{}: party {} is not declared in [parties]", who, quote(party))});
  };
  for (const auto& v : p.variants) {
    for (const auto& s : v.steps) check(s.party, s.line, fmt::format("step {}", quote(s.name)));
    check(v.overall.party, v.overall.line, fmt::format("variant {}: overall", quote(v.name)));
  }
}

// A policy is untrusted input: no check here recurses or grows quadratically with the steps.
void validate_variant(const variant_policy& v, std::vector<policy_problem>& out) {
  const std::string where = fmt::format("variant {}", quote(v.name));
  const std::size_t n = v.steps.size();
  // Over the cap, the per-step checks still run (they are linear) but not the graph analysis.
  const bool over_cap = n > max_steps_per_variant;
  if (n == 0) out.push_back({v.line, fmt::format("{} has no steps", where)});
  if (over_cap) {
    out.push_back({v.line, fmt::format("{} has {} steps, more than the {} allowed", where, n, max_steps_per_variant)});
  }
  std::map<std::string, std::size_t, std::less<>> index;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& s = v.steps[i];
    if (s.name.empty()) {
      out.push_back({s.line, fmt::format("{}: a step has no name", where)});
      continue;
    }
    if (s.name == "overall") out.push_back({s.line, fmt::format("{}: 'overall' names the overall clock", where)});
    if (!index.emplace(s.name, i).second)
      out.push_back({s.line, fmt::format("{}: step {} twice", where, quote(s.name))});
    check_limit(s.limit, s.rule, s.line, fmt::format("step {}", quote(s.name)), out);
  }
  // `after` names known steps, and the steps form no cycle.
  std::vector<std::vector<std::size_t>> next(over_cap ? 0 : n);
  std::vector<std::size_t> waits(over_cap ? 0 : n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& s = v.steps[i];
    for (const auto& a : s.after) {
      auto it = index.find(a);
      if (it == index.end()) {
        out.push_back({s.line, fmt::format("step {} is after unknown step {}", quote(s.name), quote(a))});
      } else if (!over_cap) {
        next[it->second].push_back(i);
        ++waits[i];
      }
    }
    if (s.start == start_trigger::join && s.after.empty())
      out.push_back({s.line, fmt::format("step {} starts on a join but is after no step", quote(s.name))});
  }
  const bool cycle = !over_cap && has_cycle(next, waits);
  if (cycle) out.push_back({v.line, fmt::format("{}: the steps' `after` lists form a cycle", where)});

  // The overall clock: counted steps known, never running at once, limits within the overall one.
  const auto& o = v.overall;
  check_limit(o.limit, o.rule, o.line, fmt::format("{}: overall", where), out);
  if (o.counts.empty()) out.push_back({o.line, fmt::format("{}: the overall clock counts no step", where)});
  std::vector<std::size_t> counted;
  std::vector<bool> is_counted(n, false);
  for (const auto& c : o.counts) {
    auto it = index.find(c);
    if (it == index.end()) {
      out.push_back({o.line, fmt::format("{}: the overall clock counts unknown step {}", where, quote(c))});
    } else if (is_counted[it->second]) {
      out.push_back({o.line, fmt::format("{}: the overall clock counts {} twice", where, quote(c))});
    } else {
      is_counted[it->second] = true;
      counted.push_back(it->second);
    }
  }
  if (cycle) return;
  if (!over_cap) {
    // Two counted steps may run at once unless one runs only after the other completes. Under the
    // cap, counted.size() x (steps + edges) stays small.
    std::vector<std::vector<bool>> after_counted;
    after_counted.reserve(counted.size());
    for (std::size_t x : counted) after_counted.push_back(steps_after(x, next));
    for (std::size_t a = 0; a < counted.size(); ++a) {
      for (std::size_t b = a + 1; b < counted.size(); ++b) {
        const std::size_t x = counted[a], y = counted[b];
        if (!after_counted[a][y] && !after_counted[b][x]) {
          out.push_back({o.line, fmt::format("{}: counted steps {} and {} may run at the same time (make one "
                                             "`after` the other)",
                                             where, quote(v.steps[x].name), quote(v.steps[y].name))});
        }
      }
    }
  }
  const office_hours hours;
  double sum = 0;
  std::string terms;
  for (std::size_t i : counted) {
    sum += in_working_days(v.steps[i].limit, hours);
    terms += fmt::format("{}{} {}", terms.empty() ? "" : " + ", escape(v.steps[i].name), to_string(v.steps[i].limit));
  }
  const double overall = in_working_days(o.limit, hours);
  if (!counted.empty() && sum > overall + 1e-9) {
    out.push_back(
        {o.line, fmt::format("{}: counted steps {} exceed the overall limit {}", where, terms, to_string(o.limit))});
  }
}

}  // namespace

std::vector<policy_problem> validate(const sla_policy& p) {
  std::vector<policy_problem> out;
  if (p.id.empty()) out.push_back({0, "the policy has no id"});
  if (p.version.empty()) out.push_back({0, "the policy has no version"});
  if (p.variants.empty()) out.push_back({0, "the policy has no [[variant]]"});
  std::set<std::string, std::less<>> levels;
  if (p.alerts.size() > max_alert_levels) {
    out.push_back({p.alerts[max_alert_levels].line, fmt::format("more than {} alert levels", max_alert_levels)});
  }
  for (const auto& a : p.alerts) {
    if (a.level.empty() || a.level == "overall") out.push_back({a.line, "an alert needs a level name"});
    if (!levels.insert(a.level).second) out.push_back({a.line, fmt::format("alert level {} twice", quote(a.level))});
    if (a.from == alert_rule::anchor::elapsed_share && !(a.share > 0 && a.share <= 1))
      out.push_back({a.line, fmt::format("alert {}: elapsed_share must be in (0, 1]", quote(a.level))});
    if (a.from != alert_rule::anchor::elapsed_share) {
      if (a.amount.amount < 0) out.push_back({a.line, fmt::format("alert {}: a negative span", quote(a.level))});
      if (auto why = span_too_long(a.amount); !why.empty())
        out.push_back({a.line, fmt::format("alert {}: {}", quote(a.level), why)});
    }
  }
  validate_parties(p, out);
  std::set<std::string, std::less<>> names;
  for (const auto& v : p.variants) {
    if (v.name.empty()) out.push_back({v.line, "a variant has no name"});
    if (!names.insert(v.name).second) out.push_back({v.line, fmt::format("variant {} twice", quote(v.name))});
    validate_variant(v, out);
  }
  for (const auto& r : p.scope) {
    if (!names.count(r.variant))
      out.push_back({r.line, fmt::format("scope rule names unknown variant {}", quote(r.variant))});
    if (r.meter_dn_below && *r.meter_dn_below < 1)
      out.push_back({r.line, fmt::format("scope rule: meter_dn_below {} is not positive", *r.meter_dn_below)});
    if (r.pipe_m_max && !(std::isfinite(*r.pipe_m_max) && *r.pipe_m_max >= 0))
      out.push_back(
          {r.line, fmt::format("scope rule: pipe_m_max {} is not a length in metres (0 or more)", *r.pipe_m_max)});
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.line < b.line; });
  return out;
}

namespace {

std::string join_problems(const std::string& source, const std::vector<policy_problem>& problems) {
  std::string s;
  for (const auto& p : problems) {
    if (!s.empty()) s += "; ";
    s += detail::located(source, p.line, p.message);
  }
  return s;
}

}  // namespace

policy_error::policy_error(std::string source, std::vector<policy_problem> problems)
    : error(join_problems(source, problems)), source_(std::move(source)), problems_(std::move(problems)) {}

// --- sets --------------------------------------------------------------------------------------------

policy_set::policy_set(std::vector<sla_policy> policies) {
  for (std::size_t i = 0; i < policies.size(); ++i) {
    if (auto problems = validate(policies[i]); !problems.empty())
      throw policy_error(policies[i].source, std::move(problems));
    for (std::size_t j = 0; j < i; ++j) {
      if (policies[i].id == policies[j].id) {
        throw error(detail::located(policies[i].source, 0,
                                    fmt::format("policy {} is already given by {}", quote(policies[i].id),
                                                escape(policies[j].source, detail::max_source))));
      }
    }
  }
  policies_ = std::make_shared<const std::vector<sla_policy>>(std::move(policies));
}

const sla_policy* policy_set::find(std::string_view id) const noexcept {
  if (!policies_) return nullptr;
  for (const auto& p : *policies_)
    if (p.id == id) return &p;
  return nullptr;
}

const std::vector<sla_policy>& policy_set::all() const noexcept {
  static const std::vector<sla_policy> none;
  return policies_ ? *policies_ : none;
}

const policy_set& builtin_policies() {
  static const policy_set set = [] {
    std::vector<sla_policy> all;
    for (const auto& f : detail::builtin_policy_files()) all.push_back(parse_policy(f.text, std::string(f.name)));
    return policy_set(std::move(all));
  }();
  return set;
}

}  // namespace dueday
