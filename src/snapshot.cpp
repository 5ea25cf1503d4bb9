#include "dueday/snapshot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "dueday/error.hpp"
#include "dueday/format.hpp"
#include "dueday/io.hpp"

namespace dueday {

namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr std::string_view format_name = "dueday-engine-snapshot";
constexpr std::int64_t format_version = 2;
constexpr std::size_t max_depth = 8;                  // arrays and objects; a snapshot uses 5
constexpr std::int64_t max_elapsed = 10'000'000'000;  // seconds, about 317 years

// In step_timer::status order.
constexpr std::array<std::string_view, 4> timer_state_names = {"idle", "running", "paused", "stopped"};
constexpr std::array<case_status, 4> case_statuses = {case_status::open, case_status::completed, case_status::cancelled,
                                                      case_status::out_of_scope};

// --- text in messages ----------------------------------------------------------------------------

// The length of the UTF-8 sequence starting at s[i], or 0 when it is ill-formed (RFC 3629: no
// overlong forms, no surrogates, nothing past U+10FFFF).
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned lead = byte(i);
  if (lead < 0x80) return 1;
  std::size_t n = 0;
  unsigned lo = 0x80;
  unsigned hi = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    n = 2;
  } else if (lead == 0xE0) {
    n = 3, lo = 0xA0;
  } else if ((lead >= 0xE1 && lead <= 0xEC) || lead == 0xEE || lead == 0xEF) {
    n = 3;
  } else if (lead == 0xED) {
    n = 3, hi = 0x9F;
  } else if (lead == 0xF0) {
    n = 4, lo = 0x90;
  } else if (lead >= 0xF1 && lead <= 0xF3) {
    n = 4;
  } else if (lead == 0xF4) {
    n = 4, hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size() || byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return n;
}

bool is_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = utf8_sequence(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

// `s` fit for a one-line message: control characters escaped (\n, \u001b), bytes that are not
// UTF-8 as \xff, cut with "..." after about `limit` bytes.
std::string printable(std::string_view s, std::size_t limit = 60) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    if (out.size() >= limit) return out + "...";
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t n = utf8_sequence(s, i);
    if (n == 0) {
      out += fmt::format("\\x{:02x}", c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7F) {
      out += fmt::format("\\u{:04x}", c);
    } else {
      out.append(s.substr(i, n));
    }
    i += n == 0 ? 1 : n;
  }
  return out;
}

[[noreturn]] void refuse(std::string_view where, std::string_view what) {
  throw error(fmt::format("not a valid snapshot: {}: {}", where.empty() ? "top level" : where, what));
}

// "cases[0]" + "id" -> "cases[0].id"; "" + "now" -> "now".
std::string join(std::string_view path, std::string_view key) {
  return path.empty() ? std::string(key) : fmt::format("{}.{}", path, key);
}

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
  if (!is_utf8(s)) unwritable(where, fmt::format("'{}' is not UTF-8", printable(s)));
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
  return j;
}

// --- reading: JSON text to a tree ----------------------------------------------------------------

// A JSON value as read, keeping what messages need: the literal text of a floating-point number
// and the members of an object in the order written.
struct member;
struct node {
  enum class kind : std::uint8_t { null, boolean, integer, unsigned_integer, floating, string, array, object };
  kind type = kind::null;
  bool boolean = false;
  std::int64_t integer = 0;
  std::uint64_t unsigned_integer = 0;
  std::string text;             // a string's value; a floating-point number as written
  std::vector<node> items;      // an array's
  std::vector<member> members;  // an object's
};
struct member {
  std::string key;
  node value;
};

// The value named in a message: null, true, 12, 1.5e3, 'text', an array, an object.
std::string describe(const node& n) {
  switch (n.type) {
    case node::kind::null:
      return "null";
    case node::kind::boolean:
      return n.boolean ? "true" : "false";
    case node::kind::integer:
      return fmt::format("{}", n.integer);
    case node::kind::unsigned_integer:
      return fmt::format("{}", n.unsigned_integer);
    case node::kind::floating:
      return printable(n.text);
    case node::kind::string:
      return fmt::format("'{}'", printable(n.text));
    case node::kind::array:
      return "an array";
    case node::kind::object:
      return "an object";
  }
  return "a value";
}

// nlohmann's SAX interface: builds the tree, refusing a key twice in one object and nesting
// deeper than max_depth as they come. A refusal stops the parse; problem() says why.
class tree_builder {
 public:
  explicit tree_builder(std::string_view text) : text_(text) {}

  bool null() { return add(node{}); }
  bool boolean(bool b) {
    node n;
    n.type = node::kind::boolean;
    n.boolean = b;
    return add(std::move(n));
  }
  bool number_integer(json::number_integer_t v) {
    node n;
    n.type = node::kind::integer;
    n.integer = v;
    return add(std::move(n));
  }
  bool number_unsigned(json::number_unsigned_t v) {
    node n;
    n.type = node::kind::unsigned_integer;
    n.unsigned_integer = v;
    return add(std::move(n));
  }
  bool number_float(json::number_float_t /*value*/, const json::string_t& literal) {
    node n;
    n.type = node::kind::floating;
    n.text = literal;
    return add(std::move(n));
  }
  bool string(json::string_t& s) {
    node n;
    n.type = node::kind::string;
    n.text = std::move(s);
    return add(std::move(n));
  }
  bool binary(json::binary_t& /*b*/) { return fail(child_path(), "binary data"); }  // not in JSON text
  bool start_object(std::size_t /*elements*/) { return open(node::kind::object); }
  bool key(json::string_t& k) {
    frame& f = stack_.back();
    if (!f.keys.insert(k).second) return fail(f.path, fmt::format("duplicate key '{}'", printable(k)));
    f.key = std::move(k);
    return true;
  }
  bool end_object() { return close(); }
  bool start_array(std::size_t /*elements*/) { return open(node::kind::array); }
  bool end_array() { return close(); }
  bool parse_error(std::size_t position, const std::string& /*last_token*/, const json::exception& e) {
    // nlohmann counts lines from 1 and columns as the bytes read on the line (EOF counts as one).
    const std::string_view before = text_.substr(0, std::min(position, text_.size()));
    const std::size_t newline = before.rfind('\n');
    const std::size_t line_start = newline == std::string_view::npos ? 0 : newline + 1;
    const auto lines = std::count(before.begin(), before.end(), '\n');
    std::string_view what = e.what();
    if (const auto p = what.find("] "); p != std::string_view::npos) what.remove_prefix(p + 2);
    if (what.starts_with("parse error at line ")) {
      if (const auto p = what.find(": "); p != std::string_view::npos) what.remove_prefix(p + 2);
    }
    problem_ = fmt::format("not a valid snapshot: line {}, column {}: {}", lines + 1, position - line_start,
                           printable(what, 160));
    return false;
  }

  [[nodiscard]] node& root() { return root_; }
  [[nodiscard]] const std::string& problem() const { return problem_; }

 private:
  struct frame {
    node value;
    std::string path;
    std::string key;  // of the member being read, in an object
    std::set<std::string, std::less<>> keys;
  };

  // The path of the next value: the member's key in an object, the next index in an array.
  [[nodiscard]] std::string child_path() const {
    if (stack_.empty()) return {};
    const frame& f = stack_.back();
    if (f.value.type == node::kind::object) return join(f.path, printable(f.key));
    return fmt::format("{}[{}]", f.path, f.value.items.size());
  }
  bool fail(std::string_view where, std::string_view what) {
    problem_ = fmt::format("not a valid snapshot: {}: {}", where.empty() ? "top level" : where, what);
    return false;
  }
  bool open(node::kind k) {
    std::string path = child_path();
    if (stack_.size() == max_depth) return fail(path, fmt::format("nested deeper than {} levels", max_depth));
    frame f;
    f.value.type = k;
    f.path = std::move(path);
    stack_.push_back(std::move(f));
    return true;
  }
  bool close() {
    node n = std::move(stack_.back().value);
    stack_.pop_back();
    return add(std::move(n));
  }
  bool add(node n) {
    if (stack_.empty()) {
      root_ = std::move(n);
      return true;
    }
    frame& f = stack_.back();
    if (f.value.type == node::kind::object) {
      f.value.members.push_back(member{std::move(f.key), std::move(n)});
    } else {
      f.value.items.push_back(std::move(n));
    }
    return true;
  }

  std::string_view text_;
  std::vector<frame> stack_;
  node root_;
  std::string problem_;
};

// --- reading: the tree to an engine_state --------------------------------------------------------

std::int64_t read_integer(const node& n, std::string_view where, std::int64_t lo, std::int64_t hi) {
  // nlohmann reads an integer too large for 64 bits as a floating-point number.
  const bool huge = n.type == node::kind::floating && n.text.find_first_of(".eE") == std::string::npos;
  if (huge) refuse(where, fmt::format("{} is out of range (expected {} to {})", describe(n), lo, hi));
  if (n.type != node::kind::integer && n.type != node::kind::unsigned_integer)
    refuse(where, fmt::format("{} is not an integer", describe(n)));
  const bool in_range = n.type == node::kind::integer ? n.integer >= lo && n.integer <= hi
                                                      : n.unsigned_integer <= static_cast<std::uint64_t>(hi) &&
                                                            static_cast<std::int64_t>(n.unsigned_integer) >= lo;
  if (!in_range) refuse(where, fmt::format("{} is out of range (expected {} to {})", describe(n), lo, hi));
  return n.type == node::kind::integer ? n.integer : static_cast<std::int64_t>(n.unsigned_integer);
}

const std::string& read_string(const node& n, std::string_view where) {
  if (n.type != node::kind::string) refuse(where, fmt::format("{} is not a string", describe(n)));
  return n.text;
}

bool read_bool(const node& n, std::string_view where) {
  if (n.type != node::kind::boolean) refuse(where, fmt::format("{} is not true or false", describe(n)));
  return n.boolean;
}

// Exactly as format_instant writes it: 2026-10-08T15:00:00+08:00.
instant read_instant(const node& n, std::string_view where) {
  const std::string& s = read_string(n, where);
  std::optional<instant> t;
  try {
    t = parse_instant(s);
  } catch (const error&) {
  }
  if (!t || iso(*t) != s)
    refuse(where, fmt::format("'{}' is not an instant (expected YYYY-MM-DDTHH:MM:SS+08:00)", printable(s)));
  return *t;
}

std::optional<instant> read_optional_instant(const node& n, std::string_view where) {
  if (n.type == node::kind::null) return std::nullopt;
  return read_instant(n, where);
}

const std::vector<node>& read_array(const node& n, std::string_view where) {
  if (n.type != node::kind::array) refuse(where, fmt::format("{} is not an array", describe(n)));
  return n.items;
}

step_timer::status read_timer_state(const node& n, std::string_view where) {
  for (std::size_t k = 0; k < timer_state_names.size(); ++k) {
    if (n.type == node::kind::string && n.text == timer_state_names[k]) return static_cast<step_timer::status>(k);
  }
  refuse(where, fmt::format("{} is not a timer state (expected idle, running, paused or stopped)", describe(n)));
}

case_status read_case_status(const node& n, std::string_view where) {
  for (const case_status s : case_statuses) {
    if (n.type == node::kind::string && n.text == to_string(s)) return s;
  }
  refuse(where,
         fmt::format("{} is not a case status (expected open, completed, cancelled or out_of_scope)", describe(n)));
}

// An object whose fields are read by name; a field read but absent is "missing".
class object_reader {
 public:
  object_reader(const node& n, std::string path) : n_(n), path_(std::move(path)) {
    if (n.type != node::kind::object) refuse(path_, fmt::format("{} is not an object", describe(n)));
  }

  // Refuses a field not among `known`, the first in the order written.
  void only(std::initializer_list<std::string_view> known) const {
    for (const member& m : n_.members) {
      if (std::find(known.begin(), known.end(), m.key) == known.end())
        refuse(path_, fmt::format("unknown field '{}'", printable(m.key)));
    }
  }

  [[nodiscard]] const node& field(std::string_view key) const {
    for (const member& m : n_.members) {
      if (m.key == key) return m.value;
    }
    refuse(where(key), "missing");
  }
  [[nodiscard]] std::string where(std::string_view key) const { return join(path_, key); }
  [[nodiscard]] const std::string& path() const { return path_; }

  [[nodiscard]] std::string string(std::string_view key) const { return read_string(field(key), where(key)); }
  [[nodiscard]] bool boolean(std::string_view key) const { return read_bool(field(key), where(key)); }
  [[nodiscard]] std::int64_t integer(std::string_view key, std::int64_t lo, std::int64_t hi) const {
    return read_integer(field(key), where(key), lo, hi);
  }
  [[nodiscard]] std::uint8_t small(std::string_view key) const {
    return static_cast<std::uint8_t>(integer(key, 0, 255));
  }
  [[nodiscard]] instant time(std::string_view key) const { return read_instant(field(key), where(key)); }
  [[nodiscard]] std::optional<instant> optional_time(std::string_view key) const {
    return read_optional_instant(field(key), where(key));
  }
  [[nodiscard]] const std::vector<node>& array(std::string_view key) const {
    return read_array(field(key), where(key));
  }

 private:
  const node& n_;
  std::string path_;
};

clock_record read_clock(const node& n, std::string path) {
  const object_reader o(n, std::move(path));
  o.only({"state", "first_count", "run_from", "mark", "due", "elapsed", "provisional", "overran", "commanded",
          "waiting", "completed", "fired"});
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

case_record read_case(const node& n, std::string path) {
  const object_reader o(n, std::move(path));
  o.only({"id", "policy", "variant", "status", "opened", "clocks", "transitions"});
  case_record r;
  r.id = o.string("id");
  r.policy = o.string("policy");
  r.variant = o.string("variant");
  r.status = read_case_status(o.field("status"), o.where("status"));
  r.opened = o.time("opened");
  const auto& clocks = o.array("clocks");
  r.clocks.reserve(clocks.size());
  for (std::size_t k = 0; k < clocks.size(); ++k)
    r.clocks.push_back(read_clock(clocks[k], fmt::format("{}.clocks[{}]", o.path(), k)));
  const auto& transitions = o.array("transitions");
  r.transitions.reserve(transitions.size());
  for (std::size_t k = 0; k < transitions.size(); ++k)
    r.transitions.push_back(read_transition(transitions[k], fmt::format("{}.transitions[{}]", o.path(), k)));
  return r;
}

engine_state read_state(const node& root) {
  const object_reader o(root, "");
  // Format and version first: another version's fields are not "unknown", they are another format.
  const node& format = o.field("format");
  if (format.type != node::kind::string || format.text != format_name)
    refuse("format", fmt::format("{} is not the snapshot format (expected '{}')", describe(format), format_name));
  const node& version = o.field("version");
  const bool is_version = (version.type == node::kind::unsigned_integer &&
                           version.unsigned_integer == static_cast<std::uint64_t>(format_version)) ||
                          (version.type == node::kind::integer && version.integer == format_version);
  if (!is_version)
    refuse("version", fmt::format("{} is not a supported version (expected {})", describe(version), format_version));
  o.only({"format", "version", "now", "retired_before", "calendar", "policies", "cases"});
  engine_state s;
  s.now = o.time("now");
  s.retired_before = o.optional_time("retired_before");
  s.calendar = o.string("calendar");
  const auto& policies = o.array("policies");
  s.policies.reserve(policies.size());
  for (std::size_t k = 0; k < policies.size(); ++k)
    s.policies.push_back(read_string(policies[k], fmt::format("policies[{}]", k)));
  const auto& cases = o.array("cases");
  s.cases.reserve(cases.size());
  for (std::size_t k = 0; k < cases.size(); ++k) s.cases.push_back(read_case(cases[k], fmt::format("cases[{}]", k)));
  return s;
}

}  // namespace

std::string to_snapshot_json(const engine_state& s) {
  ordered_json policies = ordered_json::array();
  for (std::size_t k = 0; k < s.policies.size(); ++k)
    policies.push_back(checked_utf8(s.policies[k], fmt::format("policies[{}]", k)));
  ordered_json cases = ordered_json::array();
  for (std::size_t k = 0; k < s.cases.size(); ++k) cases.push_back(case_json(s.cases[k], fmt::format("cases[{}]", k)));
  ordered_json doc = ordered_json::object();
  doc["format"] = format_name;
  doc["version"] = format_version;
  doc["now"] = checked_iso(s.now, "now");
  doc["retired_before"] = checked_iso_or_null(s.retired_before, "retired_before");
  doc["calendar"] = checked_utf8(s.calendar, "calendar");
  doc["policies"] = std::move(policies);
  doc["cases"] = std::move(cases);
  try {
    return doc.dump();
  } catch (const json::exception& e) {  // not expected: every string was checked above
    throw error(fmt::format("cannot write a snapshot: {}", printable(e.what(), 160)));
  }
}

engine_state parse_snapshot_json(std::string_view text) {
  tree_builder tree(text);
  bool parsed = false;
  try {
    parsed = json::sax_parse(text.data(), text.data() + text.size(), &tree);
  } catch (const json::exception& e) {  // not expected: the parser reports through parse_error
    refuse("", printable(e.what(), 160));
  }
  if (!parsed)
    throw error(tree.problem().empty() ? std::string("not a valid snapshot: top level: unreadable") : tree.problem());
  return read_state(tree.root());
}

}  // namespace dueday
