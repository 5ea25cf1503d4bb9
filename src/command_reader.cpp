// command_reader: a command line read with simdjson's On Demand API, one parser reused for every
// line and no DOM (see detail/command_json.hpp). A line it refuses goes to read_command_dom.
#include "detail/command_json.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <istream>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "detail/command_fields.hpp"

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

namespace {

// Blocks up to this size go through iterate_many, whose parser takes about 6 bytes per byte of its
// batch; a longer one (a line of megabytes) is read line by line, as such a line always was.
constexpr std::size_t max_streamed_block = std::size_t{1} << 22;

}  // namespace

struct command_lines::impl {
  impl(std::istream& in, std::size_t block_size) : lines(in, block_size) {
#ifdef SIMDJSON_THREADS_ENABLED  // as Debian's simdjson target defines it
    // One core: a stage 1 thread would only start for a stream longer than its batch, which the
    // batch size below rules out; this says so.
    stream_parser.threaded = false;
#endif
  }

  line_reader lines;
  command_reader reader;     // lines one by one, and the members of every document
  od::parser stream_parser;  // its own: a line read alone must not end the block's stage 1
  od::document_stream docs;  // over `block`
  od::document_stream::iterator next_doc;
  std::string_view block;       // whole lines from lines.block()
  std::size_t pos = 0;          // block[0, pos) is read
  bool streaming = false;       // block[pos, ...) is read from `docs`
  bool first_document = false;  // next_doc is the block's first document
  std::int64_t line = 0;
  std::size_t streamed = 0;

  // The end of the line that starts at `from` in block: its '\n', or the block's end.
  [[nodiscard]] std::size_t line_end(std::size_t from) const noexcept {
    return std::min(block.find('\n', from), block.size());
  }

  bool start_stream() {
    if (block.size() > max_streamed_block) return false;
    // One batch for the whole block, so that stage 1 runs once; its size a power of two, at least
    // 64 KB, since a batch size that changes reallocates the parser: the 1 MB blocks of a long
    // stream keep one room, and a short stream does not take megabytes (the parser takes about 6
    // bytes per byte of its batch).
    const std::size_t batch = std::bit_ceil(std::max(block.size(), std::size_t{1} << 16));
    if (stream_parser.iterate_many(block.data(), block.size(), batch).get(docs) != simdjson::SUCCESS) return false;
    next_doc = docs.begin();  // runs stage 1; a fault it finds is the first document's error
    first_document = true;
    // Stage 1 cuts off an unbalanced document at the end of a stream (truncated_bytes()): after
    // '{...}"x":1}' it keeps the object and drops the rest, so that nothing would seem to follow
    // the object on its line. Such a block is read line by line.
    return docs.truncated_bytes() == 0;
  }

  // The line at `pos` read from the next document, when that document is one object on a line of
  // its own (blank lines before it are passed); nullopt when it is not, or when no document is
  // left: then pos is unchanged but for blank lines passed, and that line and the rest of the
  // block are read one by one.
  std::optional<status> from_stream(command& c, std::string& why, std::string* id) {
    if (!(next_doc != docs.end())) return std::nullopt;
    od::document_reference doc;
    if ((*next_doc).get(doc) != simdjson::SUCCESS) return std::nullopt;
    // Where the document starts. current_index() gives the batch's start for the first document,
    // whatever spaces or blank lines come before it: there, its first token.
    std::size_t start = next_doc.current_index();
    if (first_document) {
      std::string_view token;
      if (doc.raw_json_token().get(token) != simdjson::SUCCESS) return std::nullopt;
      start = static_cast<std::size_t>(token.data() - block.data());
      first_document = false;
    }
    if (start < pos || start >= block.size()) return std::nullopt;
    std::size_t end = line_end(pos);
    while (end <= start) {  // a line before the document's: blank, as JSON has no token there
      if (!blank_line(block.substr(pos, end - pos))) return std::nullopt;
      ++line;
      pos = end + 1;
      end = line_end(pos);
    }
    od::object o;
    if (doc.get_object().get(o) != simdjson::SUCCESS || !reader.p_->read_members(o)) return std::nullopt;
    // The object's raw text runs to the next document's first byte (or the block's end) through
    // the spaces after it: its last byte must be on this line and the next document past it.
    std::string_view raw;
    if (doc.raw_json().get(raw) != simdjson::SUCCESS) return std::nullopt;
    const char* const first = block.data() + start;
    const char* const next = raw.data() + raw.size();
    if (raw.data() != first || next > block.data() + block.size() || next < block.data() + end) return std::nullopt;
    const char* last = next;  // one past the object's closing brace
    while (last > first && (last[-1] == ' ' || last[-1] == '\t' || last[-1] == '\r' || last[-1] == '\n')) --last;
    if (last > block.data() + end) return std::nullopt;
    const bool ok = build_command(reader.p_->fields, c, why, id);  // copies what it keeps: the document can go
    ++next_doc;
    ++line;
    pos = std::min(end + 1, block.size());
    ++streamed;
    return ok ? status::command : status::refused;
  }
};

command_lines::command_lines(std::istream& in, std::size_t block) : p_(std::make_unique<impl>(in, block)) {}

command_lines::~command_lines() = default;

std::int64_t command_lines::line() const noexcept { return p_->line; }

std::size_t command_lines::streamed() const noexcept { return p_->streamed; }

command_lines::status command_lines::next(command& c, std::string& why, std::string* id) {
  impl& s = *p_;
  for (;;) {
    if (s.pos == s.block.size()) {
      s.block = s.lines.block();
      s.pos = 0;
      if (s.block.empty()) return status::end;
      s.streaming = s.start_stream();
    }
    if (s.streaming) {
      if (const std::optional<status> got = s.from_stream(c, why, id)) return *got;
      s.streaming = false;
      continue;  // blank lines passed may have ended the block
    }
    const std::size_t end = s.line_end(s.pos);
    const std::string_view text = s.block.substr(s.pos, end - s.pos);
    s.pos = std::min(end + 1, s.block.size());
    ++s.line;
    if (blank_line(text)) continue;
    return s.reader.read(text, true, c, why, id) ? status::command : status::refused;
  }
}

}  // namespace dueday::detail
