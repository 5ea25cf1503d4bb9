// The policies as the engine runs them: per variant, every clock with its limit and alert
// thresholds in working time, step indexes for `after` and the join, and the overall clock last.
// Built once per calendar (thresholds under the hours rule depend on its office hours).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dueday/policy.hpp"
#include "dueday/timer.hpp"

namespace dueday::detail {

inline constexpr std::uint16_t no_variant = 0xffff;
inline constexpr std::uint8_t no_level = 0xff;

static_assert(max_steps_per_variant + 1 < no_level, "step indexes are 8 bits, with the overall clock");
static_assert(max_alert_levels <= 8, "raised levels are the bits of one byte");

// One clock of a variant.
struct compiled_clock {
  std::string name;  // step name, or "overall"
  std::string party;
  std::string unit;  // when no command names one: the party's title, else the party id, else ""
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
  std::uint16_t policy_index = 0;
  std::vector<compiled_clock> clocks;  // steps in policy order, then overall
  std::uint8_t overall = 0;            // index of the overall clock

  // The index of a step (never the overall clock), or nullopt.
  [[nodiscard]] std::optional<std::uint8_t> step(std::string_view name) const noexcept;
  // "survey, connect": every step, for messages.
  [[nodiscard]] std::string step_names() const;
};

// Every variant of every policy, compiled against one calendar's office hours.
class compiled_policies {
 public:
  compiled_policies(const policy_set& policies, const office_hours& hours);

  [[nodiscard]] const compiled_variant& variant(std::uint16_t index) const noexcept { return variants_[index]; }
  // The index of a policy of the set, or nullopt.
  [[nodiscard]] std::optional<std::uint16_t> find_policy(std::string_view id) const noexcept;
  // The index of policy p's variant v (v indexes sla_policy::variants).
  [[nodiscard]] std::uint16_t variant_index(std::uint16_t p, std::size_t v) const noexcept {
    return static_cast<std::uint16_t>(first_variant_[p] + v);
  }
  [[nodiscard]] const sla_policy& policy(std::uint16_t p) const noexcept { return (*set_)[p]; }
  // "kunming-water-490@2020.3" for every policy, in the set's order.
  [[nodiscard]] std::vector<std::string> refs() const;

 private:
  const std::vector<sla_policy>* set_;
  std::vector<compiled_variant> variants_;
  std::vector<std::uint16_t> first_variant_;  // per policy
};

// "kunming-water-490@2020.3": how views and snapshots name a policy and its version.
[[nodiscard]] std::string policy_ref(const sla_policy& p);

}  // namespace dueday::detail
