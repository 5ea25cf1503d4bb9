#include "dueday/jsonl.hpp"

#include <fmt/format.h>

#include <istream>
#include <nlohmann/json.hpp>
#include <ostream>

#include "dueday/io.hpp"

namespace dueday {

using nlohmann::json;

namespace {

class command_reader {
 public:
  command_reader(const std::string& source, std::int64_t line) : source_(source), line_(line) {}

  command read(std::string_view text) const {
    json j;
    try {
      j = json::parse(text);
    } catch (const json::parse_error& e) {
      fail(fmt::format("malformed JSON ({})", short_what(e.what())));
    }
    if (!j.is_object()) fail("a command must be a JSON object");
    command c;
    const std::string type = string(j, "type", true);
    const auto kind = parse_command_kind(type);
    if (!kind)
      fail(fmt::format("unknown type '{}' (expected open, start, pause, resume, complete, cancel, tick)", type));
    c.kind = *kind;
    const std::string at = string(j, "at", true);
    try {
      c.at = parse_instant(at);
    } catch (const error& e) {
      fail(e.what());
    }
    if (c.kind == command_kind::tick) return c;
    c.case_id = string(j, "case", true);
    if (c.case_id.empty()) fail("case is empty");
    switch (c.kind) {
      case command_kind::open:
        c.policy = string(j, "policy", true);
        c.variant = string(j, "variant", false);
        if (auto w = j.find("works"); w != j.end()) c.works = works(*w);
        break;
      case command_kind::cancel:
        c.reason = string(j, "reason", false);
        break;
      default:
        c.step = string(j, "step", true);
        c.reason = string(j, "reason", false);
        break;
    }
    return c;
  }

 private:
  [[noreturn]] void fail(std::string_view why) const { throw parse_error(source_, static_cast<int>(line_), why); }

  // nlohmann's messages start "[json.exception.parse_error.101] parse error at line 1, column 5: ".
  static std::string_view short_what(std::string_view w) {
    if (auto p = w.find("] "); p != std::string_view::npos) w.remove_prefix(p + 2);
    return w;
  }

  std::string string(const json& j, const char* field, bool required) const {
    auto it = j.find(field);
    if (it == j.end()) {
      if (required) fail(fmt::format("missing field '{}'", field));
      return {};
    }
    if (!it->is_string()) fail(fmt::format("{} must be a string, not {}", field, it->type_name()));
    return it->get<std::string>();
  }

  dueday::works works(const json& j) const {
    if (!j.is_object()) fail("works must be an object {meter_dn, pipe_m, crossings}");
    dueday::works w;
    for (const auto& [key, value] : j.items()) {
      if (key == "meter_dn") {
        if (!value.is_number_integer() || value.get<std::int64_t>() <= 0 || value.get<std::int64_t>() > 10000)
          fail("works.meter_dn must be a positive integer (DN, mm)");
        w.meter_dn = value.get<std::int32_t>();
      } else if (key == "pipe_m") {
        if (!value.is_number() || value.get<double>() < 0) fail("works.pipe_m must be a number of metres >= 0");
        w.pipe_m = value.get<double>();
      } else if (key == "crossings") {
        if (!value.is_array()) fail("works.crossings must be an array of strings");
        for (const auto& x : value) {
          if (!x.is_string()) fail("works.crossings must be an array of strings");
          w.crossings.push_back(x.get<std::string>());
        }
      } else {
        fail(fmt::format("unknown field 'works.{}' (expected meter_dn, pipe_m, crossings)", key));
      }
    }
    if (!j.contains("meter_dn") || !j.contains("pipe_m")) fail("works needs meter_dn and pipe_m");
    return w;
  }

  const std::string& source_;
  std::int64_t line_;
};

}  // namespace

command parse_command(std::string_view line, const std::string& source, std::int64_t line_no) {
  return command_reader(source, line_no).read(line);
}

std::string to_json(const event& e, utc_offset offset) {
  nlohmann::ordered_json j;
  const auto iso = [&](instant t) { return format_instant(t, offset); };
  j["type"] = to_string(e.kind);
  j["case"] = e.case_id;
  if (!e.step.empty()) j["step"] = e.step;
  if (!e.level.empty()) j["level"] = e.level;
  j["at"] = iso(e.at);
  if (e.due) j["due"] = iso(*e.due);
  if (e.previous_due) j["previous_due"] = iso(*e.previous_due);
  if (e.on_time) j["on_time"] = *e.on_time;
  if (e.elapsed) j["elapsed_s"] = e.elapsed->count();
  if (e.remaining) j["remaining_s"] = e.remaining->count();
  if (e.due) j["provisional"] = e.provisional;
  if (!e.detail.empty()) j[e.kind == event_kind::case_opened ? "variant" : "detail"] = e.detail;
  if (e.kind == event_kind::rejected) {
    j["line"] = e.line;
    j["code"] = e.code;
    j["reason"] = e.detail;
    j.erase("detail");
  }
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

void jsonl_sink::on_event(const event& e) { *out_ << to_json(e, offset_) << '\n'; }

replay_stats replay(std::istream& in, const std::string& source, engine& e, event_sink& sink,
                    std::int64_t lines_before) {
  e.set_sink(sink);
  replay_stats stats;
  std::string text;
  std::int64_t line = lines_before;
  auto reject = [&](const command* c, instant at, reject_code code, std::string reason) {
    ++stats.rejected;
    event r;
    r.kind = event_kind::rejected;
    r.at = at;
    if (c) r.case_id = c->case_id;
    r.line = line;
    r.code = to_string(code);
    r.detail = std::move(reason);
    sink.on_event(r);
  };
  while (std::getline(in, text)) {
    ++line;
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    ++stats.lines;
    command c;
    try {
      c = parse_command(text, source, line);
    } catch (const parse_error& err) {
      reject(nullptr, e.now(), reject_code::malformed, err.message());  // the event carries the line itself
      continue;
    }
    const outcome o = e.apply(c);
    switch (o.result) {
      case outcome::status::accepted:
        ++stats.accepted;
        break;
      case outcome::status::duplicate:
        ++stats.duplicates;
        break;
      case outcome::status::rejected:
        reject(&c, o.at, o.code, o.reason);
        break;
    }
  }
  return stats;
}

}  // namespace dueday
