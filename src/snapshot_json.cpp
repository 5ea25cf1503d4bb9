// The JSON layer under snapshot.cpp (see detail/snapshot_json.hpp): text to a tree, typed reads.
#include "detail/snapshot_json.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "dueday/error.hpp"
#include "dueday/format.hpp"
#include "dueday/io.hpp"

namespace dueday::detail::snapshot_json {

namespace {

using nlohmann::json;

}  // namespace

[[noreturn]] void refuse(std::string_view where, std::string_view what) {
  throw error(fmt::format("not a valid snapshot: {}: {}", where.empty() ? "top level" : where, what));
}

std::string join(std::string_view path, std::string_view key) {
  return path.empty() ? std::string(key) : fmt::format("{}.{}", path, key);
}

// --- JSON text to a tree -------------------------------------------------------------------------

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
      return escape(n.text, max_shown);
    case node::kind::string:
      return quote(n.text, max_shown);
    case node::kind::array:
      return "an array";
    case node::kind::object:
      return "an object";
  }
  return "a value";
}

namespace {

// nlohmann's SAX interface: builds the tree, refusing a key twice in one object and nesting
// deeper than max_depth levels as they come. A refusal stops the parse; problem() says why.
class tree_builder {
 public:
  tree_builder(std::string_view text, std::size_t max_depth, const text_origin& origin)
      : text_(text), max_depth_(max_depth), origin_(origin) {}

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
    if (!f.keys.insert(k).second) return fail(f.path, fmt::format("duplicate key {}", quote(k, max_shown)));
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
    const auto lines = static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
    const std::size_t column = lines == 0 ? origin_.column + position : position - line_start;
    std::string_view what = e.what();
    if (const auto p = what.find("] "); p != std::string_view::npos) what.remove_prefix(p + 2);
    if (what.starts_with("parse error at line ")) {
      if (const auto p = what.find(": "); p != std::string_view::npos) what.remove_prefix(p + 2);
    }
    problem_ = fmt::format("not a valid snapshot: line {}, column {}: {}", origin_.line + lines + 1, column,
                           escape(what, 160));
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
    if (stack_.empty()) return origin_.path;
    const frame& f = stack_.back();
    if (f.value.type == node::kind::object) return join(f.path, escape(f.key, max_shown));
    return fmt::format("{}[{}]", f.path, f.value.items.size());
  }
  bool fail(std::string_view where, std::string_view what) {
    problem_ = fmt::format("not a valid snapshot: {}: {}", where.empty() ? "top level" : where, what);
    return false;
  }
  bool open(node::kind k) {
    std::string path = child_path();
    if (origin_.depth + stack_.size() == max_depth_)
      return fail(path, fmt::format("nested deeper than {} levels", max_depth_));
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
  std::size_t max_depth_;
  const text_origin& origin_;
  std::vector<frame> stack_;
  node root_;
  std::string problem_;
};

}  // namespace

node parse(std::string_view text, std::size_t max_depth) { return parse(text, max_depth, text_origin{}); }

node parse(std::string_view text, std::size_t max_depth, const text_origin& origin) {
  tree_builder tree(text, max_depth, origin);
  bool parsed = false;
  try {
    parsed = json::sax_parse(text.data(), text.data() + text.size(), &tree);
  } catch (const json::exception& e) {  // not expected: the parser reports through parse_error
    refuse("", escape(e.what(), 160));
  }
  if (!parsed)
    throw error(tree.problem().empty() ? std::string("not a valid snapshot: top level: unreadable") : tree.problem());
  // nlohmann takes a NUL byte for the end of the input (in a string it is refused): bytes after a
  // whole value would go unread. Refused where snapshot_reader refuses them, in its words.
  if (const std::size_t z = text.find('\0'); z != std::string_view::npos) {
    const std::string_view before = text.substr(0, z);
    const auto lines = static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
    const std::size_t line_start = lines == 0 ? 0 : before.rfind('\n') + 1;
    throw error(
        fmt::format("not a valid snapshot: line {}, column {}: syntax error: unexpected text after the "
                    "snapshot; expected end of input",
                    origin.line + lines + 1, (lines == 0 ? origin.column : 0) + z - line_start + 1));
  }
  return std::move(tree.root());
}

// --- typed reads ---------------------------------------------------------------------------------

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
  if (!t || format_instant(*t, beijing_offset) != s)
    refuse(where, fmt::format("{} is not an instant (expected YYYY-MM-DDTHH:MM:SS+08:00)", quote(s, max_shown)));
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

object_reader::object_reader(const node& n, std::string path) : n_(n), path_(std::move(path)) {
  if (n.type != node::kind::object) refuse(path_, fmt::format("{} is not an object", describe(n)));
}

void object_reader::only(std::initializer_list<std::string_view> known) const {
  for (const member& m : n_.members) {
    if (std::find(known.begin(), known.end(), m.key) == known.end())
      refuse(path_, fmt::format("unknown field {}", quote(m.key, max_shown)));
  }
}

const node& object_reader::field(std::string_view key) const {
  for (const member& m : n_.members) {
    if (m.key == key) return m.value;
  }
  refuse(where(key), "missing");
}

}  // namespace dueday::detail::snapshot_json
