// dueday/policy.hpp — service-level policies as data: variants, steps, parallel joins, overall
// clocks, alert levels and scope rules.
//
// The shipped policy `kunming-water-490` (policies/kunming-water-490.toml) is Kunming's 2020
// "getting water" rule: without external pipe works, `survey` 2 WD then `connect` 2 WD, 4 WD
// overall; with them, `survey` 4 WD, three road-works approvals in parallel (3 WD each, on the
// departments' own clocks from their own `start`), then `connect` 5 WD once the survey is done,
// all permits are in and the entry date is agreed, 9 WD overall. Parts of it in TOML:
//
//   [parties]                     # who answers for clocks, with the title reports show
//   utility = "供水企业"           # when no command names a unit (optional; when given, every
//                                 # step's and overall clock's party must be one of them)
//
//   [[variant]]
//   overall = { limit = "9wd", counts = ["survey", "connect"], party = "utility" }
//
//   [[variant.step]]
//   name = "connect"
//   title = "装表接水"             # display name (optional; empty: the name)
//   limit = "5wd"                 # "<n>wd" working days, or "<n>h" hours of office time
//   rule = "civil"                # civil | hours (see deadline.hpp)
//   after = ["survey", "approval-planning", "approval-city-management", "approval-traffic-police"]
//   start = "command"             # command: its own `start` (and the join); join: the join alone
//   party = "utility"             # who answers for the step (reports attribute time to it)
//
// A step's clock starts at the later of its own `start` command and the completion of the last
// step it is `after`. validate() reports every problem at once, each with its line; among them a
// chain of counted steps whose limits add up to more than the overall limit (the 2020 rules'
// attachment says 5 WD where the text says 4).
//
// Thread safety: policies are plain values; a policy_set is immutable once built.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dueday/deadline.hpp"
#include "dueday/error.hpp"
#include "dueday/span.hpp"
#include "dueday/units.hpp"
#include "dueday/working_time.hpp"

namespace dueday {

// What an alert level raises.
enum class alert_event : std::uint8_t { warning, overdue, escalation };
[[nodiscard]] std::string_view to_string(alert_event e) noexcept;

// One alert level, applied to every clock of the policy. Exactly one anchor is set.
struct alert_rule {
  enum class anchor : std::uint8_t {
    elapsed_share,  // when share x limit of working time has elapsed
    remaining,      // when `amount` of working time remains before the due instant
    after_due,      // when `amount` of working time has passed after the due instant
  };
  std::string level;  // "yellow", "red", "escalation"
  alert_event raises = alert_event::warning;
  anchor from = anchor::remaining;
  double share = 0;  // elapsed_share: (0, 1]
  span_spec amount;  // remaining / after_due
  int line = 0;
};

// How a step's clock starts.
enum class start_trigger : std::uint8_t {
  command,  // its own `start` command, and (if it is `after` other steps) their completion
  join,     // the completion of the steps it is `after`, with no command
};

struct step_policy {
  std::string name;
  span_spec limit;
  counting_rule rule = counting_rule::civil;
  std::vector<std::string> after;  // steps that must complete before the clock runs
  start_trigger start = start_trigger::command;
  bool pausable = true;  // whether `pause` is accepted (e.g. waiting on the customer, 补正)
  std::string party;     // who answers for it: "utility", "natural-resources-planning", ...
  int line = 0;
  std::string title;  // display name in reports (报装勘查); empty: the name
};

// A party steps name, with the title reports show when no unit is named (供水企业).
struct party_policy {
  std::string id;
  std::string title;
  int line = 0;
};

// The case-level clock: it runs while one of the counted steps runs.
struct overall_policy {
  span_spec limit;
  counting_rule rule = counting_rule::civil;
  std::vector<std::string> counts;  // names of the counted steps; they never run at the same time
  int line = 0;
  std::string party;  // who answers for it; empty: the counted steps' party when they share one
};

struct variant_policy {
  std::string name;
  std::string title;
  std::vector<step_policy> steps;  // in the policy's order: events of one instant follow it
  overall_policy overall;
  int line = 0;
};

// The works an `open` command may describe instead of naming a variant.
struct works {
  std::int32_t meter_dn = 0;           // meter size, DN (mm)
  double pipe_m = 0;                   // external pipe to lay, metres
  std::vector<std::string> crossings;  // "expressway", "rail", "river", "utility-tunnel", ...
  friend bool operator==(const works&, const works&) = default;
};

// Which variant some works fall under. Rules are tried in order; the first that matches wins;
// works that match none are out of scope.
struct scope_rule {
  std::string variant;
  std::optional<std::int32_t> meter_dn_below;  // meter_dn < this
  std::optional<double> pipe_m_max;            // pipe_m <= this
  bool crossings_allowed = false;              // false: any crossing fails the rule
  int line = 0;
};

struct sla_policy {
  std::string id;       // "kunming-water-490"
  std::string version;  // "2020.2": events and snapshots name it
  std::string title;
  std::string source;  // file it was read from, or a given name
  std::vector<alert_rule> alerts;
  std::vector<party_policy> parties;
  std::vector<variant_policy> variants;
  std::vector<scope_rule> scope;

  // The variant of that name, or nullptr.
  [[nodiscard]] const variant_policy* find_variant(std::string_view name) const noexcept;
  // The party of that id, or nullptr.
  [[nodiscard]] const party_policy* find_party(std::string_view party) const noexcept;
  // The variant the works fall under, or nullopt with a reason ("crossing: rail", ...).
  struct scope_result {
    const variant_policy* variant = nullptr;
    std::string reason;  // why it is out of scope when variant is nullptr
  };
  [[nodiscard]] scope_result classify(const works& w) const;
};

// One problem with a policy, with its line (0 when it concerns the policy as a whole).
struct policy_problem {
  int line = 0;
  std::string message;
};

// The most steps one variant may have. The engine keeps a step's index in 8 bits (and the
// overall clock takes the index after the last step), so a variant of 256 steps would wrap them;
// validate() refuses a variant over this cap, well below that.
inline constexpr std::size_t max_steps_per_variant = 64;
// The most alert levels a policy may have: the engine keeps the levels a clock has raised as the
// bits of a std::uint8_t, one bit per level in policy order.
inline constexpr std::size_t max_alert_levels = 8;

// Every problem with p, in line order: names (empty, duplicate), limits (not positive; hours
// under the civil rule), `after` (unknown step, a cycle), the overall clock (unknown counted
// step, counted steps that may run at once, counted limits adding up to more than the overall
// limit), alerts (bad anchor, duplicate level, more than max_alert_levels levels), scope
// (unknown variant), parties (an empty id or title, an id twice, a step's or overall clock's party
// not declared when [parties] is given), and a variant with more than max_steps_per_variant steps (its `after` graph
// is then not analysed: no cycle or concurrency check). Time and memory grow about linearly with
// the size of p, and no check recurses, so untrusted input of any size is safe to validate.
[[nodiscard]] std::vector<policy_problem> validate(const sla_policy& p);

// A policy file with problems. what() is one line, "file:line: message; file:line: message".
class policy_error : public error {
 public:
  policy_error(std::string source, std::vector<policy_problem> problems);
  [[nodiscard]] const std::string& source() const noexcept { return source_; }
  [[nodiscard]] const std::vector<policy_problem>& problems() const noexcept { return problems_; }

 private:
  std::string source_;
  std::vector<policy_problem> problems_;
};

// Parses and validates a TOML policy. `source` names the text in messages. Throws policy_error
// listing every problem (syntax errors stop at the first one, as the TOML parser does).
[[nodiscard]] sla_policy parse_policy(std::string_view text, std::string source);
// Reads, parses and validates one policy file. Throws policy_error, or parse_error when the
// file cannot be read.
[[nodiscard]] sla_policy load_policy(const std::filesystem::path& file);

// Valid policies by id. Immutable once built; copies share the policies.
class policy_set {
 public:
  policy_set() = default;
  // Validates every policy, so that none reaches the engine unchecked (a policy built in C++
  // included): throws policy_error, named by the policy's source and listing its problems as
  // validate() does, for the first policy with problems; dueday::error when two policies share
  // an id.
  explicit policy_set(std::vector<sla_policy> policies);
  // The policy with that id, or nullptr.
  [[nodiscard]] const sla_policy* find(std::string_view id) const noexcept;
  [[nodiscard]] const std::vector<sla_policy>& all() const noexcept;

 private:
  std::shared_ptr<const std::vector<sla_policy>> policies_;
};

// The policies compiled into the library from policies/ (kunming-water-490).
[[nodiscard]] const policy_set& builtin_policies();

}  // namespace dueday
