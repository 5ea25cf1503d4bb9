// read_events (jsonl.hpp): an events file read back, line by line, with simdjson's On Demand API
// over the block line reader the command replay uses (detail/command_json.hpp).
#include <fmt/format.h>
#include <simdjson.h>

#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "detail/command_json.hpp"
#include "dueday/error.hpp"
#include "dueday/io.hpp"
#include "dueday/jsonl.hpp"

namespace dueday {

namespace {

namespace od = simdjson::ondemand;

// A line refused: the message after "<source>:<line>: ".
struct bad_line {
  std::string why;
};

std::string text(od::value v, std::string_view key) {
  std::string_view s;
  if (v.get_string().get(s) != simdjson::SUCCESS) throw bad_line{fmt::format("{} must be a string", key)};
  return std::string(s);
}

instant instant_of(od::value v, std::string_view key) {
  const std::string s = text(v, key);
  try {
    return parse_instant(s);
  } catch (const error& e) {
    throw bad_line{fmt::format("{}: {}", key, e.what())};
  }
}

std::int64_t integer(od::value v, std::string_view key) {
  std::int64_t n = 0;
  if (v.get_int64().get(n) != simdjson::SUCCESS) throw bad_line{fmt::format("{} must be an integer", key)};
  return n;
}

bool boolean(od::value v, std::string_view key) {
  bool b = false;
  if (v.get_bool().get(b) != simdjson::SUCCESS) throw bad_line{fmt::format("{} must be true or false", key)};
  return b;
}

// One event line (padded by line_padding bytes). Unknown keys are skipped.
event read_line(od::parser& parser, std::string_view line) {
  od::document doc;
  od::object o;
  // nlohmann's message says where the line goes wrong; simdjson's when nlohmann takes it.
  const auto malformed = [&](simdjson::error_code code) {
    std::string why = detail::json_syntax_problem(line);
    return bad_line{why.empty() ? fmt::format("malformed JSON ({})", simdjson::error_message(code)) : std::move(why)};
  };
  if (auto code = parser.iterate(line.data(), line.size(), line.size() + detail::line_padding).get(doc)) {
    throw malformed(code);
  }
  if (auto code = doc.get_object().get(o)) throw malformed(code);
  event e;
  bool has_type = false, has_case = false, has_at = false;
  for (auto member : o) {
    od::field field;
    std::string_view key;
    if (auto code = std::move(member).get(field)) throw malformed(code);
    if (auto code = field.unescaped_key().get(key)) throw malformed(code);
    od::value v = field.value();
    if (key == "type") {
      const std::string t = text(v, key);
      const auto k = parse_event_kind(t);
      if (!k) throw bad_line{fmt::format("unknown event type {}", quote(t))};
      e.kind = *k;
      has_type = true;
    } else if (key == "case") {
      e.case_id = text(v, key);
      has_case = true;
    } else if (key == "at") {
      e.at = instant_of(v, key);
      has_at = true;
    } else if (key == "step") {
      e.step = text(v, key);
    } else if (key == "level") {
      e.level = text(v, key);
    } else if (key == "due") {
      e.due = instant_of(v, key);
    } else if (key == "previous_due") {
      e.previous_due = instant_of(v, key);
    } else if (key == "on_time") {
      e.on_time = boolean(v, key);
    } else if (key == "elapsed_s") {
      e.elapsed = working_time{integer(v, key)};
    } else if (key == "remaining_s") {
      e.remaining = working_time{integer(v, key)};
    } else if (key == "provisional") {
      e.provisional = boolean(v, key);
    } else if (key == "line") {
      e.line = integer(v, key);
    } else if (key == "code") {
      e.code = text(v, key);
    } else if (key == "variant" || key == "detail" || key == "reason") {
      e.detail = text(v, key);
    } else if (key == "unit") {
      e.unit = text(v, key);
    } else if (key == "district") {
      e.district = text(v, key);
    } else if (key == "policy") {
      e.policy = text(v, key);
    }
  }
  std::string_view raw;  // nothing may follow the object
  if (auto code = doc.raw_json().get(raw)) throw malformed(code);
  if (raw.data() + raw.size() != line.data() + line.size()) throw bad_line{"text after the JSON object"};
  if (!has_type) throw bad_line{"missing field 'type'"};
  if (!has_case) throw bad_line{"missing field 'case'"};
  if (!has_at) throw bad_line{"missing field 'at'"};
  return e;
}

}  // namespace

std::vector<event> read_events(std::istream& in, const std::string& source) {
  detail::line_reader lines(in);
  od::parser parser;
  std::vector<event> events;
  std::int64_t n = 0;
  while (const auto line = lines.next()) {
    ++n;
    std::string_view l = *line;
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    if (detail::blank_line(l)) continue;
    try {
      events.push_back(read_line(parser, l));
    } catch (const bad_line& b) {
      throw parse_error(source, static_cast<int>(n), b.why);
    }
  }
  if (in.bad()) throw parse_error(source, 0, "read error");
  return events;
}

}  // namespace dueday
