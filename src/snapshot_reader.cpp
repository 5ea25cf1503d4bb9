// snapshot_reader: snapshot text read piece by piece. A scanner that knows only JSON's strings and
// brackets finds where the top object's `cases` array begins; the text before it (plus "]}") is read
// as a snapshot with no cases; then each element of the array is cut out and read alone, with the
// path, depth, line and column it has in the whole text, so that its refusals name the places
// parse_snapshot_json names. Text that never reaches `cases` is read whole by parse_snapshot_json.
//
// Speed: a case of version 3 written exactly as the writer writes it (its keys in order, no
// space, strings without escapes, instants at +08:00 in years 1900..2999) and whole in the piece
// at hand is read straight into a case_record by canonical_case, which accepts only text the tree
// reader gives the same record for; anything else, or a case cut by a piece's end, goes the way
// above, which then also names what is wrong.
#include <fmt/format.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>

#include "detail/snapshot_fields.hpp"
#include "detail/snapshot_json.hpp"
#include "detail/utf8.hpp"
#include "dueday/error.hpp"
#include "dueday/snapshot.hpp"

namespace dueday {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// A case in exactly the writer's form (see the top of this file), read without a tree: read()
// gives the bytes it took, or 0 when the text is anything else (then nothing is to be trusted in
// the record, and the tree reader takes the case).
class canonical_case {
 public:
  explicit canonical_case(std::string_view text) : begin_(text.data()), p_(text.data()), end_(p_ + text.size()) {}

  std::size_t read(case_record& r) {
    std::uint64_t district = 0;
    std::string status;
    if (!lit(R"({"id":)") || !str(r.id) || !lit(R"(,"policy":)") || !str(r.policy) || !lit(R"(,"variant":)") ||
        !str(r.variant) || !lit(R"(,"status":)") || !str(status) || !case_status_of(status, r.status) ||
        !lit(R"(,"opened":)") || !time(r.opened) || !lit(R"(,"closed":)"))
      return 0;
    if (r.status == case_status::open ? !lit("null") : !time(r.closed)) return 0;
    if (r.status == case_status::open) r.closed = instant{};
    if (!lit(R"(,"clocks":[)")) return 0;
    for (bool first = true; !lit("]"); first = false) {
      if ((!first && !lit(",")) || !clock(r.clocks.emplace_back())) return 0;
    }
    if (!lit(R"(,"transitions":[)")) return 0;
    for (bool first = true; !lit("]"); first = false) {
      if (!first && !lit(",")) return 0;
      transition_record& t = r.transitions.emplace_back();
      std::uint64_t step = 0;
      if (!lit(R"({"step":)") || !number(255, step) || !lit(R"(,"pause":)") || !boolean(t.pause) || !lit(R"(,"at":)") ||
          !time(t.at) || !lit("}"))
        return 0;
      t.step = static_cast<std::uint8_t>(step);
    }
    if (!lit(R"(,"district":)") || !number(0xffffffff, district) || !lit("}")) return 0;
    r.district = static_cast<std::uint32_t>(district);
    return static_cast<std::size_t>(p_ - begin_);
  }

 private:
  bool clock(clock_record& c) {
    std::string state;
    std::uint64_t elapsed = 0, fired = 0, unit = 0;
    step_timer::raw& t = c.timer;
    if (!lit(R"({"state":)") || !str(state) || !timer_state_of(state, t.state) || !lit(R"(,"first_count":)") ||
        !time(t.first_count) || !lit(R"(,"run_from":)") || !time(t.run_from) || !lit(R"(,"mark":)") || !time(t.mark) ||
        !lit(R"(,"due":)") || !time(t.due) || !lit(R"(,"elapsed":)") ||
        !number(static_cast<std::uint64_t>(detail::snapshot_max_elapsed), elapsed) || !lit(R"(,"provisional":)") ||
        !boolean(t.provisional) || !lit(R"(,"overran":)") || !boolean(t.overran) || !lit(R"(,"commanded":)"))
      return false;
    if (!lit("null")) {
      instant at{};
      if (!time(at)) return false;
      c.commanded = at;
    }
    if (!lit(R"(,"waiting":)") || !boolean(c.waiting) || !lit(R"(,"completed":)") || !boolean(c.completed) ||
        !lit(R"(,"fired":)") || !number(255, fired) || !lit(R"(,"unit":)") || !number(0xffffffff, unit) || !lit("}"))
      return false;
    t.elapsed = working_time{static_cast<std::int64_t>(elapsed)};
    c.fired = static_cast<std::uint8_t>(fired);
    c.unit = static_cast<std::uint32_t>(unit);
    return true;
  }

  static bool case_status_of(std::string_view s, case_status& out) {
    for (const case_status c : detail::snapshot_case_statuses)
      if (s == to_string(c)) return out = c, true;
    return false;
  }
  static bool timer_state_of(std::string_view s, step_timer::status& out) {
    for (std::size_t k = 0; k < detail::snapshot_timer_states.size(); ++k)
      if (s == detail::snapshot_timer_states[k]) return out = static_cast<step_timer::status>(k), true;
    return false;
  }

  bool lit(std::string_view s) {
    if (static_cast<std::size_t>(end_ - p_) < s.size() || std::memcmp(p_, s.data(), s.size()) != 0) return false;
    p_ += s.size();
    return true;
  }
  // A string with no escape or control character, UTF-8.
  bool str(std::string& out) {
    if (p_ == end_ || *p_ != '"') return false;
    const char* const b = ++p_;
    while (p_ != end_ && *p_ != '"') {
      if (*p_ == '\\' || static_cast<unsigned char>(*p_) < 0x20) return false;
      ++p_;
    }
    if (p_ == end_) return false;
    out.assign(b, p_++);
    return detail::is_utf8(out);
  }
  bool boolean(bool& b) { return lit("true") ? (b = true) : lit("false") ? !(b = false) : false; }
  // A whole number in 0..most, as JSON writes it (no leading zero), followed by what is not a
  // digit, '.', 'e' or 'E' (those would make it another number).
  bool number(std::uint64_t most, std::uint64_t& v) {
    const char* const b = p_;
    v = 0;
    while (p_ != end_ && *p_ >= '0' && *p_ <= '9' && p_ - b < 19) v = v * 10 + static_cast<std::uint64_t>(*p_++ - '0');
    if (p_ == b || (*b == '0' && p_ - b > 1) || v > most) return false;
    return p_ != end_ && *p_ != '.' && *p_ != 'e' && *p_ != 'E' && (*p_ < '0' || *p_ > '9');
  }
  // "YYYY-MM-DDTHH:MM:SS+08:00", a real date and time in the years 1900..2999.
  bool time(instant& t) {
    using namespace std::chrono;
    constexpr std::string_view form = "\"dddd-dd-ddTdd:dd:dd+08:00\"";
    if (static_cast<std::size_t>(end_ - p_) < form.size()) return false;
    int d[14];
    int n = 0;
    for (std::size_t i = 0; i < form.size(); ++i) {
      if (form[i] == 'd') {
        if (p_[i] < '0' || p_[i] > '9') return false;
        d[n++] = p_[i] - '0';
      } else if (p_[i] != form[i]) {
        return false;
      }
    }
    const int y = d[0] * 1000 + d[1] * 100 + d[2] * 10 + d[3];
    const auto two = [&](int k) { return d[k] * 10 + d[k + 1]; };
    const year_month_day ymd{year{y}, month{static_cast<unsigned>(two(4))}, day{static_cast<unsigned>(two(6))}};
    if (y < 1900 || y > 2999 || !ymd.ok() || two(8) > 23 || two(10) > 59 || two(12) > 59) return false;
    t = instant{sys_days{ymd}} + hours{two(8)} + minutes{two(10)} + seconds{two(12)} - hours{8};
    p_ += form.size();
    return true;
  }

  const char* begin_;
  const char* p_;
  const char* end_;
};

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
  }

  void between_byte(char c) {
    if (is_space(c)) return;
    if (c == ',' && next == expect::comma_or_end) {
      next = expect::value;
    } else if (c == ']' && next != expect::value) {
      at = phase::trailer;
    } else if (next != expect::comma_or_end && c != ',' && c != ']' && c != '}' && c != ':') {
      origin = {fmt::format("cases[{}]", state.cases.size()), 2, line, offset - line_start};
      at = phase::value;
      depth = 0;
      scalar = c != '{' && c != '[' && c != '"';
      value_byte(c);
    } else {
      const std::string after = next == expect::value_or_end ? std::string("'['")
                                : next == expect::value      ? std::string("','")
                                                             : fmt::format("cases[{}]", state.cases.size() - 1);
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

  void end_value() {
    const auto n = detail::snapshot_json::parse(buf, detail::snapshot_max_depth, origin);
    state.cases.push_back(detail::read_snapshot_case(n, origin.path, version));
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
      if (at == phase::between && c == '{' && next != expect::comma_or_end &&
          version == detail::snapshot_format_version) {
        case_record r;
        if (const std::size_t n = canonical_case(piece.substr(i)).read(r)) {  // no newline in it
          state.cases.push_back(std::move(r));
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
      case phase::header:
        return parse_snapshot_json(buf);  // never reached `cases`: refused as the whole text is
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
