// The snapshot format written: engine_state to JSON text. The header (everything but the cases)
// goes through nlohmann's ordered_json; each case is written in place by case_writer, byte for byte
// what case_json (ordered_json, field by field) gives. case_json stays the reference: it writes the
// refusals (case_writer checks the same conditions and lets case_json name the first that fails),
// and the builds with asserts compare the two on every case they write.
#include <fmt/format.h>

#include <cassert>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "detail/event_writer.hpp"
#include "detail/snapshot_fields.hpp"
#include "detail/snapshot_json.hpp"
#include "detail/utf8.hpp"
#include "dueday/error.hpp"
#include "dueday/format.hpp"
#include "dueday/snapshot.hpp"

namespace dueday {

namespace {

using detail::snapshot_json::join;
using detail::snapshot_json::max_shown;
using nlohmann::json;
using nlohmann::ordered_json;

constexpr std::string_view format_name = detail::snapshot_format_name;
constexpr std::int64_t format_version = detail::snapshot_format_version;
constexpr std::int64_t max_elapsed = detail::snapshot_max_elapsed;
constexpr const auto& timer_state_names = detail::snapshot_timer_states;
constexpr const auto& case_statuses = detail::snapshot_case_statuses;

// --- the reference: nlohmann's ordered_json, field by field ---------------------------------------
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
  if (detail::snapshot_short_clock(c)) {  // version 4: nothing else to keep
    j["unit"] = c.unit;
    return j;
  }
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

// --- in place ------------------------------------------------------------------------------------

// One case's text, as case_json(r, path).dump() gives it, appended to a string. Reused from case
// to case: it keeps the event writer's cache of instants.
class case_writer {
 public:
  // Appends case k; throws case_json's refusal when the case cannot be written.
  void append(std::string& out, const case_record& r, std::size_t k) {
    if (!writable(r)) {
      (void)case_json(r, fmt::format("cases[{}]", k));  // throws: it names the first problem
      assert(false && "case_json refuses what writable() refuses");
    }
    const std::size_t at = out.size();
    out.resize(at + 256 + 6 * (r.id.size() + r.policy.size() + r.variant.size()) + 2 * instant_room +
               r.clocks.size() * (320 + 5 * instant_room) + r.transitions.size() * (64 + instant_room));
    char* p = out.data() + at;
    p = str(lit(p, R"({"id":)"), r.id);
    p = str(lit(p, R"(,"policy":)"), r.policy);
    p = str(lit(p, R"(,"variant":)"), r.variant);
    p = str(lit(p, R"(,"status":)"), to_string(r.status));
    p = w_.instant_text(lit(p, R"(,"opened":)"), r.opened);
    p = r.status != case_status::open ? w_.instant_text(lit(p, R"(,"closed":)"), r.closed)
                                      : lit(p, R"(,"closed":null)");
    p = lit(p, R"(,"clocks":[)");
    for (std::size_t i = 0; i < r.clocks.size(); ++i) {
      const clock_record& c = r.clocks[i];
      const step_timer::raw& t = c.timer;
      if (i > 0) *p++ = ',';
      if (detail::snapshot_short_clock(c)) {
        p = integer(lit(p, R"({"state":"idle","unit":)"), c.unit);
        *p++ = '}';
        continue;
      }
      p = str(lit(p, R"({"state":)"), timer_state_names[static_cast<std::size_t>(t.state)]);
      p = w_.instant_text(lit(p, R"(,"first_count":)"), t.first_count);
      p = w_.instant_text(lit(p, R"(,"run_from":)"), t.run_from);
      p = w_.instant_text(lit(p, R"(,"mark":)"), t.mark);
      p = w_.instant_text(lit(p, R"(,"due":)"), t.due);
      p = integer(lit(p, R"(,"elapsed":)"), t.elapsed.count());
      p = boolean(lit(p, R"(,"provisional":)"), t.provisional);
      p = boolean(lit(p, R"(,"overran":)"), t.overran);
      p = c.commanded ? w_.instant_text(lit(p, R"(,"commanded":)"), *c.commanded) : lit(p, R"(,"commanded":null)");
      p = boolean(lit(p, R"(,"waiting":)"), c.waiting);
      p = boolean(lit(p, R"(,"completed":)"), c.completed);
      p = integer(lit(p, R"(,"fired":)"), c.fired);
      p = integer(lit(p, R"(,"unit":)"), c.unit);
      *p++ = '}';
    }
    p = lit(p, R"(],"transitions":[)");
    for (std::size_t i = 0; i < r.transitions.size(); ++i) {
      const transition_record& t = r.transitions[i];
      if (i > 0) *p++ = ',';
      p = integer(lit(p, R"({"step":)"), t.step);
      p = boolean(lit(p, R"(,"pause":)"), t.pause);
      p = w_.instant_text(lit(p, R"(,"at":)"), t.at);
      *p++ = '}';
    }
    p = integer(lit(p, R"(],"district":)"), r.district);
    *p++ = '}';
    out.resize(static_cast<std::size_t>(p - out.data()));
    assert(std::string_view(out).substr(at) == case_json(r, fmt::format("cases[{}]", k)).dump());
  }

 private:
  static constexpr std::size_t instant_room = detail::event_writer::instant_room;

  // What case_json checks, without the paths its messages need.
  static bool writable(const case_record& r) {
    const auto in_range = [](instant t) {
      using namespace std::chrono;
      constexpr instant first = sys_days{year{0} / January / 1} - beijing_offset;
      constexpr instant end = sys_days{year{10000} / January / 1} - beijing_offset;
      return t >= first && t < end;
    };
    if (static_cast<std::size_t>(r.status) >= case_statuses.size()) return false;
    if (!detail::is_utf8(r.id) || !detail::is_utf8(r.policy) || !detail::is_utf8(r.variant)) return false;
    if (!in_range(r.opened)) return false;
    if (r.status != case_status::open ? !in_range(r.closed) : r.closed != instant{}) return false;
    for (const clock_record& c : r.clocks) {
      const step_timer::raw& t = c.timer;
      if (static_cast<std::size_t>(t.state) >= timer_state_names.size()) return false;
      if (t.elapsed.count() < 0 || t.elapsed.count() > max_elapsed) return false;
      if (!in_range(t.first_count) || !in_range(t.run_from) || !in_range(t.mark) || !in_range(t.due)) return false;
      if (c.commanded && !in_range(*c.commanded)) return false;
    }
    for (const transition_record& t : r.transitions)
      if (!in_range(t.at)) return false;
    return true;
  }

  static char* lit(char* p, std::string_view s) noexcept {
    std::memcpy(p, s.data(), s.size());
    return p + s.size();
  }
  char* str(char* p, std::string_view s) { return w_.string(p, s); }
  static char* integer(char* p, std::int64_t v) { return detail::event_writer::integer(p, v); }
  static char* boolean(char* p, bool b) noexcept { return b ? lit(p, "true") : lit(p, "false"); }

  detail::event_writer w_{beijing_offset};
};

}  // namespace

std::string to_snapshot_json(const engine_state& s) {
  std::string text;
  write_snapshot_json(s, [&](std::string_view piece) { text += piece; });
  return text;
}

namespace {

// The header's text up to the cases' "[" (its compact dump ends in "[]}": the empty cases, the
// object; the cases go between those brackets).
std::string header_text(const engine_state& s) {
  std::string text = dumped(header_json(s));
  text.resize(text.size() - 2);
  return text;
}

}  // namespace

void write_snapshot_json(const engine_state& s, const std::function<void(std::string_view)>& out) {
  std::string text = header_text(s);
  out(text);
  case_writer writer;
  for (std::size_t k = 0; k < s.cases.size(); ++k) {
    text.clear();
    if (k > 0) text.push_back(',');
    writer.append(text, s.cases[k], k);
    out(text);
  }
  out("]}");
}

void write_snapshot_json(const engine& e, const std::function<void(std::string_view)>& out) {
  std::string text;
  case_writer writer;
  e.state([&](const engine_state& header) { out(header_text(header)); },
          [&](const case_record& r, std::size_t k) {
            text.clear();
            if (k > 0) text.push_back(',');
            writer.append(text, r, k);
            out(text);
          });
  out("]}");
}

}  // namespace dueday
