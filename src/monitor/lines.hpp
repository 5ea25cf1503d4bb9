// The JSON Lines the monitor writes for its feeders and consumers, one form wherever they are read:
// `dueday run` and POST /v1/commands answer each command with an outcome line, `dueday tick` and
// POST /v1/tick a tick line, `dueday events` and GET /v1/events give each stored event as an event
// line.
//
//   {"line":12,"id":"c-12","outcome":"accepted"}
//   {"line":14,"outcome":"rejected","code":"unknown_case","reason":"no case 'KM-9'"}
//   {"at":"2026-10-12T09:00:00+08:00","outcome":"accepted","events":3}
//   {"seq":12,"key":[...],"type":"warning","case":"KM-1",...}
//
// Not part of the installed library: the monitor's own code, shared by the CLI and the service.
#pragma once

#include <dueday/engine.hpp>
#include <dueday/store.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace dueday::monitor {

// `s` as a JSON string; text that is not UTF-8 gets U+FFFD in its place.
[[nodiscard]] std::string json_text(std::string_view s);

// Appends the outcome line of the command read from input line `line` (with its id, "" for none)
// and a newline. `o` is the engine's outcome, or nullptr for a line that is no command: then
// `malformed` says why, and the line is `rejected` with code `malformed`.
void append_outcome_line(std::string& out, std::int64_t line, std::string_view id, const dueday::outcome* o,
                         std::string_view malformed = {});

// The line of a tick at `at` (written at `offset`) and its outcome, `events` being how many it
// raised, with a newline.
[[nodiscard]] std::string tick_line(dueday::instant at, dueday::utc_offset offset, const dueday::outcome& o,
                                    std::uint64_t events);

// Appends the line of one stored event: {"seq":N,"key":KEY, then the event's own fields, and a
// newline. A row that is not an event (a key that is no JSON array, an event that is no JSON
// object, either spread over lines: JSON allows line breaks between tokens, a JSON Lines output
// does not) is refused with store_error "store <store>: outbox event N: the key is not a JSON
// array" (or "the event is not a JSON object"), `out` unchanged: an outbox is read back as any
// input.
void append_event_line(std::string& out, const dueday::outbox_event& e, std::string_view store);

}  // namespace dueday::monitor
