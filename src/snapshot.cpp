// The snapshot format: engine_state to JSON text field by field, and back from the tree that
// detail/snapshot_json.hpp reads (which knows JSON, paths and types, but no field of a snapshot).
#include "dueday/snapshot.hpp"

#include <fmt/format.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>
#include <vector>

#include "detail/snapshot_fields.hpp"
#include "detail/snapshot_json.hpp"
#include "detail/utf8.hpp"
#include "dueday/error.hpp"
#include "dueday/format.hpp"

namespace dueday {

namespace {

using nlohmann::json;
using nlohmann::ordered_json;
using namespace detail::snapshot_json;

constexpr std::string_view format_name = "dueday-engine-snapshot";
constexpr std::int64_t format_version = 3;            // 3: names, a clock's unit, a case's district
constexpr std::int64_t first_version = 2;             // read too: no names, every unit and district 0
constexpr std::int64_t max_elapsed = 10'000'000'000;  // seconds, about 317 years

// In step_timer::status order.
constexpr std::array<std::string_view, 4> timer_state_names = {"idle", "running", "paused", "stopped"};
constexpr std::array<case_status, 4> case_statuses = {case_status::open, case_status::completed, case_status::cancelled,
                                                      case_status::out_of_scope};

// --- writing -------------------------------------------------------------------------------------
// The writer refuses what the reader would: a snapshot that cannot be restored is found out too late.

[[noreturn]] void unwritable(std::string_view where, std::string_view what) {
  throw error(fmt::format("cannot write a snapshot: {}: {}", where, what));
}

std::string iso(instant t) { return format_instant(t, beijing_offset); }

// The instant as written, when it is in the years 0000..9999 at +08:00 (what parse_instant reads).
std::string checked_iso(instant t, std::string_view where) {
  using namespace std::chrono;
  constexpr instant first = sys_days{year{0} / January / 1} - beijing_offset;
  constexpr instant end = sys_days{year{10000} / January / 1} - beijing_offset;
  if (t < first || t >= end)
    unwritable(where, fmt::format("{} s from 1970-01-01T00:00:00Z is not in the years 0000 to 9999",
                                  t.time_since_epoch().count()));
  return iso(t);
}

ordered_json checked_iso_or_null(const std::optional<instant>& t, std::string_view where) {
  return t ? ordered_json(checked_iso(*t, where)) : ordered_json(nullptr);
}

const std::string& checked_utf8(const std::string& s, std::string_view where) {
  if (!detail::is_utf8(s)) unwritable(where, fmt::format("{} is not UTF-8", quote(s, max_shown)));
  return s;
}

ordered_json clock_json(const clock_record& c, const std::string& path) {
  const step_timer::raw& t = c.timer;
  const auto state = static_cast<std::size_t>(t.state);
  if (state >= timer_state_names.size()) unwritable(join(path, "state"), fmt::format("{} is not a timer state", state));
  if (t.elapsed.count() < 0 || t.elapsed.count() > max_elapsed)
    unwritable(join(path, "elapsed"),
               fmt::format("{} is out of range (expected 0 to {})", t.elapsed.count(), max_elapsed));
  ordered_json j = ordered_json::object();
  j["state"] = timer_state_names[state];
  j["first_count"] = checked_iso(t.first_count, join(path, "first_count"));
  j["run_from"] = checked_iso(t.run_from, join(path, "run_from"));
  j["mark"] = checked_iso(t.mark, join(path, "mark"));
  j["due"] = checked_iso(t.due, join(path, "due"));
  j["elapsed"] = t.elapsed.count();
  j["provisional"] = t.provisional;
  j["overran"] = t.overran;
  j["commanded"] = checked_iso_or_null(c.commanded, join(path, "commanded"));
  j["waiting"] = c.waiting;
  j["completed"] = c.completed;
  j["fired"] = c.fired;
  j["unit"] = c.unit;
  return j;
}

ordered_json case_json(const case_record& r, const std::string& path) {
  const auto status = static_cast<std::size_t>(r.status);
  if (status >= case_statuses.size()) unwritable(join(path, "status"), fmt::format("{} is not a case status", status));
  ordered_json j = ordered_json::object();
  j["id"] = checked_utf8(r.id, join(path, "id"));
  j["policy"] = checked_utf8(r.policy, join(path, "policy"));
  j["variant"] = checked_utf8(r.variant, join(path, "variant"));
  j["status"] = to_string(r.status);
  j["opened"] = checked_iso(r.opened, join(path, "opened"));
  if (r.status != case_status::open) {
    j["closed"] = checked_iso(r.closed, join(path, "closed"));
  } else if (r.closed == instant{}) {
    j["closed"] = nullptr;
  } else {  // null would read back as instant{}: another state
    unwritable(join(path, "closed"),
               fmt::format("{} s from 1970-01-01T00:00:00Z is not 0 (an open case has no closing instant)",
                           r.closed.time_since_epoch().count()));
  }
  ordered_json clocks = ordered_json::array();
  for (std::size_t k = 0; k < r.clocks.size(); ++k)
    clocks.push_back(clock_json(r.clocks[k], fmt::format("{}.clocks[{}]", path, k)));
  j["clocks"] = std::move(clocks);
  ordered_json transitions = ordered_json::array();
  for (std::size_t k = 0; k < r.transitions.size(); ++k) {
    const transition_record& t = r.transitions[k];
    ordered_json tj = ordered_json::object();
    tj["step"] = t.step;
    tj["pause"] = t.pause;
    tj["at"] = checked_iso(t.at, fmt::format("{}.transitions[{}].at", path, k));
    transitions.push_back(std::move(tj));
  }
  j["transitions"] = std::move(transitions);
  j["district"] = r.district;
  return j;
}

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

clock_record read_clock(const node& n, std::string path, std::int64_t version) {
  const object_reader o(n, std::move(path));
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
  const std::int64_t version = is_version(format_version) ? format_version : first_version;
  if (!is_version(version)) {
    refuse("version", fmt::format("{} is not a supported version (expected {} or {})", describe(version_node),
                                  first_version, format_version));
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

namespace {

// Everything but the cases, as a document whose "cases" is still empty.
ordered_json header_json(const engine_state& s) {
  ordered_json policies = ordered_json::array();
  for (std::size_t k = 0; k < s.policies.size(); ++k)
    policies.push_back(checked_utf8(s.policies[k], fmt::format("policies[{}]", k)));
  ordered_json doc = ordered_json::object();
  doc["format"] = format_name;
  doc["version"] = format_version;
  doc["now"] = checked_iso(s.now, "now");
  doc["retired_before"] = checked_iso_or_null(s.retired_before, "retired_before");
  doc["calendar"] = checked_utf8(s.calendar, "calendar");
  doc["policies"] = std::move(policies);
  ordered_json names = ordered_json::array();
  for (std::size_t k = 0; k < s.names.size(); ++k)
    names.push_back(checked_utf8(s.names[k], fmt::format("names[{}]", k)));
  doc["names"] = std::move(names);
  doc["cases"] = ordered_json::array();
  return doc;
}

std::string dumped(const ordered_json& j) {
  try {
    return j.dump();
  } catch (const json::exception& e) {  // not expected: every string was checked before
    throw error(fmt::format("cannot write a snapshot: {}", escape(e.what(), 160)));
  }
}

}  // namespace

std::string to_snapshot_json(const engine_state& s) {
  ordered_json doc = header_json(s);
  ordered_json& cases = doc["cases"];
  for (std::size_t k = 0; k < s.cases.size(); ++k) cases.push_back(case_json(s.cases[k], fmt::format("cases[{}]", k)));
  return dumped(doc);
}

void write_snapshot_json(const engine_state& s, const std::function<void(std::string_view)>& out) {
  // The compact dump of the header ends in "[]}" (the empty cases, the object): the cases go
  // between its brackets, so the bytes are to_snapshot_json's.
  std::string text = dumped(header_json(s));
  text.resize(text.size() - 2);  // keep "...,\"cases\":["
  out(text);
  for (std::size_t k = 0; k < s.cases.size(); ++k) {
    text = dumped(case_json(s.cases[k], fmt::format("cases[{}]", k)));
    if (k > 0) text.insert(text.begin(), ',');
    out(text);
  }
  out("]}");
}

engine_state parse_snapshot_json(std::string_view text) {
  return read_state(detail::snapshot_json::parse(text, detail::snapshot_max_depth));
}

std::string snapshot(const engine& e) { return to_snapshot_json(e.state()); }

engine restore(std::string_view text, calendar cal, policy_set policies, event_sink& sink, engine_options options) {
  return engine::from_state(parse_snapshot_json(text), std::move(cal), std::move(policies), sink, options);
}

}  // namespace dueday
