// snapshot_reader: snapshot text read piece by piece. A scanner that knows only JSON's strings and
// brackets finds where the top object's `cases` array begins; the text before it (plus "]}") is read
// as a snapshot with no cases; then each element of the array is cut out and read alone, with the
// path, depth, line and column it has in the whole text, so that its refusals name the places
// parse_snapshot_json names. Text that never reaches `cases` is read whole by parse_snapshot_json.
//
// Speed: a case of version 3 or 4 in exactly the writer's form and whole in the piece at hand (or cut
// out whole across pieces) is read straight into a case_record by detail::canonical_case_reader
// (snapshot_canonical.cpp), which accepts only text the tree reader gives the same record for;
// anything else goes the way above, which then also names what is wrong.
#include <fmt/format.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "detail/snapshot_canonical.hpp"
#include "detail/snapshot_fields.hpp"
#include "detail/snapshot_json.hpp"
#include "detail/utf8.hpp"
#include "dueday/error.hpp"
#include "dueday/snapshot.hpp"

namespace dueday {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

struct snapshot_reader::impl {
  enum class phase : std::uint8_t { header, between, value, trailer, done };
  // Between the cases: what may come next.
  enum class expect : std::uint8_t { value_or_end, value, comma_or_end };

  phase at = phase::header;
  expect next = expect::value_or_end;
  std::string buf;  // the header, then the value being cut out
  engine_state state;
  std::int64_t version = 0;
  // Where the cases go: into state.cases, or (for a snapshot_restorer) one at a time to on_case,
  // after the header to on_header.
  std::function<void(const engine_state&)> on_header;
  std::function<void(const case_record&)> on_case;
  std::size_t cases_read = 0;
  case_record scratch;  // the case being read, its storage reused from case to case
  detail::canonical_case_reader canonical;
  // Where the scanner is in the whole text.
  std::size_t offset = 0;      // bytes read
  std::size_t line = 0;        // newlines read
  std::size_t line_start = 0;  // offset of the byte after the last newline
  // JSON structure in the header, and inside a value being cut out.
  std::string brackets;  // open '{' and '[' (the header's; a value's count only)
  std::size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  std::string token;    // the last string at the top object's level, raw
  std::string key;      // the key of the top object's member being read
  bool scalar = false;  // the value being cut out is a number or literal
  // Where the value being cut out starts.
  detail::snapshot_json::text_origin origin;

  // At the byte being read (or at the end of input), counting columns as nlohmann does.
  [[noreturn]] void refuse_here(std::string_view what) const {
    const std::size_t column = offset - line_start + 1;
    throw error(fmt::format("not a valid snapshot: line {}, column {}: {}", line + 1, column, what));
  }

  // A string's bytes: true when c ended it.
  bool string_byte(char c) {
    if (escaped) {
      escaped = false;
    } else if (c == '\\') {
      escaped = true;
    } else if (c == '"') {
      in_string = false;
      return true;
    }
    return false;
  }

  void header_byte(char c) {
    buf.push_back(c);
    const bool top = brackets == "{";
    if (in_string) {
      if (!string_byte(c) && top) token.push_back(c);  // raw: a key written with escapes is not `cases`
      return;
    }
    switch (c) {
      case '"':
        in_string = true;
        token.clear();
        break;
      case ':':
        if (top) key = token;
        break;
      case ',':
        if (top) key.clear();
        break;
      case '[':
        if (top && key == "cases") return begin_cases();
        brackets.push_back(c);
        break;
      case '{':
        brackets.push_back(c);
        break;
      case ']':
      case '}':
        if (!brackets.empty()) brackets.pop_back();
        break;
      default:
        break;
    }
  }

  // The header is complete: read it as a snapshot with no cases.
  void begin_cases() {
    buf += "]}";
    const auto root = detail::snapshot_json::parse(buf, detail::snapshot_max_depth);
    state = detail::read_snapshot_header(root, version);
    buf = std::string();
    at = phase::between;
    if (on_header) on_header(state);
  }

  void take(case_record& r) {
    ++cases_read;
    if (on_case) return on_case(r);
    state.cases.push_back(std::move(r));
  }

  // The case in `text` read by canonical_case into `scratch`: the bytes taken, or 0.
  std::size_t read_canonical(std::string_view text) {
    if (version < detail::snapshot_units_version) return 0;
    scratch.clocks.clear();
    scratch.transitions.clear();
    return canonical.read(text, scratch, version);
  }

  void between_byte(char c) {
    if (is_space(c)) return;
    if (c == ',' && next == expect::comma_or_end) {
      next = expect::value;
    } else if (c == ']' && next != expect::value) {
      at = phase::trailer;
    } else if (next != expect::comma_or_end && c != ',' && c != ']' && c != '}' && c != ':') {
      origin = {fmt::format("cases[{}]", cases_read), 2, line, offset - line_start};
      at = phase::value;
      depth = 0;
      scalar = c != '{' && c != '[' && c != '"';
      value_byte(c);
    } else {
      const std::string after = next == expect::value_or_end ? std::string("'['")
                                : next == expect::value      ? std::string("','")
                                                             : fmt::format("cases[{}]", cases_read - 1);
      refuse_here(
          fmt::format("syntax error in cases: unexpected '{}' after {}", escape(std::string_view(&c, 1)), after));
    }
  }

  // A byte of the value being cut out; reads the value once it is whole.
  void value_byte(char c) {
    buf.push_back(c);
    if (in_string) {
      if (string_byte(c) && depth == 0) end_value();
      return;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
      if (depth + origin.depth > detail::snapshot_max_depth) end_value();  // parse refuses it, at its place
    } else if (c == '}' || c == ']') {
      if (depth > 0 && --depth == 0) end_value();
    }
  }

  // A value cut out whole (or cut short where it nests too deep); a case in the writer's form, as
  // one cut by a piece's end, is read as feed() reads the others.
  void end_value() {
    if (!buf.empty() && buf[0] == '{' && read_canonical(buf) == buf.size()) {
      take(scratch);
    } else {
      const auto n = detail::snapshot_json::parse(buf, detail::snapshot_max_depth, origin);
      case_record r = detail::read_snapshot_case(n, origin.path, version);
      take(r);
    }
    buf.clear();
    at = phase::between;
    next = expect::comma_or_end;
  }

  void trailer_byte(char c) {
    if (is_space(c)) return;
    if (at == phase::trailer && c == '}') {
      at = phase::done;
      return;
    }
    refuse_here(at == phase::trailer ? fmt::format("unexpected '{}' after cases (a snapshot ends with them)",
                                                   escape(std::string_view(&c, 1)))
                                     : "syntax error: unexpected text after the snapshot; expected end of input");
  }

  void feed(std::string_view piece) {
    for (std::size_t i = 0; i < piece.size(); ++i) {
      const char c = piece[i];
      if (at == phase::between && c == '{' && next != expect::comma_or_end) {
        if (const std::size_t n = read_canonical(piece.substr(i))) {  // no newline in it
          take(scratch);
          next = expect::comma_or_end;
          offset += n;
          i += n - 1;
          continue;
        }
      }
      if (at == phase::value && scalar && !in_string && (is_space(c) || c == ',' || c == ']' || c == '}')) {
        end_value();  // a number or literal ends at the byte after it
      }
      switch (at) {
        case phase::header:
          header_byte(c);
          break;
        case phase::between:
          between_byte(c);
          break;
        case phase::value:
          value_byte(c);
          break;
        case phase::trailer:
        case phase::done:
          trailer_byte(c);
          break;
      }
      ++offset;
      if (c == '\n') ++line, line_start = offset;
    }
  }

  engine_state finish() {
    switch (at) {
      case phase::header: {  // never reached `cases`: refused as the whole text is
        state = parse_snapshot_json(buf);
        if (!on_case) return std::move(state);
        std::vector<case_record> cases = std::move(state.cases);
        on_header(state);
        for (case_record& r : cases) take(r);
        return std::move(state);
      }
      case phase::value:
        if (!scalar) (void)detail::snapshot_json::parse(buf, detail::snapshot_max_depth, origin);  // refuses
        refuse_here("syntax error while parsing array - unexpected end of input; expected ']'");
      case phase::between:
        // The words nlohmann's parser gives at the same place.
        refuse_here(
            next == expect::comma_or_end
                ? "syntax error while parsing array - unexpected end of input; expected ']'"
                : "syntax error while parsing value - unexpected end of input; expected '[', '{', or a literal");
      case phase::trailer:
        refuse_here("syntax error while parsing object - unexpected end of input; expected '}'");
      case phase::done:
        break;
    }
    return std::move(state);
  }
};

snapshot_reader::snapshot_reader() : p_(std::make_unique<impl>()) {}
snapshot_reader::snapshot_reader(snapshot_reader&&) noexcept = default;
snapshot_reader& snapshot_reader::operator=(snapshot_reader&&) noexcept = default;
snapshot_reader::~snapshot_reader() = default;

void snapshot_reader::feed(std::string_view piece) { p_->feed(piece); }
engine_state snapshot_reader::finish() { return p_->finish(); }

}  // namespace dueday

namespace dueday {

struct snapshot_restorer::impl {
  impl(calendar c, policy_set p, event_sink& s, engine_options o)
      : cal(std::move(c)), policies(std::move(p)), sink(&s), options(o) {
    reader.p_->on_header = [this](const engine_state& header) {
      checked([&] { loader.emplace(header, cal, policies, *sink, options); });
    };
    reader.p_->on_case = [this](const case_record& r) { checked([&] { loader->add(r); }); };
  }

  // Runs a check of the state unless one refused already; holds its refusal for finish(), which
  // names any fault in the text first, as parse_snapshot_json before from_state does.
  template <class F>
  void checked(const F& f) {
    if (refused) return;
    try {
      f();
    } catch (const error&) {
      refused = std::current_exception();
    }
  }

  snapshot_reader reader;
  calendar cal;
  policy_set policies;
  event_sink* sink;
  engine_options options;
  std::optional<engine::loader> loader;
  std::exception_ptr refused;
};

snapshot_restorer::snapshot_restorer(calendar cal, policy_set policies, event_sink& sink, engine_options options)
    : p_(std::make_unique<impl>(std::move(cal), std::move(policies), sink, options)) {}
snapshot_restorer::snapshot_restorer(snapshot_restorer&&) noexcept = default;
snapshot_restorer& snapshot_restorer::operator=(snapshot_restorer&&) noexcept = default;
snapshot_restorer::~snapshot_restorer() = default;

void snapshot_restorer::feed(std::string_view piece) { p_->reader.feed(piece); }

engine snapshot_restorer::finish() {
  (void)p_->reader.finish();
  if (p_->refused) std::rethrow_exception(p_->refused);
  return p_->loader->finish();
}

}  // namespace dueday
