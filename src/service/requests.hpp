// What the service reads from requests, apart from HTTP itself: the commands of a body, numbers in
// a query, a bearer token, a --listen address. Every refusal is a request_error: an HTTP status
// and a one-line message, which the service answers as {"error": "..."}.
#pragma once

#include <dueday/engine.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dueday::service {

struct request_error {
  int status = 400;
  std::string message;
};

// One command of a request body, or why it is none.
struct body_command {
  std::int64_t line = 0;  // its line (JSON Lines) or its place in the array (1, 2, ...)
  std::string id;         // "" for none
  std::string_view text;  // its JSON text, within the body
  std::optional<dueday::command> command;
  std::string malformed;  // why it is no command (parse_command's message), when `command` is empty
};

// The commands of a POST /v1/commands body: JSON Lines (blank lines skipped), or one JSON array of
// command objects when the first non-blank byte is '['. Each is read by parse_command, as `dueday
// run` reads a line: a malformed one is answered, not fatal. Throws request_error 413 for a command
// over `max_line` bytes or more than `max_commands` of them, 400 for an array that is not one.
[[nodiscard]] std::vector<body_command> parse_commands(std::string_view body, std::size_t max_line,
                                                       std::size_t max_commands);

// The decimal integer `text`, from `low` to `high`; throws request_error 400 "<name>: '<text>' is
// not a number from <low> to <high>".
[[nodiscard]] std::uint64_t number_param(std::string_view text, std::string_view name, std::uint64_t low,
                                         std::uint64_t high);
// A number of seconds with an optional fraction, from 0 to `most`; throws request_error 400.
[[nodiscard]] double seconds_param(std::string_view text, std::string_view name, double most);
// "1"/"true" or "0"/"false"; throws request_error 400.
[[nodiscard]] bool flag_param(std::string_view text, std::string_view name);

// Whether the Authorization header `header` is "Bearer <token>" with this token, compared in time
// that does not depend on where they differ.
[[nodiscard]] bool bearer_matches(std::string_view header, std::string_view token);

// HOST:PORT or [IPV6]:PORT (--listen). Throws request_error for anything else.
struct listen_address {
  std::string host;
  int port = 0;
};
[[nodiscard]] listen_address parse_listen(std::string_view text);
// Whether `host` is a loopback address: 127.0.0.0/8, ::1 or "localhost".
[[nodiscard]] bool is_loopback(const std::string& host);

}  // namespace dueday::service
