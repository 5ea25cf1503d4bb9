// The monitor's JSON Lines (lines.hpp).
#include "lines.hpp"

#include <fmt/format.h>
#include <simdjson.h>
#include <dueday/io.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <iterator>

namespace dueday::monitor {

namespace {

// Whether `text` is one JSON value, all of it checked, UTF-8 included. simdjson's DOM parser
// rather than nlohmann's accept(): the same verdict on what a store holds at several times the
// speed, and every event a consumer reads goes through it twice (key and event).
bool valid_json(const std::string& text) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  return parser.parse(text).get(doc) == simdjson::SUCCESS;
}

}  // namespace

std::string json_text(std::string_view s) {
  // Printable ASCII without a quote or backslash is its own JSON text (most ids and names); the
  // rest goes through nlohmann (escapes, invalid UTF-8 replaced).
  if (std::all_of(s.begin(), s.end(), [](char ch) { return ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\'; })) {
    std::string out;
    out.reserve(s.size() + 2);
    out += '"';
    out += s;
    out += '"';
    return out;
  }
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void append_outcome_line(std::string& out, std::int64_t line, std::string_view id, const dueday::outcome* o,
                         std::string_view malformed) {
  fmt::format_to(std::back_inserter(out), "{{\"line\":{}", line);
  if (!id.empty()) {
    out += ",\"id\":";
    out += json_text(id);
  }
  if (o == nullptr || o->rejected()) {
    const std::string_view code = o ? dueday::to_string(o->code) : "malformed";
    out += fmt::format(",\"outcome\":\"rejected\",\"code\":\"{}\",\"reason\":{}}}\n", code,
                       json_text(o ? std::string_view(o->reason) : malformed));
  } else {
    out += o->result == dueday::outcome::status::duplicate ? ",\"outcome\":\"duplicate\"}\n"
                                                           : ",\"outcome\":\"accepted\"}\n";
  }
}

std::string tick_line(dueday::instant at, dueday::utc_offset offset, const dueday::outcome& o, std::uint64_t events) {
  std::string out = fmt::format("{{\"at\":\"{}\",\"outcome\":", dueday::format_instant(at, offset));
  if (o.rejected()) {
    out += fmt::format("\"rejected\",\"code\":\"{}\",\"reason\":{}", dueday::to_string(o.code), json_text(o.reason));
  } else {
    out += o.result == dueday::outcome::status::duplicate ? "\"duplicate\"" : "\"accepted\"";
  }
  out += fmt::format(",\"events\":{}}}\n", events);
  return out;
}

void append_event_line(std::string& out, const dueday::outbox_event& e, std::string_view store) {
  // Two memchr rather than find_first_of("\r\n"), which calls memchr once a character.
  const auto one_line = [](const std::string& t) {
    return t.find('\n') == std::string::npos && t.find('\r') == std::string::npos;
  };
  const bool key_ok = !e.key.empty() && e.key.front() == '[' && one_line(e.key) && valid_json(e.key);
  const bool event_ok = e.json.size() >= 2 && e.json.front() == '{' && one_line(e.json) && valid_json(e.json);
  if (!key_ok || !event_ok) {
    throw dueday::store_error(fmt::format("store {}: outbox event {}: the {} is not a JSON {}", store, e.sequence,
                                          key_ok ? "event" : "key", key_ok ? "object" : "array"));
  }
  fmt::format_to(std::back_inserter(out), "{{\"seq\":{},\"key\":{}", e.sequence, e.key);
  const std::string_view rest = std::string_view(e.json).substr(1);  // after the '{'
  if (rest[rest.find_first_not_of(" \t\r\n")] != '}') out += ',';    // a valid object: found
  out += rest;
  out += '\n';
}

}  // namespace dueday::monitor
