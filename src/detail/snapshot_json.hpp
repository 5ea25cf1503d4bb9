// The JSON layer under snapshot.cpp: JSON text read into a small tree that keeps what messages need
// (each value's path, a number as written, members in the order written), refusing a key twice in
// one object and nesting too deep as they come; then typed reads of that tree that refuse a value of
// the wrong type or range. Every refusal throws dueday::error, one line:
//
//   not a valid snapshot: cases[3].clocks[1].elapsed: 1.5 is not an integer
//   not a valid snapshot: line 2, column 13: syntax error while parsing value - invalid literal; ...
//
// snapshot.cpp knows the fields of a snapshot; this file knows none of them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dueday/units.hpp"

namespace dueday::detail::snapshot_json {

// --- text in messages ----------------------------------------------------------------------------

// The characters of a value (a key, a string, a number as written) a message keeps: it appears
// through dueday::quote(text, max_shown) or dueday::escape(text, max_shown), escaped and cut.
inline constexpr std::size_t max_shown = 60;

// "cases[0]" + "id" -> "cases[0].id"; "" + "now" -> "now".
[[nodiscard]] std::string join(std::string_view path, std::string_view key);

// Throws dueday::error "not a valid snapshot: <where>: <what>"; an empty `where` is "top level".
[[noreturn]] void refuse(std::string_view where, std::string_view what);

// --- the tree ------------------------------------------------------------------------------------

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
[[nodiscard]] std::string describe(const node& n);

// `text` as a tree. Refuses malformed JSON or text that is not UTF-8 (at "line L, column C", C
// counting bytes from 1 as nlohmann does), a key twice in one object (at the object's path), and
// arrays or objects nested more than `max_depth` deep (at the path of the one too deep).
[[nodiscard]] node parse(std::string_view text, std::size_t max_depth);

// Where a value's text starts inside a larger text that is read piece by piece (snapshot_reader):
// its path, how deeply it is nested, its line (from 0) and the bytes before it on that line. Its
// refusals then name the places parse() of the whole text names.
struct text_origin {
  std::string path;
  std::size_t depth = 0;
  std::size_t line = 0;
  std::size_t column = 0;
};
[[nodiscard]] node parse(std::string_view text, std::size_t max_depth, const text_origin& origin);

// --- typed reads: each refuses anything else, naming `where` and the value found -----------------

// An integer in lo..hi; no fraction or exponent, however whole (1.0, 1e3 are refused).
[[nodiscard]] std::int64_t read_integer(const node& n, std::string_view where, std::int64_t lo, std::int64_t hi);
[[nodiscard]] const std::string& read_string(const node& n, std::string_view where);
[[nodiscard]] bool read_bool(const node& n, std::string_view where);
// Exactly as format_instant writes it at +08:00: 2026-10-08T15:00:00+08:00.
[[nodiscard]] instant read_instant(const node& n, std::string_view where);
// Such an instant, or null.
[[nodiscard]] std::optional<instant> read_optional_instant(const node& n, std::string_view where);
[[nodiscard]] const std::vector<node>& read_array(const node& n, std::string_view where);

// An object whose fields are read by name; a field read but absent is "missing". Holds a reference
// to the node: it must outlive the reader.
class object_reader {
 public:
  // Refuses a value that is not an object, at `path`.
  object_reader(const node& n, std::string path);

  // Refuses a field not among `known`, the first in the order written.
  void only(std::initializer_list<std::string_view> known) const;

  [[nodiscard]] const node& field(std::string_view key) const;
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

}  // namespace dueday::detail::snapshot_json
