#include "engine/compiled.hpp"

#include <fmt/format.h>

#include "dueday/error.hpp"

#include <algorithm>
#include <cmath>

namespace dueday::detail {

namespace {

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
  const party_policy* party = p.find_party(c.party);
  c.unit = party && !party->title.empty() ? party->title : c.party;
  for (const auto& a : p.alerts) c.thresholds.push_back(threshold(a, c.rule, rule, hours));
}

compiled_variant compile(const sla_policy& p, std::uint16_t policy_index, const variant_policy& v,
                         const office_hours& hours) {
  compiled_variant cv;
  cv.policy = &p;
  cv.variant = &v;
  cv.policy_index = policy_index;
  for (const auto& s : v.steps) {
    compiled_clock c;
    c.name = s.name;
    c.party = s.party;
    c.limit = s.limit;
    c.join_start = s.start == start_trigger::join;
    c.pausable = s.pausable;
    compile_clock(c, p, s.rule, hours);
    cv.clocks.push_back(std::move(c));
  }
  // validate() (run by policy_set) guarantees known names, no cycle and the step cap.
  cv.overall = static_cast<std::uint8_t>(cv.clocks.size());
  for (std::size_t i = 0; i < v.steps.size(); ++i) {
    for (const auto& a : v.steps[i].after) {
      const std::uint8_t k = *cv.step(a);
      cv.clocks[i].after.push_back(k);
      cv.clocks[k].successors.push_back(static_cast<std::uint8_t>(i));
    }
  }
  for (const auto& name : v.overall.counts) cv.clocks[*cv.step(name)].counted = true;
  compiled_clock overall;
  overall.name = "overall";
  overall.party = v.overall.party;
  if (overall.party.empty()) {  // the counted steps' party, when they all share one
    for (const auto& name : v.overall.counts) {
      const std::string& party = cv.clocks[*cv.step(name)].party;
      if (&name == &v.overall.counts.front()) {
        overall.party = party;
      } else if (party != overall.party) {
        overall.party.clear();
        break;
      }
    }
  }
  overall.limit = v.overall.limit;
  overall.pausable = false;
  compile_clock(overall, p, v.overall.rule, hours);
  cv.clocks.push_back(std::move(overall));
  return cv;
}

}  // namespace

std::optional<std::uint8_t> compiled_variant::step(std::string_view name) const noexcept {
  for (std::uint8_t k = 0; k < overall; ++k)
    if (clocks[k].name == name) return k;
  return std::nullopt;
}

std::string compiled_variant::step_names() const {
  std::string s;
  for (std::size_t k = 0; k < overall; ++k) s += (k ? ", " : "") + escape(clocks[k].name);
  return s;
}

compiled_policies::compiled_policies(const policy_set& policies, const office_hours& hours) : set_(&policies.all()) {
  for (std::size_t p = 0; p < set_->size(); ++p) {
    first_variant_.push_back(static_cast<std::uint16_t>(variants_.size()));
    for (const auto& v : (*set_)[p].variants)
      variants_.push_back(compile((*set_)[p], static_cast<std::uint16_t>(p), v, hours));
  }
  if (variants_.size() >= no_variant) throw error("more than 65534 policy variants");
}

std::optional<std::uint16_t> compiled_policies::find_policy(std::string_view id) const noexcept {
  for (std::size_t p = 0; p < set_->size(); ++p)
    if ((*set_)[p].id == id) return static_cast<std::uint16_t>(p);
  return std::nullopt;
}

std::vector<std::string> compiled_policies::refs() const {
  std::vector<std::string> out;
  for (const auto& p : *set_) out.push_back(policy_ref(p));
  return out;
}

std::string policy_ref(const sla_policy& p) { return fmt::format("{}@{}", p.id, p.version); }

}  // namespace dueday::detail
