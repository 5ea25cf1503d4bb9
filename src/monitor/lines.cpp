// The monitor's JSON Lines (lines.hpp).
#include "lines.hpp"

#include <fmt/format.h>
#include <dueday/io.hpp>
#include <nlohmann/json.hpp>

#include <iterator>

namespace dueday::monitor {

std::string json_text(std::string_view s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void append_outcome_line(std::string& out, std::int64_t line, std::string_view id, const dueday::outcome* o,
                         std::string_view malformed) {
  out += fmt::format("{{\"line\":{}", line);
  if (!id.empty()) out += fmt::format(",\"id\":{}", json_text(id));
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
  const auto one_line = [](const std::string& t) { return t.find_first_of("\r\n") == std::string::npos; };
  const bool key_ok = !e.key.empty() && e.key.front() == '[' && one_line(e.key) && nlohmann::json::accept(e.key);
  const bool event_ok =
      e.json.size() >= 2 && e.json.front() == '{' && one_line(e.json) && nlohmann::json::accept(e.json);
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
