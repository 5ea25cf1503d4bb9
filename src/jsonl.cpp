#include "dueday/jsonl.hpp"

#include <fmt/compile.h>
#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <istream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <unordered_set>
#include <utility>
#include <vector>

#include "detail/command_json.hpp"
#include "dueday/io.hpp"

namespace dueday {

using nlohmann::json;
namespace od = simdjson::ondemand;
using namespace std::chrono;

static_assert(detail::line_padding >= simdjson::SIMDJSON_PADDING);

namespace {

// --- commands: what both readers find in a line, and the rules over it --------------------------

// nlohmann's type_name() of a value: "null", "boolean", "number", ...
enum class json_kind : std::uint8_t { null, boolean, number, string, array, object };

std::string_view name_of(json_kind k) noexcept {
  constexpr std::string_view names[] = {"null", "boolean", "number", "string", "array", "object"};
  return names[static_cast<std::size_t>(k)];
}

// A field whose value is a string when well formed. `text` points into the reader's storage.
struct text_field {
  bool present = false;
  json_kind kind = json_kind::null;
  std::string_view text;
};

// The fields of one command line, as read (and checked to be JSON) by either reader.
struct command_fields {
  text_field type, at, case_id, policy, variant, step, reason;
  bool has_works = false;
  std::string works_error;  // empty when `works` holds the works field, read without fault
  dueday::works works;
  std::string duplicate;  // the first key repeated ("type", "works.pipe_m"), if any

  void clear() {
    for (text_field* f : {&type, &at, &case_id, &policy, &variant, &step, &reason}) *f = {};
    has_works = false;
    works_error.clear();
    works.meter_dn = 0;
    works.pipe_m = 0;
    works.crossings.clear();
    duplicate.clear();
  }

  // The field named `key`, for the string-valued ones.
  text_field* text(std::string_view key) noexcept {
    switch (key.size()) {
      case 2:
        return key == "at" ? &at : nullptr;
      case 4:
        if (key == "type") return &type;
        if (key == "case") return &case_id;
        if (key == "step") return &step;
        return nullptr;
      case 6:
        if (key == "policy") return &policy;
        if (key == "reason") return &reason;
        return nullptr;
      case 7:
        return key == "variant" ? &variant : nullptr;
      default:
        return nullptr;
    }
  }
};

constexpr std::string_view works_not_object = "works must be an object {meter_dn, pipe_m, crossings}";
constexpr std::string_view bad_meter_dn = "works.meter_dn must be a positive integer (DN, mm)";
constexpr std::string_view bad_pipe_m = "works.pipe_m must be a number of metres >= 0";
constexpr std::string_view bad_crossings = "works.crossings must be an array of strings";
constexpr std::string_view works_incomplete = "works needs meter_dn and pipe_m";

std::string unknown_works_field(std::string_view key) {
  return fmt::format("unknown field 'works.{}' (expected meter_dn, pipe_m, crossings)", key);
}

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

// "2026-09-28T10:00:00+08:00" or "2026-09-28T10:00:00Z", the form hosts write and this library
// prints: false for any other text, which parse_instant reads (or refuses, with its message).
bool parse_plain_instant(std::string_view s, instant& out) noexcept {
  if (s.size() != 25 && s.size() != 20) return false;
  const auto digits = [&](std::size_t at, std::size_t n, int& v) {
    v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      v = v * 10 + (s[i] - '0');
    }
    return true;
  };
  const auto two = [&](std::size_t at, int& v) { return digits(at, 2, v); };
  int y = 0, mo = 0, d = 0;  // as try_parse_civil_day
  if (!digits(0, 4, y) || s[4] != '-' || !two(5, mo) || s[7] != '-' || !two(8, d)) return false;
  const year_month_day day{year{y}, month{static_cast<unsigned>(mo)}, std::chrono::day{static_cast<unsigned>(d)}};
  if (!day.ok()) return false;
  int h = 0, m = 0, sec = 0;
  if (s[10] != 'T' || s[13] != ':' || s[16] != ':' || !two(11, h) || !two(14, m) || !two(17, sec)) return false;
  if (h > 23 || m > 59 || sec > 59) return false;
  seconds offset{0};
  if (s.size() == 20) {
    if (s[19] != 'Z') return false;
  } else {
    int oh = 0, om = 0;
    if ((s[19] != '+' && s[19] != '-') || s[22] != ':' || !two(20, oh) || !two(23, om)) return false;
    if (oh > 14 || om > 59 || (oh == 14 && om > 0)) return false;  // as parse_instant: ±14:00 at most
    offset = hours{oh} + minutes{om};
    if (s[19] == '-') offset = -offset;
  }
  out = instant{sys_days{day}} + hours{h} + minutes{m} + seconds{sec} - offset;
  return true;
}

// The rules over the fields of a well-formed line, in the order parse_command has always checked
// them (so a line with several faults names the same one).
bool build_command(const command_fields& f, command& c, std::string& why) {
  const auto string_field = [&](const text_field& t, std::string_view name, bool required) {
    if (!t.present) {
      if (required) why = fmt::format("missing field '{}'", name);
      return !required;
    }
    if (t.kind != json_kind::string) {
      why = fmt::format("{} must be a string, not {}", name, name_of(t.kind));
      return false;
    }
    return true;
  };
  if (!f.duplicate.empty()) {
    why = fmt::format("duplicate key '{}'", f.duplicate);
    return false;
  }
  if (!string_field(f.type, "type", true)) return false;
  const auto kind = parse_command_kind(f.type.text);
  if (!kind) {
    why = fmt::format("unknown type '{}' (expected open, start, pause, resume, complete, cancel, tick)", f.type.text);
    return false;
  }
  if (!string_field(f.at, "at", true)) return false;
  instant at{};
  if (!parse_plain_instant(f.at.text, at)) {
    try {
      at = parse_instant(f.at.text);
    } catch (const error& e) {
      why = e.what();
      return false;
    }
  }
  c.kind = *kind;
  c.at = at;
  c.case_id.clear();
  c.step.clear();
  c.policy.clear();
  c.variant.clear();
  c.reason.clear();
  c.works.reset();
  if (c.kind == command_kind::tick) return true;
  if (!string_field(f.case_id, "case", true)) return false;
  if (f.case_id.text.empty()) {
    why = "case is empty";
    return false;
  }
  c.case_id.assign(f.case_id.text);
  switch (c.kind) {
    case command_kind::open:
      if (!string_field(f.policy, "policy", true) || !string_field(f.variant, "variant", false)) return false;
      c.policy.assign(f.policy.text);
      c.variant.assign(f.variant.text);
      if (f.has_works) {
        if (!f.works_error.empty()) {
          why = f.works_error;
          return false;
        }
        c.works = f.works;
      }
      break;
    case command_kind::cancel:
      if (!string_field(f.reason, "reason", false)) return false;
      c.reason.assign(f.reason.text);
      break;
    default:
      if (!string_field(f.step, "step", true) || !string_field(f.reason, "reason", false)) return false;
      c.step.assign(f.step.text);
      c.reason.assign(f.reason.text);
      break;
  }
  return true;
}

// --- the nlohmann reader -------------------------------------------------------------------------

json_kind kind_of(const json& j) noexcept {
  switch (j.type()) {
    case json::value_t::boolean:
      return json_kind::boolean;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return json_kind::number;
    case json::value_t::string:
      return json_kind::string;
    case json::value_t::array:
      return json_kind::array;
    case json::value_t::object:
      return json_kind::object;
    default:
      return json_kind::null;
  }
}

// nlohmann's messages start "[json.exception.parse_error.101] parse error at line 1, column 5: ".
std::string_view short_what(std::string_view w) {
  if (auto p = w.find("] "); p != std::string_view::npos) w.remove_prefix(p + 2);
  return w;
}

void read_works_dom(const json& j, command_fields& f) {
  f.has_works = true;
  if (!j.is_object()) {
    f.works_error = works_not_object;
    return;
  }
  for (const auto& [key, value] : j.items()) {  // in key order: the first fault is the smallest key's
    if (key == "meter_dn") {
      if (!value.is_number_integer() || value.get<std::int64_t>() <= 0 || value.get<std::int64_t>() > 10000) {
        f.works_error = bad_meter_dn;
        return;
      }
      f.works.meter_dn = value.get<std::int32_t>();
    } else if (key == "pipe_m") {
      if (!value.is_number() || value.get<double>() < 0) {
        f.works_error = bad_pipe_m;
        return;
      }
      f.works.pipe_m = value.get<double>();
    } else if (key == "crossings") {
      if (!value.is_array()) {
        f.works_error = bad_crossings;
        return;
      }
      for (const auto& x : value) {
        if (!x.is_string()) {
          f.works_error = bad_crossings;
          return;
        }
        f.works.crossings.push_back(x.get<std::string>());
      }
    } else {
      f.works_error = unknown_works_field(key);
      return;
    }
  }
  if (!j.contains("meter_dn") || !j.contains("pipe_m")) f.works_error = works_incomplete;
}

// --- the simdjson reader -------------------------------------------------------------------------

// Deeper than this, a value is left to the nlohmann reader (which has no limit): the checks below
// recurse.
constexpr int max_depth = 256;

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

struct detail::command_reader::impl {
  od::parser parser;
  std::string copy;  // an unpadded line, copied with padding
  command_fields fields;
  key_set keys, works_keys;
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
    od::json_type t{};
    if (v.type().get(t) != simdjson::SUCCESS) return false;
    f.present = true;
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

  // Reads a line into `fields`; false when simdjson does not take it as one JSON object.
  bool read(simdjson::padded_string_view line) {
    fields.clear();
    keys.clear();
    od::document doc;
    if (parser.iterate(line).get(doc) != simdjson::SUCCESS) return false;
    od::object o;
    if (doc.get_object().get(o) != simdjson::SUCCESS) return false;
    for (auto member : o) {
      od::field field;
      std::string_view key;
      if (std::move(member).get(field) != simdjson::SUCCESS || field.unescaped_key().get(key) != simdjson::SUCCESS)
        return false;
      // A known key repeats when its field is already there; others are looked up among their like.
      if (text_field* t = fields.text(key)) {
        if (t->present && fields.duplicate.empty()) fields.duplicate = key;
        if (!read_text(field.value(), *t)) return false;
      } else if (key == "works") {
        if (fields.has_works && fields.duplicate.empty()) fields.duplicate = key;
        if (!read_works(field.value())) return false;
      } else {
        if (!keys.insert(key) && fields.duplicate.empty()) fields.duplicate = key;
        if (!skim(field.value(), 1)) return false;
      }
    }
    // Nothing may follow the object: its raw text then ends where the line does.
    std::string_view raw;
    if (doc.raw_json().get(raw) != simdjson::SUCCESS) return false;
    return raw.data() + raw.size() == line.data() + line.size();
  }
};

detail::command_reader::command_reader() : p_(std::make_unique<impl>()) {
  // Room for ordinary lines up front; a longer line grows it.
  if (p_->parser.allocate(std::size_t{1} << 16) != simdjson::SUCCESS) throw std::bad_alloc();
}

detail::command_reader::~command_reader() = default;

std::size_t detail::command_reader::fallbacks() const noexcept { return p_->fallbacks; }

bool detail::command_reader::read(std::string_view line, bool padded, command& c, std::string& why) {
  const char* data = line.data();
  if (!padded) {
    p_->copy.assign(line);
    p_->copy.append(line_padding, ' ');
    data = p_->copy.data();
  }
  if (p_->read(simdjson::padded_string_view(data, line.size(), line.size() + line_padding))) {
    return build_command(p_->fields, c, why);
  }
  ++p_->fallbacks;
  return read_command_dom(line, c, why);
}

bool detail::read_command_dom(std::string_view line, command& c, std::string& why) {
  // The first repeated key of the command object or of its works object, found as keys are read.
  struct level {
    bool checked;
    std::unordered_set<std::string> keys;
  };
  std::vector<level> levels;
  std::string top_key;
  command_fields f;
  const auto callback = [&](int /*depth*/, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
        levels.push_back({levels.empty() || (levels.size() == 1 && levels[0].checked && top_key == "works"), {}});
        break;
      case json::parse_event_t::array_start:
        levels.push_back({false, {}});
        break;
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        levels.pop_back();
        break;
      case json::parse_event_t::key: {
        const auto& key = parsed.get_ref<const std::string&>();
        if (levels.size() == 1) top_key = key;
        if (levels.back().checked && !levels.back().keys.insert(key).second && f.duplicate.empty())
          f.duplicate = levels.size() == 1 ? key : "works." + key;
        break;
      }
      case json::parse_event_t::value:
        break;
    }
    return true;
  };
  json j;
  try {
    j = json::parse(line, callback);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number past a double
    why = fmt::format("malformed JSON ({})", short_what(e.what()));
    return false;
  }
  // nlohmann stops at a NUL byte as at the end of the text: what follows it was never read.
  if (const auto nul = line.find('\0'); nul != std::string_view::npos) {
    why = fmt::format("malformed JSON (NUL byte at column {})", nul + 1);
    return false;
  }
  if (!j.is_object()) {
    why = "a command must be a JSON object";
    return false;
  }
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (text_field* t = f.text(it.key())) {
      t->present = true;
      t->kind = kind_of(*it);
      if (it->is_string()) t->text = it->get_ref<const std::string&>();
    } else if (it.key() == "works") {
      read_works_dom(*it, f);
    }
  }
  return build_command(f, c, why);
}

// --- lines ---------------------------------------------------------------------------------------

detail::line_reader::line_reader(std::istream& in, std::size_t block)
    : in_(&in), buf_(new char[block + line_padding]()), capacity_(block) {}

detail::line_reader::~line_reader() = default;

std::optional<std::string_view> detail::line_reader::next() {
  std::size_t searched = begin_;  // no '\n' in buf_[begin_, searched)
  for (;;) {
    if (const void* nl = std::memchr(buf_.get() + searched, '\n', end_ - searched)) {
      const std::size_t at = static_cast<std::size_t>(static_cast<const char*>(nl) - buf_.get());
      const std::string_view line(buf_.get() + begin_, at - begin_);
      begin_ = at + 1;
      return line;
    }
    if (eof_) {
      if (begin_ == end_) return std::nullopt;
      const std::string_view line(buf_.get() + begin_, end_ - begin_);
      begin_ = end_;
      return line;
    }
    // Keep the partial line, make room (a line longer than the buffer doubles it) and read on.
    const std::size_t kept = end_ - begin_;
    if (kept == capacity_) {
      std::unique_ptr<char[]> bigger(new char[2 * capacity_ + line_padding]());
      std::memcpy(bigger.get(), buf_.get() + begin_, kept);
      buf_ = std::move(bigger);
      capacity_ *= 2;
    } else if (begin_ > 0) {
      std::memmove(buf_.get(), buf_.get() + begin_, kept);
    }
    begin_ = 0;
    end_ = kept;
    searched = kept;
    in_->read(buf_.get() + end_, static_cast<std::streamsize>(capacity_ - end_));
    const auto got = in_->gcount();
    if (got <= 0) {
      eof_ = true;
    } else {
      end_ += static_cast<std::size_t>(got);
    }
  }
}

// --- events --------------------------------------------------------------------------------------

// Writes events as to_json has always written them, nlohmann's ordered_json dumped with
// ensure_ascii off and error_handler_t::replace, straight into a buffer it keeps: each event is
// written in place through a pointer, into room reserved for its longest form.
class detail::event_writer {
 public:
  explicit event_writer(utc_offset offset) : offset_(offset) {}

  fmt::memory_buffer& buffer() noexcept { return buf_; }

  // Appends `e` and, with `newline`, a '\n'.
  void append(const event& e, bool newline) {
    const std::size_t at = buf_.size();
    buf_.resize(at + bound(e));
    char* const end = write(buf_.data() + at, e);
    if (newline) *end = '\n';
    buf_.resize(static_cast<std::size_t>(end - buf_.data()) + (newline ? 1 : 0));
  }

 private:
  // A JSON string is at most 6 bytes per byte of text (a control character as \u00xx; an
  // ill-formed byte becomes U+FFFD, 3) and its quotes; the rest of an event, with three instants
  // at up to 50 bytes each and three integers, stays below 512. Past that, room for an instant's
  // whole cache entry, which is copied as a block.
  static std::size_t bound(const event& e) noexcept {
    return 512 + sizeof(cached::text) +
           6 * (e.case_id.size() + e.step.size() + e.level.size() + e.detail.size() + e.code.size());
  }

  static char* copy(char* p, std::string_view s) noexcept {
    std::memcpy(p, s.data(), s.size());
    return p + s.size();
  }

  static char* integer(char* p, std::int64_t v) { return fmt::format_to(p, FMT_COMPILE("{}"), v); }

  // What a byte needs in a JSON string: 0 nothing, 1 an escape, 2 a check that the text is UTF-8.
  static constexpr std::array<std::uint8_t, 256> byte_class = [] {
    std::array<std::uint8_t, 256> t{};
    for (std::size_t c = 0; c < 0x20; ++c) t[c] = 1;
    t['"'] = t['\\'] = 1;
    for (std::size_t c = 0x80; c < 0x100; ++c) t[c] = 2;
    return t;
  }();

  // `s` as a JSON string: ", \ and the control characters escaped (\b \f \n \r \t, else \u00xx),
  // everything else as it is. Text that is not valid UTF-8 goes through nlohmann, whose
  // replacement of each ill-formed sequence by U+FFFD is the reference.
  static char* string(char* p, std::string_view s) {
    char* const start = p;
    *p++ = '"';
    // Eight bytes at a time while none needs a look: no control character, quote, backslash or
    // byte of a multi-byte sequence (the usual ASCII ids and names). The last block overlaps the
    // one before it, so that a text of 8 bytes or more needs no byte-by-byte tail.
    std::size_t i = 0;  // s[0, i) is written, unchanged, to [start + 1, p)
    if (s.size() >= 8) {
      constexpr std::uint64_t ones = 0x0101010101010101ULL;
      constexpr std::uint64_t highs = 0x8080808080808080ULL;
      const auto zero_byte = [&](std::uint64_t x) { return (x - ones) & ~x & highs; };
      while (i < s.size()) {
        const std::size_t at = std::min(i, s.size() - 8);
        std::uint64_t w = 0;
        std::memcpy(&w, s.data() + at, 8);
        if (((w | zero_byte(w & 0x6060606060606060ULL)) & highs) != 0 ||  // >= 0x80, or < 0x20
            zero_byte(w ^ (ones * '"')) != 0 || zero_byte(w ^ (ones * '\\')) != 0)
          break;
        std::memcpy(p - (i - at), &w, 8);
        p += at + 8 - i;
        i = at + 8;
      }
    }
    bool utf8_checked = false;
    for (const char ch : s.substr(i)) {
      const auto c = static_cast<unsigned char>(ch);
      switch (byte_class[c]) {
        case 0:
          *p++ = ch;
          continue;
        case 2:
          if (!utf8_checked) {
            if (!simdjson::validate_utf8(s.data(), s.size())) {
              return copy(start, json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace));
            }
            utf8_checked = true;
          }
          *p++ = ch;
          continue;
        default:
          break;
      }
      *p++ = '\\';
      switch (c) {
        case '"':
          *p++ = '"';
          break;
        case '\\':
          *p++ = '\\';
          break;
        case '\b':
          *p++ = 'b';
          break;
        case '\f':
          *p++ = 'f';
          break;
        case '\n':
          *p++ = 'n';
          break;
        case '\r':
          *p++ = 'r';
          break;
        case '\t':
          *p++ = 't';
          break;
        default: {
          constexpr std::string_view hex = "0123456789abcdef";
          *p++ = 'u';
          *p++ = '0';
          *p++ = '0';
          *p++ = hex[c >> 4];
          *p++ = hex[c & 15];
          break;
        }
      }
    }
    *p++ = '"';
    return p;
  }

  // format_instant(t, offset_), quoted. A command's events mostly share their instants: the last
  // few are kept.
  char* instant_text(char* p, instant t) {
    const cached* hit = nullptr;
    for (const cached& c : cache_)
      if (c.size != 0 && c.t == t) hit = &c;
    if (hit == nullptr) {
      cached& c = cache_[next_];
      next_ = (next_ + 1) % cache_.size();
      c.t = t;
      c.size = static_cast<std::uint8_t>(format(c.text.data(), t) - c.text.data());
      hit = &c;
    }
    std::memcpy(p, hit->text.data(), sizeof hit->text);  // one fixed-size block: cheaper than the exact length
    return p + hit->size;
  }

  char* format(char* p, instant t) const {
    const auto local = t + offset_;
    constexpr sys_seconds first{sys_days{year{0} / January / 1}};
    constexpr sys_seconds past{sys_days{year{10000} / January / 1}};
    *p++ = '"';
    if (offset_ % 60 != seconds{0} || offset_ < -hours{24} || offset_ > hours{24} || local < first || local >= past) {
      p = copy(p, format_instant(t, offset_));  // "<n> s from 1970-01-01T00:00:00Z", or an odd offset
    } else {
      const auto day = floor<days>(local);
      const year_month_day ymd{day};
      const auto in_day = (local - day).count();
      const auto off = offset_.count() / 60;
      const auto abs_off = off < 0 ? -off : off;
      const auto two = [&](long v) {
        *p++ = static_cast<char>('0' + v / 10);
        *p++ = static_cast<char>('0' + v % 10);
      };
      const int y = static_cast<int>(ymd.year());
      two(y / 100);
      two(y % 100);
      *p++ = '-';
      two(static_cast<unsigned>(ymd.month()));
      *p++ = '-';
      two(static_cast<unsigned>(ymd.day()));
      *p++ = 'T';
      two(in_day / 3600);
      *p++ = ':';
      two(in_day / 60 % 60);
      *p++ = ':';
      two(in_day % 60);
      *p++ = off < 0 ? '-' : '+';
      two(abs_off / 60);
      *p++ = ':';
      two(abs_off % 60);
    }
    *p++ = '"';
    return p;
  }

  // The keys in the order ordered_json kept them.
  char* write(char* p, const event& e) {
    p = copy(p, R"({"type":)");
    p = string(p, to_string(e.kind));
    p = copy(p, R"(,"case":)");
    p = string(p, e.case_id);
    if (!e.step.empty()) {
      p = copy(p, R"(,"step":)");
      p = string(p, e.step);
    }
    if (!e.level.empty()) {
      p = copy(p, R"(,"level":)");
      p = string(p, e.level);
    }
    p = copy(p, R"(,"at":)");
    p = instant_text(p, e.at);
    if (e.due) {
      p = copy(p, R"(,"due":)");
      p = instant_text(p, *e.due);
    }
    if (e.previous_due) {
      p = copy(p, R"(,"previous_due":)");
      p = instant_text(p, *e.previous_due);
    }
    if (e.on_time) p = copy(p, *e.on_time ? R"(,"on_time":true)" : R"(,"on_time":false)");
    if (e.elapsed) p = integer(copy(p, R"(,"elapsed_s":)"), e.elapsed->count());
    if (e.remaining) p = integer(copy(p, R"(,"remaining_s":)"), e.remaining->count());
    if (e.due) p = copy(p, e.provisional ? R"(,"provisional":true)" : R"(,"provisional":false)");
    if (e.kind == event_kind::rejected) {
      p = integer(copy(p, R"(,"line":)"), e.line);
      p = string(copy(p, R"(,"code":)"), e.code);
      p = string(copy(p, R"(,"reason":)"), e.detail);
    } else if (!e.detail.empty()) {
      p = copy(p, e.kind == event_kind::case_opened ? R"(,"variant":)" : R"(,"detail":)");
      p = string(p, e.detail);
    }
    *p++ = '}';
    return p;
  }

  struct cached {
    instant t{};
    std::uint8_t size = 0;  // 0: empty
    std::array<char, 64> text{};
  };

  utc_offset offset_;
  fmt::memory_buffer buf_;
  std::array<cached, 4> cache_{};
  std::size_t next_ = 0;
};

namespace {

// Buffered output is written once it reaches this size.
constexpr std::size_t flush_at = std::size_t{1} << 16;

}  // namespace

command parse_command(std::string_view line, const std::string& source, std::int64_t line_no) {
  thread_local detail::command_reader reader;
  command c;
  std::string why;
  if (!reader.read(line, false, c, why)) throw parse_error(source, static_cast<int>(line_no), why);
  return c;
}

std::string to_json(const event& e, utc_offset offset) {
  detail::event_writer writer(offset);
  writer.append(e, false);
  return fmt::to_string(writer.buffer());
}

jsonl_sink::jsonl_sink(std::ostream& out, utc_offset offset)
    : out_(&out), writer_(std::make_unique<detail::event_writer>(offset)) {}

jsonl_sink::~jsonl_sink() {
  try {
    flush();
  } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw; flush() first to see errors
  }
}

void jsonl_sink::write_out() {
  fmt::memory_buffer& buf = writer_->buffer();
  if (buf.size() == 0) return;
  out_->write(buf.data(), static_cast<std::streamsize>(buf.size()));
  buf.clear();
}

void jsonl_sink::flush() {
  write_out();
  out_->flush();
}

void jsonl_sink::on_event(const event& e) { on_events(std::span<const event>(&e, 1)); }

void jsonl_sink::on_events(std::span<const event> batch) {
  // Earlier lines go out first, so that a stream that throws does so before this batch is taken.
  if (writer_->buffer().size() >= flush_at) write_out();
  const std::size_t before = writer_->buffer().size();
  try {
    for (const event& e : batch) writer_->append(e, true);
  } catch (...) {  // all or nothing: a batch the sink could not take leaves no part behind
    writer_->buffer().resize(before);
    throw;
  }
}

// Rejected events carry the line number: their reasons name no source. Commands go to the engine
// in runs of up to `run` (engine::apply over a span, which prefetches the cases of the commands
// ahead); a malformed line ends a run, so that events and rejections keep the input's order.
replay_stats replay(std::istream& in, const std::string& /*source*/, engine& e, event_sink& sink,
                    std::int64_t lines_before) {
  constexpr std::size_t run = 64;
  e.set_sink(sink);
  replay_stats stats;
  detail::line_reader lines(in);
  detail::command_reader reader;
  std::vector<command> batch(run);  // reused: the commands' strings keep their room
  std::array<std::int64_t, run> batch_lines{};
  std::size_t size = 0;
  std::string why;
  std::int64_t line = lines_before;
  auto reject = [&](const command* cmd, std::int64_t at_line, instant at, reject_code code, std::string_view reason) {
    ++stats.rejected;
    event r;
    r.kind = event_kind::rejected;
    r.at = at;
    if (cmd) r.case_id = cmd->case_id;
    r.line = at_line;
    r.code = to_string(code);
    r.detail = reason;
    sink.on_event(r);
  };
  const auto apply_batch = [&] {
    const std::span<const command> commands(batch.data(), size);
    size = 0;
    e.apply(commands, [&](std::size_t i, const outcome& o) {
      switch (o.result) {
        case outcome::status::accepted:
          ++stats.accepted;
          break;
        case outcome::status::duplicate:
          ++stats.duplicates;
          break;
        case outcome::status::rejected:
          reject(&commands[i], batch_lines[i], o.at, o.code, o.reason);
          break;
      }
    });
  };
  while (const auto text = lines.next()) {
    ++line;
    if (text->find_first_not_of(" \t\r") == std::string_view::npos) continue;
    ++stats.lines;
    if (!reader.read(*text, true, batch[size], why)) {
      apply_batch();
      reject(nullptr, line, e.now(), reject_code::malformed, why);  // the event carries the line itself
      continue;
    }
    batch_lines[size++] = line;
    if (size == run) apply_batch();
  }
  apply_batch();
  return stats;
}

}  // namespace dueday
