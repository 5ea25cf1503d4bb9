// The TOML reader behind parse_policy and load_policy; the types and validate() are in policy.cpp.
#include "dueday/policy.hpp"

#include <fmt/format.h>

#include <toml++/toml.h>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include "detail/toml_util.hpp"
#include "dueday/error.hpp"

namespace dueday {

using detail::line_of;
using detail::type_name;

namespace {

// Reads a policy, noting every problem instead of stopping at the first.
class policy_reader {
 public:
  explicit policy_reader(std::string source) : source_(std::move(source)) {}

  sla_policy read(std::string_view text) {
    if (auto problem = detail::check_toml_text(text)) throw policy_error(source_, {{problem->line, problem->message}});
    toml::table root;
    try {
      root = toml::parse(text, source_);
    } catch (const toml::parse_error& e) {
      throw policy_error(source_, {{static_cast<int>(e.source().begin.line), escape(e.description(), 200)}});
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
      } else if (k == "parties") {
        parties(value, p.parties);
      } else {
        note(value,
             fmt::format("unknown field {} (expected id, version, title, parties, alert, variant, scope)", quote(k)));
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
      return note(v, fmt::format("{} {} is not a span (expected \"<n>wd\" or \"<n>h\")", field,
                                 quote(*v.value<std::string_view>())));
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
    note(v, fmt::format("{} {} is unknown (expected {})", field, quote(s), expected));
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
    note(v, fmt::format("unknown field {} in {} (expected {})", quote(key), table, expected));
  }

  // [parties]: party id = display title, in the file's order.
  void parties(const toml::node& v, std::vector<party_policy>& out) {
    const toml::table* t = v.as_table();
    if (!t) return note(v, fmt::format("parties must be a table of party = \"title\", not {}", type_name(v)));
    for (auto&& [key, value] : *t) {
      party_policy party;
      party.id = std::string(key.str());
      party.line = line_of(value);
      string(value, fmt::format("parties.{}", escape(key.str())), party.title);
      if (!value.is_string()) party.title = party.id;  // reported; not again by validate()
      out.push_back(std::move(party));
    }
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
          {line, fmt::format("alert {} needs exactly one of remaining, after_due, elapsed_share", quote(a.level))});
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
    if (!has_overall) problems_.push_back({line, fmt::format("variant {} has no overall clock", quote(v.name))});
    return v;
  }

  void overall(const toml::node& v, overall_policy& o) {
    const toml::table* t = v.as_table();
    if (!t) return note(v, "overall must be a table { limit, rule, counts, party }");
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
      } else if (k == "party") {
        string(value, "party", o.party);
      } else {
        unknown(value, k, "overall", "limit, rule, counts, party");
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
      } else if (k == "title") {
        string(value, "title", s.title);
        if (value.is_string() && s.title.empty()) note(value, fmt::format("step {}: an empty title", quote(s.name)));
      } else {
        unknown(value, k, "[[variant.step]]", "name, title, limit, rule, after, start, pausable, party");
      }
    }
    if (!has_limit) {
      problems_.push_back({line, fmt::format("step {} has no limit", quote(s.name))});
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
        // Checked before it narrows: 4294967346 once became 50. A bad value is noted and left out,
        // so validate() does not report it again.
        constexpr std::int64_t most = std::numeric_limits<std::int32_t>::max();
        if (!value.is_integer()) {
          note(value, fmt::format("meter_dn_below must be an integer, not {}", type_name(value)));
        } else if (const auto dn = *value.value<std::int64_t>(); dn < 1 || dn > most) {
          note(value, fmt::format("meter_dn_below {} is out of range (1 to {})", dn, most));
        } else {
          r.meter_dn_below = static_cast<std::int32_t>(dn);
        }
      } else if (k == "pipe_m_max") {
        if (!value.is_number()) {
          note(value, fmt::format("pipe_m_max must be a number, not {}", type_name(value)));
        } else if (const double m = *value.value<double>(); !(std::isfinite(m) && m >= 0)) {
          note(value, fmt::format("pipe_m_max {} is not a length in metres (0 or more)", m));
        } else {
          r.pipe_m_max = m;
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

}  // namespace dueday
