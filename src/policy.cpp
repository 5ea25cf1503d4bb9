#include "dueday/policy.hpp"

#include <fmt/format.h>

#include <toml++/toml.h>
#include <algorithm>
#include <functional>
#include <limits>
#include <map>
#include <set>

#include "detail/builtin.hpp"
#include "detail/located.hpp"
#include "detail/toml_util.hpp"

namespace dueday {

using detail::line_of;
using detail::type_name;

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

sla_policy::scope_result sla_policy::classify(const works& w) const {
  for (const auto& r : scope) {
    if (!r.crossings_allowed && !w.crossings.empty()) continue;
    if (r.meter_dn_below && !(w.meter_dn < *r.meter_dn_below)) continue;
    if (r.pipe_m_max && !(w.pipe_m <= *r.pipe_m_max)) continue;
    return {find_variant(r.variant), {}};
  }
  std::string reason;
  if (!w.crossings.empty()) {
    reason = fmt::format("works cross {}", fmt::join(w.crossings, ", "));
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

void check_limit(const span_spec& limit, counting_rule rule, int line, std::string_view what,
                 std::vector<policy_problem>& out) {
  if (limit.amount <= 0) out.push_back({line, fmt::format("{}: limit must be positive", what)});
  if (rule == counting_rule::civil && limit.in == span_spec::unit::hours) {
    out.push_back({line, fmt::format("{}: a limit in hours needs rule = \"hours\" (the civil rule counts "
                                     "whole working days)",
                                     what)});
  }
}

void validate_variant(const variant_policy& v, std::vector<policy_problem>& out) {
  const std::string where = fmt::format("variant '{}'", v.name);
  if (v.steps.empty()) out.push_back({v.line, fmt::format("{} has no steps", where)});
  std::map<std::string, std::size_t, std::less<>> index;
  for (std::size_t i = 0; i < v.steps.size(); ++i) {
    const auto& s = v.steps[i];
    if (s.name.empty()) {
      out.push_back({s.line, fmt::format("{}: a step has no name", where)});
      continue;
    }
    if (s.name == "overall") out.push_back({s.line, fmt::format("{}: 'overall' names the overall clock", where)});
    if (!index.emplace(s.name, i).second) out.push_back({s.line, fmt::format("{}: step '{}' twice", where, s.name)});
    check_limit(s.limit, s.rule, s.line, fmt::format("step '{}'", s.name), out);
  }
  // `after` names known steps, and the steps form no cycle.
  std::vector<std::vector<std::size_t>> preds(v.steps.size());
  for (std::size_t i = 0; i < v.steps.size(); ++i) {
    const auto& s = v.steps[i];
    for (const auto& a : s.after) {
      auto it = index.find(a);
      if (it == index.end()) {
        out.push_back({s.line, fmt::format("step '{}' is after unknown step '{}'", s.name, a)});
      } else {
        preds[i].push_back(it->second);
      }
    }
    if (s.start == start_trigger::join && s.after.empty())
      out.push_back({s.line, fmt::format("step '{}' starts on a join but is after no step", s.name)});
  }
  // ancestors[i]: every step that must complete before i runs (transitive), or a cycle.
  std::vector<std::set<std::size_t>> ancestors(v.steps.size());
  std::vector<int> mark(v.steps.size(), 0);  // 0 new, 1 visiting, 2 done
  bool cycle = false;
  std::function<void(std::size_t)> visit = [&](std::size_t i) {
    if (mark[i] == 2) return;
    if (mark[i] == 1) {
      cycle = true;
      return;
    }
    mark[i] = 1;
    for (std::size_t p : preds[i]) {
      visit(p);
      ancestors[i].insert(p);
      ancestors[i].insert(ancestors[p].begin(), ancestors[p].end());
    }
    mark[i] = 2;
  };
  for (std::size_t i = 0; i < v.steps.size(); ++i) visit(i);
  if (cycle) out.push_back({v.line, fmt::format("{}: the steps' `after` lists form a cycle", where)});

  // The overall clock: counted steps known, never running at once, limits within the overall one.
  const auto& o = v.overall;
  check_limit(o.limit, o.rule, o.line, fmt::format("{}: overall", where), out);
  if (o.counts.empty()) out.push_back({o.line, fmt::format("{}: the overall clock counts no step", where)});
  std::vector<std::size_t> counted;
  for (const auto& c : o.counts) {
    auto it = index.find(c);
    if (it == index.end()) {
      out.push_back({o.line, fmt::format("{}: the overall clock counts unknown step '{}'", where, c)});
    } else if (std::find(counted.begin(), counted.end(), it->second) != counted.end()) {
      out.push_back({o.line, fmt::format("{}: the overall clock counts '{}' twice", where, c)});
    } else {
      counted.push_back(it->second);
    }
  }
  if (cycle) return;
  for (std::size_t a = 0; a < counted.size(); ++a) {
    for (std::size_t b = a + 1; b < counted.size(); ++b) {
      const std::size_t x = counted[a], y = counted[b];
      if (!ancestors[x].count(y) && !ancestors[y].count(x)) {
        out.push_back({o.line, fmt::format("{}: counted steps '{}' and '{}' may run at the same time (make one "
                                           "`after` the other)",
                                           where, v.steps[x].name, v.steps[y].name)});
      }
    }
  }
  const office_hours hours;
  double sum = 0;
  std::string terms;
  for (std::size_t i : counted) {
    sum += in_working_days(v.steps[i].limit, hours);
    terms += fmt::format("{}{} {}", terms.empty() ? "" : " + ", v.steps[i].name, to_string(v.steps[i].limit));
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
  if (p.alerts.size() > 8) out.push_back({p.alerts[8].line, "more than 8 alert levels"});
  for (const auto& a : p.alerts) {
    if (a.level.empty() || a.level == "overall") out.push_back({a.line, "an alert needs a level name"});
    if (!levels.insert(a.level).second) out.push_back({a.line, fmt::format("alert level '{}' twice", a.level)});
    if (a.from == alert_rule::anchor::elapsed_share && !(a.share > 0 && a.share <= 1))
      out.push_back({a.line, fmt::format("alert '{}': elapsed_share must be in (0, 1]", a.level)});
  }
  std::set<std::string, std::less<>> names;
  for (const auto& v : p.variants) {
    if (v.name.empty()) out.push_back({v.line, "a variant has no name"});
    if (!names.insert(v.name).second) out.push_back({v.line, fmt::format("variant '{}' twice", v.name)});
    validate_variant(v, out);
  }
  for (const auto& r : p.scope) {
    if (!p.find_variant(r.variant))
      out.push_back({r.line, fmt::format("scope rule names unknown variant '{}'", r.variant)});
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

// --- reading ---------------------------------------------------------------------------------------

namespace {

// Reads a policy, noting every problem instead of stopping at the first.
class policy_reader {
 public:
  explicit policy_reader(std::string source) : source_(std::move(source)) {}

  sla_policy read(std::string_view text) {
    toml::table root;
    try {
      root = toml::parse(text, source_);
    } catch (const toml::parse_error& e) {
      throw policy_error(source_, {{static_cast<int>(e.source().begin.line), std::string(e.description())}});
    }
    sla_policy p;
    p.source = source_;
    for (auto&& [key, value] : root) {
      const std::string_view k = key.str();
      if (k == "id") {
        string(value, "id", p.id);
      } else if (k == "version") {
        string(value, "version", p.version);
      } else if (k == "title") {
        string(value, "title", p.title);
      } else if (k == "alert") {
        for_each_table(value, "alert", [&](const toml::table& t, int line) { p.alerts.push_back(alert(t, line)); });
      } else if (k == "variant") {
        for_each_table(value, "variant",
                       [&](const toml::table& t, int line) { p.variants.push_back(variant(t, line)); });
      } else if (k == "scope") {
        for_each_table(value, "scope", [&](const toml::table& t, int line) { p.scope.push_back(scope(t, line)); });
      } else {
        note(value, fmt::format("unknown field '{}' (expected id, version, title, alert, variant, scope)", k));
      }
    }
    for (auto& problem : validate(p)) problems_.push_back(std::move(problem));
    if (!problems_.empty()) {
      std::stable_sort(problems_.begin(), problems_.end(),
                       [](const auto& a, const auto& b) { return a.line < b.line; });
      throw policy_error(source_, std::move(problems_));
    }
    return p;
  }

 private:
  void note(const toml::node& at, std::string message) { problems_.push_back({line_of(at), std::move(message)}); }

  void string(const toml::node& v, std::string_view field, std::string& out) {
    if (v.is_string()) {
      out = *v.value<std::string>();
    } else {
      note(v, fmt::format("{} must be a string, not {}", field, type_name(v)));
    }
  }
  void strings(const toml::node& v, std::string_view field, std::vector<std::string>& out) {
    const toml::array* a = v.as_array();
    if (!a) return note(v, fmt::format("{} must be an array of strings, not {}", field, type_name(v)));
    for (const toml::node& item : *a) {
      std::string s;
      string(item, field, s);
      out.push_back(std::move(s));
    }
  }
  // A bad span is reported here and replaced by 1wd, so validate() does not report it again.
  void span(const toml::node& v, std::string_view field, span_spec& out) {
    out = span_spec{1, span_spec::unit::working_days};
    if (!v.is_string()) return note(v, fmt::format("{} must be a string such as \"2wd\" or \"14h\"", field));
    const auto s = parse_span(*v.value<std::string_view>());
    if (!s) {
      return note(v, fmt::format("{} '{}' is not a span (expected \"<n>wd\" or \"<n>h\")", field,
                                 *v.value<std::string_view>()));
    }
    out = *s;
  }
  // One of a fixed set of words, e.g. raises = "warning" | "overdue" | "escalation".
  template <class E, std::size_t N>
  void choice(const toml::node& v, std::string_view field, const std::pair<std::string_view, E> (&words)[N], E& out) {
    std::string s;
    string(v, field, s);
    if (!v.is_string()) return;
    std::string expected;
    for (const auto& [word, value] : words) {
      if (word == s) {
        out = value;
        return;
      }
      expected += fmt::format("{}{}", expected.empty() ? "" : (&word == &words[N - 1].first ? " or " : ", "), word);
    }
    note(v, fmt::format("{} '{}' is unknown (expected {})", field, s, expected));
  }
  void rule(const toml::node& v, counting_rule& out) {
    static constexpr std::pair<std::string_view, counting_rule> words[] = {{"civil", counting_rule::civil},
                                                                           {"hours", counting_rule::hours}};
    choice(v, "rule", words, out);
  }
  void boolean(const toml::node& v, std::string_view field, bool& out) {
    if (v.is_boolean()) {
      out = *v.value<bool>();
    } else {
      note(v, fmt::format("{} must be a boolean, not {}", field, type_name(v)));
    }
  }
  template <class F>
  void for_each_table(const toml::node& v, std::string_view field, F&& f) {
    const toml::array* a = v.as_array();
    if (!a || !a->is_array_of_tables()) return note(v, fmt::format("{} must be [[{}]] tables", field, field));
    for (const toml::node& item : *a) f(*item.as_table(), line_of(item));
  }
  void unknown(const toml::node& v, std::string_view key, std::string_view table, std::string_view expected) {
    note(v, fmt::format("unknown field '{}' in {} (expected {})", key, table, expected));
  }

  alert_rule alert(const toml::table& t, int line) {
    alert_rule a;
    a.line = line;
    int anchors = 0;
    for (auto&& [key, value] : t) {
      const std::string_view k = key.str();
      if (k == "level") {
        string(value, "level", a.level);
      } else if (k == "raises") {
        static constexpr std::pair<std::string_view, alert_event> words[] = {{"warning", alert_event::warning},
                                                                             {"overdue", alert_event::overdue},
                                                                             {"escalation", alert_event::escalation}};
        choice(value, "raises", words, a.raises);
      } else if (k == "remaining" || k == "after_due") {
        ++anchors;
        a.from = k == "remaining" ? alert_rule::anchor::remaining : alert_rule::anchor::after_due;
        span(value, k, a.amount);
      } else if (k == "elapsed_share") {
        ++anchors;
        a.from = alert_rule::anchor::elapsed_share;
        if (value.is_number()) {
          a.share = *value.value<double>();
        } else {
          note(value, fmt::format("elapsed_share must be a number, not {}", type_name(value)));
        }
      } else {
        unknown(value, k, "[[alert]]", "level, raises, remaining, after_due, elapsed_share");
      }
    }
    if (anchors != 1) {
      problems_.push_back(
          {line, fmt::format("alert '{}' needs exactly one of remaining, after_due, elapsed_share", a.level)});
    }
    return a;
  }

  variant_policy variant(const toml::table& t, int line) {
    variant_policy v;
    v.line = line;
    v.overall.line = line;
    bool has_overall = false;
    for (auto&& [key, value] : t) {
      const std::string_view k = key.str();
      if (k == "name") {
        string(value, "name", v.name);
      } else if (k == "title") {
        string(value, "title", v.title);
      } else if (k == "overall") {
        has_overall = true;
        overall(value, v.overall);
      } else if (k == "step") {
        for_each_table(value, "variant.step", [&](const toml::table& s, int l) { v.steps.push_back(step(s, l)); });
      } else {
        unknown(value, k, "[[variant]]", "name, title, overall, step");
      }
    }
    if (!has_overall) problems_.push_back({line, fmt::format("variant '{}' has no overall clock", v.name)});
    return v;
  }

  void overall(const toml::node& v, overall_policy& o) {
    const toml::table* t = v.as_table();
    if (!t) return note(v, "overall must be a table { limit, rule, counts }");
    o.line = line_of(v);
    bool has_limit = false;
    for (auto&& [key, value] : *t) {
      const std::string_view k = key.str();
      if (k == "limit") {
        has_limit = true;
        span(value, "limit", o.limit);
      } else if (k == "rule") {
        rule(value, o.rule);
      } else if (k == "counts") {
        strings(value, "counts", o.counts);
      } else {
        unknown(value, k, "overall", "limit, rule, counts");
      }
    }
    if (!has_limit) {
      problems_.push_back({o.line, "overall has no limit"});
      // Reported; a limit no counted steps can exceed keeps validate() from adding more.
      o.limit = span_spec{std::numeric_limits<std::int32_t>::max(), span_spec::unit::working_days};
    }
  }

  step_policy step(const toml::table& t, int line) {
    step_policy s;
    s.line = line;
    bool has_limit = false;
    for (auto&& [key, value] : t) {
      const std::string_view k = key.str();
      if (k == "name") {
        string(value, "name", s.name);
      } else if (k == "limit") {
        has_limit = true;
        span(value, "limit", s.limit);
      } else if (k == "rule") {
        rule(value, s.rule);
      } else if (k == "after") {
        strings(value, "after", s.after);
      } else if (k == "start") {
        static constexpr std::pair<std::string_view, start_trigger> words[] = {{"command", start_trigger::command},
                                                                               {"join", start_trigger::join}};
        choice(value, "start", words, s.start);
      } else if (k == "pausable") {
        boolean(value, "pausable", s.pausable);
      } else if (k == "party") {
        string(value, "party", s.party);
      } else {
        unknown(value, k, "[[variant.step]]", "name, limit, rule, after, start, pausable, party");
      }
    }
    if (!has_limit) {
      problems_.push_back({line, fmt::format("step '{}' has no limit", s.name)});
      s.limit = span_spec{1, span_spec::unit::working_days};  // reported; not again by validate()
    }
    return s;
  }

  scope_rule scope(const toml::table& t, int line) {
    scope_rule r;
    r.line = line;
    for (auto&& [key, value] : t) {
      const std::string_view k = key.str();
      if (k == "variant") {
        string(value, "variant", r.variant);
      } else if (k == "meter_dn_below") {
        if (value.is_integer()) {
          r.meter_dn_below = static_cast<std::int32_t>(*value.value<std::int64_t>());
        } else {
          note(value, fmt::format("meter_dn_below must be an integer, not {}", type_name(value)));
        }
      } else if (k == "pipe_m_max") {
        if (value.is_number()) {
          r.pipe_m_max = *value.value<double>();
        } else {
          note(value, fmt::format("pipe_m_max must be a number, not {}", type_name(value)));
        }
      } else if (k == "crossings_allowed") {
        boolean(value, "crossings_allowed", r.crossings_allowed);
      } else {
        unknown(value, k, "[[scope]]", "variant, meter_dn_below, pipe_m_max, crossings_allowed");
      }
    }
    return r;
  }

  std::string source_;
  std::vector<policy_problem> problems_;
};

}  // namespace

sla_policy parse_policy(std::string_view text, std::string source) {
  return policy_reader(std::move(source)).read(text);
}

sla_policy load_policy(const std::filesystem::path& file) {
  return parse_policy(detail::read_file(file), file.string());
}

// --- sets --------------------------------------------------------------------------------------------

policy_set::policy_set(std::vector<sla_policy> policies) {
  for (std::size_t i = 0; i < policies.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (policies[i].id == policies[j].id) {
        throw error(fmt::format("{}: policy '{}' is already given by {}", policies[i].source, policies[i].id,
                                policies[j].source));
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
