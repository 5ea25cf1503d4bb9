// The snapshot format read: engine_state from the tree that detail/snapshot_json.hpp reads (which
// knows JSON, paths and types, but no field of a snapshot). snapshot_writer.cpp writes it.
#include "dueday/snapshot.hpp"

#include <fmt/format.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "detail/snapshot_fields.hpp"
#include "detail/snapshot_json.hpp"
#include "dueday/error.hpp"
#include "dueday/format.hpp"

namespace dueday {

namespace {

using namespace detail::snapshot_json;

constexpr std::string_view format_name = detail::snapshot_format_name;
constexpr std::int64_t format_version = detail::snapshot_format_version;
constexpr std::int64_t units_version = detail::snapshot_units_version;
constexpr std::int64_t first_version = detail::snapshot_first_version;
constexpr std::int64_t max_elapsed = detail::snapshot_max_elapsed;
constexpr const auto& timer_state_names = detail::snapshot_timer_states;
constexpr const auto& case_statuses = detail::snapshot_case_statuses;

// --- reading: the tree to an engine_state --------------------------------------------------------

step_timer::status read_timer_state(const node& n, std::string_view where) {
  for (std::size_t k = 0; k < timer_state_names.size(); ++k) {
    if (n.type == node::kind::string && n.text == timer_state_names[k]) return static_cast<step_timer::status>(k);
  }
  refuse(where, fmt::format("{} is not a timer state (expected idle, running, paused or stopped)", describe(n)));
}

// Null for an open case (read as instant{}, what engine_state keeps there), an instant for any other.
instant read_closed(const node& n, std::string_view where, case_status status) {
  if (status == case_status::open) {
    if (n.type != node::kind::null)
      refuse(where, fmt::format("{} is not null (an open case has no closing instant)", describe(n)));
    return instant{};
  }
  if (n.type == node::kind::null) refuse(where, "null is not an instant (only an open case has none)");
  return read_instant(n, where);
}

case_status read_case_status(const node& n, std::string_view where) {
  for (const case_status s : case_statuses) {
    if (n.type == node::kind::string && n.text == to_string(s)) return s;
  }
  refuse(where,
         fmt::format("{} is not a case status (expected open, completed, cancelled or out_of_scope)", describe(n)));
}

// A name's place + 1 in engine_state::names (0 none); from_state checks that it is there.
constexpr std::int64_t max_name_id = 0xffffffff;

// Version 4's short form of a clock with nothing set: {"state":"idle","unit":N}, no first_count.
bool is_short_clock(const node& n, std::int64_t version) {
  if (version < format_version || n.type != node::kind::object) return false;
  bool idle = false;
  for (const member& m : n.members) {
    if (m.key == "first_count") return false;
    if (m.key == "state") idle = m.value.type == node::kind::string && m.value.text == "idle";
  }
  return idle;
}

clock_record read_clock(const node& n, std::string path, std::int64_t version) {
  const object_reader o(n, std::move(path));
  if (is_short_clock(n, version)) {
    o.only({"state", "unit"});
    clock_record c;
    c.unit = static_cast<std::uint32_t>(o.integer("unit", 0, max_name_id));
    return c;
  }
  if (version == first_version) {
    o.only({"state", "first_count", "run_from", "mark", "due", "elapsed", "provisional", "overran", "commanded",
            "waiting", "completed", "fired"});
  } else {
    o.only({"state", "first_count", "run_from", "mark", "due", "elapsed", "provisional", "overran", "commanded",
            "waiting", "completed", "fired", "unit"});
  }
  clock_record c;
  c.timer.state = read_timer_state(o.field("state"), o.where("state"));
  c.timer.first_count = o.time("first_count");
  c.timer.run_from = o.time("run_from");
  c.timer.mark = o.time("mark");
  c.timer.due = o.time("due");
  c.timer.elapsed = working_time{o.integer("elapsed", 0, max_elapsed)};
  c.timer.provisional = o.boolean("provisional");
  c.timer.overran = o.boolean("overran");
  c.commanded = o.optional_time("commanded");
  c.waiting = o.boolean("waiting");
  c.completed = o.boolean("completed");
  c.fired = o.small("fired");
  if (version != first_version) c.unit = static_cast<std::uint32_t>(o.integer("unit", 0, max_name_id));
  return c;
}

transition_record read_transition(const node& n, std::string path) {
  const object_reader o(n, std::move(path));
  o.only({"step", "pause", "at"});
  transition_record t;
  t.step = o.small("step");
  t.pause = o.boolean("pause");
  t.at = o.time("at");
  return t;
}

}  // namespace

case_record detail::read_snapshot_case(const node& n, std::string path, std::int64_t version) {
  const object_reader o(n, std::move(path));
  if (version == first_version) {
    o.only({"id", "policy", "variant", "status", "opened", "closed", "clocks", "transitions"});
  } else {
    o.only({"id", "policy", "variant", "status", "opened", "closed", "clocks", "transitions", "district"});
  }
  case_record r;
  r.id = o.string("id");
  r.policy = o.string("policy");
  r.variant = o.string("variant");
  r.status = read_case_status(o.field("status"), o.where("status"));
  r.opened = o.time("opened");
  r.closed = read_closed(o.field("closed"), o.where("closed"), r.status);
  const auto& clocks = o.array("clocks");
  r.clocks.reserve(clocks.size());
  for (std::size_t k = 0; k < clocks.size(); ++k)
    r.clocks.push_back(read_clock(clocks[k], fmt::format("{}.clocks[{}]", o.path(), k), version));
  const auto& transitions = o.array("transitions");
  r.transitions.reserve(transitions.size());
  for (std::size_t k = 0; k < transitions.size(); ++k)
    r.transitions.push_back(read_transition(transitions[k], fmt::format("{}.transitions[{}]", o.path(), k)));
  if (version != first_version) r.district = static_cast<std::uint32_t>(o.integer("district", 0, max_name_id));
  return r;
}

engine_state detail::read_snapshot_header(const node& root, std::int64_t& version_out) {
  const object_reader o(root, "");
  // Format and version first: another version's fields are not "unknown", they are another format.
  const node& format = o.field("format");
  if (format.type != node::kind::string || format.text != format_name)
    refuse("format", fmt::format("{} is not the snapshot format (expected '{}')", describe(format), format_name));
  const node& version_node = o.field("version");
  const auto is_version = [&](std::int64_t v) {
    return (version_node.type == node::kind::unsigned_integer &&
            version_node.unsigned_integer == static_cast<std::uint64_t>(v)) ||
           (version_node.type == node::kind::integer && version_node.integer == v);
  };
  const std::int64_t version = is_version(format_version)  ? format_version
                               : is_version(units_version) ? units_version
                                                           : first_version;
  if (!is_version(version)) {
    refuse("version", fmt::format("{} is not a supported version (expected {}, {} or {})", describe(version_node),
                                  first_version, units_version, format_version));
  }
  if (version == first_version) {
    o.only({"format", "version", "now", "retired_before", "calendar", "policies", "cases"});
  } else {
    o.only({"format", "version", "now", "retired_before", "calendar", "policies", "names", "cases"});
  }
  engine_state s;
  s.now = o.time("now");
  s.retired_before = o.optional_time("retired_before");
  s.calendar = o.string("calendar");
  const auto& policies = o.array("policies");
  s.policies.reserve(policies.size());
  for (std::size_t k = 0; k < policies.size(); ++k)
    s.policies.push_back(read_string(policies[k], fmt::format("policies[{}]", k)));
  if (version != first_version) {
    const auto& names = o.array("names");
    s.names.reserve(names.size());
    for (std::size_t k = 0; k < names.size(); ++k)
      s.names.push_back(read_string(names[k], fmt::format("names[{}]", k)));
  }
  (void)o.array("cases");
  version_out = version;
  return s;
}

namespace {

engine_state read_state(const node& root) {
  std::int64_t version = 0;
  engine_state s = detail::read_snapshot_header(root, version);
  const auto& cases = object_reader(root, "").array("cases");
  s.cases.reserve(cases.size());
  for (std::size_t k = 0; k < cases.size(); ++k)
    s.cases.push_back(detail::read_snapshot_case(cases[k], fmt::format("cases[{}]", k), version));
  return s;
}

}  // namespace

engine_state parse_snapshot_json(std::string_view text) {
  return read_state(detail::snapshot_json::parse(text, detail::snapshot_max_depth));
}

std::string snapshot(const engine& e) { return to_snapshot_json(e.state()); }

engine restore(std::string_view text, calendar cal, policy_set policies, event_sink& sink, engine_options options) {
  return engine::from_state(parse_snapshot_json(text), std::move(cal), std::move(policies), sink, options);
}

}  // namespace dueday
