// command_reader: a command line read with simdjson's On Demand API, one parser reused for every
// line and no DOM (see detail/command_json.hpp). A line it refuses goes to read_command_dom.
#include "detail/command_json.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "detail/command_fields.hpp"
#include "detail/command_members.hpp"

namespace dueday::detail {

namespace od = simdjson::ondemand;

static_assert(line_padding >= simdjson::SIMDJSON_PADDING);

namespace {

// The first fault of a works object in the order of its keys (the order nlohmann's object, a
// std::map, visits them in): the fault of the smallest key.
class works_fault {
 public:
  void note(std::string_view key, std::string message) {
    if (!message_.empty() && key >= key_) return;
    key_ = key;
    message_ = std::move(message);
  }
  [[nodiscard]] bool any() const noexcept { return !message_.empty(); }
  std::string take() { return std::move(message_); }

 private:
  std::string_view key_;
  std::string message_;
};

// Deeper than this, a value is left to the nlohmann reader (which has no limit): the checks below
// recurse.
constexpr int max_depth = 256;

// The text of a JSON string whose raw bytes start at `raw` (just past its opening quote) when it
// holds no escape: up to its closing quote; false at a backslash, when simdjson must unescape it.
// Sixteen bytes at a time, so up to 15 past the closing quote: every reader's input is padded
// (line_padding), and the quote is there, as simdjson's stage 1 found the string closed (and its
// bytes UTF-8 without control characters).
bool plain_string(const char* raw, std::string_view& text) noexcept {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  for (std::size_t i = 0;; i += 16) {
    __m128i x;
    std::memcpy(&x, raw + i, 16);
    const auto quotes = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, quote)));
    const auto escapes = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, backslash)));
    if ((quotes | escapes) != 0) {
      const int at = std::countr_zero(quotes | escapes);
      if ((escapes >> at & 1U) != 0) return false;
      text = std::string_view(raw, i + static_cast<std::size_t>(at));
      return true;
    }
  }
#else
  for (std::size_t i = 0;; ++i) {
    if (raw[i] == '\\') return false;
    if (raw[i] == '"') {
      text = std::string_view(raw, i);
      return true;
    }
  }
#endif
}

// Keys seen in one object, to find the first repeated one. Linear for the few keys a command has.
class key_set {
 public:
  void clear() {
    keys_.clear();
    if (!many_.empty()) many_.clear();
  }
  // False when `key` was seen before.
  bool insert(std::string_view key) {
    if (keys_.size() < 16) {
      if (std::find(keys_.begin(), keys_.end(), key) != keys_.end()) return false;
      keys_.push_back(key);
      return true;
    }
    if (many_.empty()) many_.insert(keys_.begin(), keys_.end());
    return many_.insert(key).second;
  }

 private:
  std::vector<std::string_view> keys_;
  std::unordered_set<std::string_view> many_;
};

}  // namespace

struct command_reader::impl {
  od::parser parser;
  std::string copy;  // an unpadded line, copied with padding
  command_fields fields;
  key_set keys, works_keys, units_keys;
  std::size_t fallbacks = 0;

  // Every part of a value is checked, none kept: unknown fields must be JSON too.
  static bool skim(od::value v, int depth) {
    if (depth > max_depth) return false;
    od::json_type t{};
    if (v.type().get(t) != simdjson::SUCCESS) return false;
    switch (t) {
      case od::json_type::object: {
        od::object o;
        if (v.get_object().get(o) != simdjson::SUCCESS) return false;
        for (auto member : o) {
          od::field field;
          std::string_view key;
          if (std::move(member).get(field) != simdjson::SUCCESS ||
              field.unescaped_key().get(key) != simdjson::SUCCESS || !skim(field.value(), depth + 1))
            return false;
        }
        return true;
      }
      case od::json_type::array: {
        od::array a;
        if (v.get_array().get(a) != simdjson::SUCCESS) return false;
        for (auto element : a) {
          od::value x;
          if (element.get(x) != simdjson::SUCCESS || !skim(x, depth + 1)) return false;
        }
        return true;
      }
      case od::json_type::string: {
        std::string_view s;
        return v.get_string().get(s) == simdjson::SUCCESS;
      }
      case od::json_type::number: {
        od::number n;
        return v.get_number().get(n) == simdjson::SUCCESS;  // fails beyond a double's range
      }
      case od::json_type::boolean: {
        bool b = false;
        return v.get_bool().get(b) == simdjson::SUCCESS;
      }
      case od::json_type::null: {
        bool null = false;
        return v.is_null().get(null) == simdjson::SUCCESS && null;
      }
    }
    return false;
  }

  static json_kind kind_of(od::json_type t) noexcept {
    switch (t) {
      case od::json_type::object:
        return json_kind::object;
      case od::json_type::array:
        return json_kind::array;
      case od::json_type::string:
        return json_kind::string;
      case od::json_type::number:
        return json_kind::number;
      case od::json_type::boolean:
        return json_kind::boolean;
      case od::json_type::null:
        break;
    }
    return json_kind::null;
  }

  static bool read_text(od::value v, text_field& f) {
    f.present = true;
    // A string without escapes (nearly every one) is taken from the input as it is: only one with
    // escapes needs simdjson to copy it out unescaped. Either way the value is consumed: On Demand
    // passes over a value left alone without checking what follows it.
    if (const std::string_view token = v.raw_json_token(); !token.empty() && token[0] == '"') {
      if (plain_string(token.data() + 1, f.text)) {
        od::raw_json_string consumed;
        if (v.get_raw_json_string().get(consumed) != simdjson::SUCCESS) return false;
        f.kind = json_kind::string;
        return true;
      }
    }
    od::json_type t{};
    if (v.type().get(t) != simdjson::SUCCESS) return false;
    f.kind = kind_of(t);
    f.text = {};
    if (t == od::json_type::string) return v.get_string().get(f.text) == simdjson::SUCCESS;
    return skim(v, 1);
  }

  bool read_works(od::value v) {
    fields.has_works = true;
    od::json_type t{};
    if (v.type().get(t) != simdjson::SUCCESS) return false;
    if (t != od::json_type::object) {
      fields.works_error = works_not_object;
      return skim(v, 1);
    }
    od::object o;
    if (v.get_object().get(o) != simdjson::SUCCESS) return false;
    works_keys.clear();
    works_fault fault;
    bool meter_dn = false, pipe_m = false;
    for (auto member : o) {
      od::field field;
      std::string_view key;
      if (std::move(member).get(field) != simdjson::SUCCESS || field.unescaped_key().get(key) != simdjson::SUCCESS)
        return false;
      if (!works_keys.insert(key) && fields.duplicate.empty()) fields.duplicate = fmt::format("works.{}", key);
      od::value& value = field.value();
      if (value.type().get(t) != simdjson::SUCCESS) return false;
      if (key == "meter_dn") {
        meter_dn = true;
        if (t != od::json_type::number) {
          fault.note(key, std::string(bad_meter_dn));
          if (!skim(value, 2)) return false;
          continue;
        }
        od::number n;
        if (value.get_number().get(n) != simdjson::SUCCESS) return false;
        // An integer literal from 1 to 10000: nlohmann's is_number_integer() and get<int64_t>().
        if (!n.is_int64() || n.get_int64() <= 0 || n.get_int64() > 10000) {
          fault.note(key, std::string(bad_meter_dn));
          continue;
        }
        fields.works.meter_dn = static_cast<std::int32_t>(n.get_int64());
      } else if (key == "pipe_m") {
        pipe_m = true;
        if (t != od::json_type::number) {
          fault.note(key, std::string(bad_pipe_m));
          if (!skim(value, 2)) return false;
          continue;
        }
        od::number n;
        if (value.get_number().get(n) != simdjson::SUCCESS) return false;
        if (n.as_double() < 0) {
          fault.note(key, std::string(bad_pipe_m));
          continue;
        }
        fields.works.pipe_m = n.as_double();
      } else if (key == "crossings") {
        if (t != od::json_type::array) {
          fault.note(key, std::string(bad_crossings));
          if (!skim(value, 2)) return false;
          continue;
        }
        od::array a;
        if (value.get_array().get(a) != simdjson::SUCCESS) return false;
        for (auto element : a) {
          od::value x;
          if (element.get(x) != simdjson::SUCCESS || x.type().get(t) != simdjson::SUCCESS) return false;
          if (t != od::json_type::string) {
            fault.note(key, std::string(bad_crossings));
            if (!skim(x, 3)) return false;
            continue;
          }
          std::string_view s;
          if (x.get_string().get(s) != simdjson::SUCCESS) return false;
          fields.works.crossings.emplace_back(s);
        }
      } else {
        fault.note(key, unknown_works_field(key));
        if (!skim(value, 2)) return false;
      }
    }
    if (fault.any()) {
      fields.works_error = fault.take();
    } else if (!meter_dn || !pipe_m) {
      fields.works_error = works_incomplete;
    }
    return true;
  }

  // An open's units: each member's step and value as read; build_command checks them.
  bool read_units(od::value v) {
    fields.has_units = true;
    od::json_type t{};
    if (v.type().get(t) != simdjson::SUCCESS) return false;
    fields.units_kind = kind_of(t);
    if (t != od::json_type::object) return skim(v, 1);
    od::object o;
    if (v.get_object().get(o) != simdjson::SUCCESS) return false;
    units_keys.clear();
    for (auto member : o) {
      od::field field;
      std::string_view key;
      if (std::move(member).get(field) != simdjson::SUCCESS || field.unescaped_key().get(key) != simdjson::SUCCESS)
        return false;
      if (!units_keys.insert(key) && fields.duplicate.empty()) fields.duplicate = fmt::format("units.{}", key);
      unit_entry& u = fields.units.emplace_back();
      u.step = key;
      if (!read_text(field.value(), u.unit)) return false;
    }
    return true;
  }

  // Reads an object's members into `fields`; false when simdjson does not take them.
  bool read_members(od::object o) {
    fields.clear();
    keys.clear();
    for (auto member : o) {
      od::field field;
      std::string_view key;
      if (std::move(member).get(field) != simdjson::SUCCESS) return false;
      if (!plain_string(field.key().raw(), key) && field.unescaped_key().get(key) != simdjson::SUCCESS) return false;
      // A known key repeats when its field is already there; others are looked up among their like.
      if (text_field* t = fields.text(key)) {
        if (t->present && fields.duplicate.empty()) fields.duplicate = key;
        if (!read_text(field.value(), *t)) return false;
      } else if (key == "works") {
        if (fields.has_works && fields.duplicate.empty()) fields.duplicate = key;
        if (!read_works(field.value())) return false;
      } else if (key == "units") {
        if (fields.has_units && fields.duplicate.empty()) fields.duplicate = key;
        if (!read_units(field.value())) return false;
      } else {
        if (!keys.insert(key) && fields.duplicate.empty()) fields.duplicate = key;
        if (!skim(field.value(), 1)) return false;
      }
    }
    return true;
  }

  // Reads a line into `fields`; false when simdjson does not take it as one JSON object.
  bool read(simdjson::padded_string_view line) {
    od::document doc;
    if (parser.iterate(line).get(doc) != simdjson::SUCCESS) return false;
    od::object o;
    if (doc.get_object().get(o) != simdjson::SUCCESS || !read_members(o)) return false;
    // Nothing may follow the object: its raw text (which takes in trailing spaces) then ends where
    // the line does.
    std::string_view raw;
    if (doc.raw_json().get(raw) != simdjson::SUCCESS) return false;
    return raw.data() + raw.size() == line.data() + line.size();
  }
};

command_reader::command_reader() : p_(std::make_unique<impl>()) {
  // Room for ordinary lines up front; a longer line grows it.
  if (p_->parser.allocate(std::size_t{1} << 16) != simdjson::SUCCESS) throw std::bad_alloc();
}

command_reader::~command_reader() = default;

std::size_t command_reader::fallbacks() const noexcept { return p_->fallbacks; }

bool command_reader::read(std::string_view line, bool padded, command& c, std::string& why, std::string* id) {
  const char* data = line.data();
  if (!padded) {
    p_->copy.assign(line);
    p_->copy.append(line_padding, ' ');
    data = p_->copy.data();
  }
  if (p_->read(simdjson::padded_string_view(data, line.size(), line.size() + line_padding))) {
    return build_command(p_->fields, c, why, id);
  }
  ++p_->fallbacks;
  return read_command_dom(line, c, why, id);
}

bool command_reader_access::read_members(command_reader& r, od::object o) { return r.p_->read_members(o); }

const command_fields& command_reader_access::fields(const command_reader& r) noexcept { return r.p_->fields; }

}  // namespace dueday::detail
