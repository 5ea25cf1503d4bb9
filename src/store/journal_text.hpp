// The journal's lines and the outbox's events and keys, written in place for durable_engine.cpp
// (store.hpp). Private to src/store.
//
// Speed: the journal lines, the events and their keys are written straight into buffers by
// text_writer (the event writer's pieces), byte for byte what nlohmann's ordered_json gave;
// command_line and key_json below are that reference, and serve the commands the writer does not
// take on.
#pragma once

#include <algorithm>
#include <cassert>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "detail/event_writer.hpp"
#include "detail/utf8.hpp"
#include "dueday/engine.hpp"
#include "dueday/event.hpp"
#include "dueday/format.hpp"
#include "dueday/jsonl.hpp"

namespace dueday::detail {

using nlohmann::ordered_json;

// The command as one JSON line that parse_command reads back as the same command.
inline std::string command_line(const command& c) {
  ordered_json j = ordered_json::object();
  j["type"] = to_string(c.kind);
  if (c.kind != command_kind::tick) j["case"] = c.case_id;
  j["at"] = format_instant(c.at, beijing_offset);
  switch (c.kind) {
    case command_kind::open:
      j["policy"] = c.policy;
      if (c.works) {
        j["works"] = {{"meter_dn", c.works->meter_dn}, {"pipe_m", c.works->pipe_m}, {"crossings", c.works->crossings}};
      } else {
        j["variant"] = c.variant;
      }
      if (!c.district.empty()) j["district"] = c.district;
      if (!c.units.empty()) {
        ordered_json units = ordered_json::object();
        for (const auto& [step, unit] : c.units) units[step] = unit;
        j["units"] = std::move(units);
      }
      break;
    case command_kind::start:
    case command_kind::pause:
    case command_kind::resume:
    case command_kind::complete:
      j["step"] = c.step;
      if (!c.reason.empty()) j["reason"] = c.reason;
      if (!c.unit.empty()) j["unit"] = c.unit;
      break;
    case command_kind::cancel:
      if (!c.reason.empty()) j["reason"] = c.reason;
      break;
    case command_kind::tick:
      break;
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::strict);
}

// The idempotency key with nlohmann (see store.hpp) of an event raised as the `ordinal`-th event
// (1, 2, ...) of the command at `position`: the reference text_writer::key follows.
[[maybe_unused]] inline std::string key_json(const event& e, std::string_view calendar_fingerprint,
                                             std::uint64_t position, std::uint64_t ordinal) {
  ordered_json k = ordered_json::array();
  k.push_back(e.case_id);
  k.push_back(e.step);
  k.push_back(to_string(e.kind));
  k.push_back(e.level);
  if (e.due) {
    k.push_back(format_instant(*e.due, beijing_offset));
  } else {
    k.push_back(nullptr);
  }
  k.push_back(calendar_fingerprint);
  k.push_back(format_instant(e.at, beijing_offset));
  k.push_back(position);
  k.push_back(ordinal);
  return k.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Journal lines, events and keys written in place (see the top of this file). One per
// durable_engine: it keeps the event writer's buffer and its cache of instants.
class text_writer {
 public:
  // command_line(c), when every string of c is UTF-8 and its units name no step twice (what
  // ordered_json would fold into one member); else false, and command_line is the reference.
  bool command_text(const command& c, std::string& out) {
    if (!takes(c)) return false;
    std::size_t room = 256 + detail::event_writer::instant_room +
                       6 * (c.case_id.size() + c.step.size() + c.policy.size() + c.variant.size() + c.reason.size() +
                            c.district.size() + c.unit.size());
    for (const auto& [step, unit] : c.units) room += 8 + 6 * (step.size() + unit.size());
    std::string pipe;
    if (c.works) {
      pipe = ordered_json(c.works->pipe_m).dump();  // nlohmann's own form of a double
      room += pipe.size();
      for (const std::string& x : c.works->crossings) room += 8 + 6 * x.size();
    }
    scratch_.resize(room);
    char* p = scratch_.data();
    p = lit(p, R"({"type":)");
    p = str(p, to_string(c.kind));
    if (c.kind != command_kind::tick) p = str(lit(p, R"(,"case":)"), c.case_id);
    p = w_.instant_text(lit(p, R"(,"at":)"), c.at);
    switch (c.kind) {
      case command_kind::open:
        p = str(lit(p, R"(,"policy":)"), c.policy);
        if (c.works) {
          p = detail::event_writer::integer(lit(p, R"(,"works":{"meter_dn":)"), c.works->meter_dn);
          p = lit(lit(lit(p, R"(,"pipe_m":)"), pipe), R"(,"crossings":[)");
          for (std::size_t i = 0; i < c.works->crossings.size(); ++i) {
            if (i > 0) *p++ = ',';
            p = str(p, c.works->crossings[i]);
          }
          p = lit(p, "]}");
        } else {
          p = str(lit(p, R"(,"variant":)"), c.variant);
        }
        if (!c.district.empty()) p = str(lit(p, R"(,"district":)"), c.district);
        if (!c.units.empty()) {
          p = lit(p, R"(,"units":{)");
          for (std::size_t i = 0; i < c.units.size(); ++i) {
            if (i > 0) *p++ = ',';
            p = str(lit(str(p, c.units[i].first), ":"), c.units[i].second);
          }
          *p++ = '}';
        }
        break;
      case command_kind::start:
      case command_kind::pause:
      case command_kind::resume:
      case command_kind::complete:
        p = str(lit(p, R"(,"step":)"), c.step);
        if (!c.reason.empty()) p = str(lit(p, R"(,"reason":)"), c.reason);
        if (!c.unit.empty()) p = str(lit(p, R"(,"unit":)"), c.unit);
        break;
      case command_kind::cancel:
        if (!c.reason.empty()) p = str(lit(p, R"(,"reason":)"), c.reason);
        break;
      case command_kind::tick:
        break;
    }
    *p++ = '}';
    out.assign(scratch_.data(), p);  // exactly its size: journal lines are held a batch at a time
    assert(out == command_line(c));  // every command of every test, in the builds with asserts
    return true;
  }

  // key_json(e, fingerprint, position, ordinal), byte for byte (the event writer's strings replace
  // what is not UTF-8 as nlohmann does).
  void key(const event& e, std::string_view fingerprint, std::uint64_t position, std::uint64_t ordinal,
           std::string& out) {
    scratch_.resize(128 + 2 * detail::event_writer::instant_room + 2 * max_digits +
                    6 * (e.case_id.size() + e.step.size() + e.level.size() + fingerprint.size()));
    char* p = scratch_.data();
    *p++ = '[';
    p = str(p, e.case_id);
    p = str(lit(p, ","), e.step);
    p = str(lit(p, ","), to_string(e.kind));
    p = str(lit(p, ","), e.level);
    p = e.due ? w_.instant_text(lit(p, ","), *e.due) : lit(p, ",null");
    p = str(lit(p, ","), fingerprint);
    p = w_.instant_text(lit(p, ","), e.at);
    p = number(lit(p, ","), position);
    p = number(lit(p, ","), ordinal);
    *p++ = ']';
    out.assign(scratch_.data(), p);  // in the room `out` has from earlier batches
    assert(out == key_json(e, fingerprint, position, ordinal));
  }

  // to_json(e).
  void event_json(const event& e, std::string& out) {
    w_.buffer().clear();
    w_.append(e, false);
    out.assign(w_.buffer().data(), w_.buffer().size());
  }

 private:
  static bool takes(const command& c) {
    const auto ok = [](const std::string& s) { return detail::is_utf8(s); };
    if (!ok(c.case_id) || !ok(c.step) || !ok(c.policy) || !ok(c.variant) || !ok(c.reason) || !ok(c.district) ||
        !ok(c.unit))
      return false;
    if (c.works && !std::all_of(c.works->crossings.begin(), c.works->crossings.end(), ok)) return false;
    for (std::size_t i = 0; i < c.units.size(); ++i) {
      if (!ok(c.units[i].first) || !ok(c.units[i].second)) return false;
      for (std::size_t k = 0; k < i; ++k)
        if (c.units[k].first == c.units[i].first) return false;
    }
    return true;
  }
  static char* lit(char* p, std::string_view s) noexcept {
    std::memcpy(p, s.data(), s.size());
    return p + s.size();
  }
  char* str(char* p, std::string_view s) { return w_.string(p, s); }
  static constexpr std::size_t max_digits = 20;  // of a std::uint64_t
  static char* number(char* p, std::uint64_t v) noexcept { return std::to_chars(p, p + max_digits, v).ptr; }

  detail::event_writer w_{beijing_offset};
  std::string scratch_;  // room for the longest form, written in place
};

// Whether the line command_text wrote for `c` certainly reads back as `c`, judged without reading
// it (reading it back was a sixth of a durable command's instructions): what command_text takes
// is UTF-8 with no step twice in the units; then each name is within the readers' limits, the
// units are in the order the readers put them (by step), no field is written that the readers
// ignore for the command's type (a `unit` on a pause, say), the instant lies in the years
// 2000-2099 and there are no works (the readers check their numbers). A sufficient condition only:
// when false, journal_line reads the line back. In builds with asserts every command it passes is
// read back as well.
inline bool plainly_reads_back(const command& c) {
  constexpr instant from{std::chrono::sys_days{std::chrono::year{2000} / 1 / 1}};
  constexpr instant until{std::chrono::sys_days{std::chrono::year{2100} / 1 / 1}};
  if (c.at < from || c.at >= until) return false;
  if (c.kind == command_kind::tick) return true;
  if (c.case_id.empty()) return false;
  const auto name = [](const std::string& s) { return !s.empty() && s.size() <= max_unit_name; };
  switch (c.kind) {
    case command_kind::open:
      if (c.works || (!c.district.empty() && !name(c.district))) return false;
      for (std::size_t i = 0; i < c.units.size(); ++i) {
        if (c.units[i].first.empty() || !name(c.units[i].second)) return false;
        if (i > 0 && !(c.units[i - 1].first < c.units[i].first)) return false;
      }
      return true;
    case command_kind::start:
      return c.unit.empty() || name(c.unit);
    case command_kind::pause:
    case command_kind::resume:
    case command_kind::complete:
      return c.unit.empty();
    case command_kind::cancel:
    case command_kind::tick:
      return true;
  }
  return false;
}

// The line of a command into `line`, when it reads back as that command; else false with `why`
// (a command no input line could give, e.g. text that is not UTF-8: replay refuses such a line).
// `again` is room for the check.
inline bool journal_line(text_writer& w, const command& c, std::string& line, std::string& again, std::string& why) {
  const auto read_back = [&] {
    const command back = parse_command(line, "command", 1);
    if (!w.command_text(back, again)) again = command_line(back);
    return again == line;
  };
  try {
    if (w.command_text(c, line)) {
      if (plainly_reads_back(c)) {
        [[maybe_unused]] const auto reads_back = [&]() noexcept {
          try {
            return read_back();
          } catch (...) {
            return false;
          }
        };
        assert(reads_back());  // every command of every test, in the builds with asserts
        return true;
      }
    } else {
      line = command_line(c);
    }
    if (!read_back()) {
      why = "the command does not read back as itself from its JSON line";
      return false;
    }
    return true;
  } catch (const std::exception& e) {  // nlohmann's on bad UTF-8, parse_error from the reader
    why = e.what();
    return false;
  }
}

}  // namespace dueday::detail
