// What the service reads from requests (requests.hpp).
#include "requests.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <dueday/error.hpp>
#include <dueday/jsonl.hpp>

#include <charconv>
#include <cmath>

namespace dueday::service {

namespace {

constexpr std::string_view blank = " \t\r\n";

void add(std::vector<body_command>& out, std::string_view text, std::int64_t line, std::size_t max_line,
         std::size_t max_commands) {
  if (text.size() > max_line)
    throw request_error{413, fmt::format("command {} is {} bytes long (at most {})", line, text.size(), max_line)};
  if (out.size() == max_commands)
    throw request_error{413, fmt::format("more than {} commands in one request", max_commands)};
  body_command& c = out.emplace_back();
  c.line = line;
  c.text = text;
  try {
    c.command = dueday::parse_command(text, "request", line, c.id);
  } catch (const dueday::parse_error& e) {
    c.malformed = e.message();
  }
}

// The end of the JSON value starting at `body[at]`, an object or array: one past its closing
// bracket, strings skipped. Throws request_error 400 when the body ends first.
std::size_t value_end(std::string_view body, std::size_t at, std::int64_t element) {
  std::size_t depth = 0;
  for (std::size_t i = at; i < body.size(); ++i) {
    const char ch = body[i];
    if (ch == '"') {
      for (++i; i < body.size() && body[i] != '"'; ++i)
        if (body[i] == '\\') ++i;
      if (i >= body.size()) break;
    } else if (ch == '{' || ch == '[') {
      ++depth;
    } else if ((ch == '}' || ch == ']') && --depth == 0) {
      return i + 1;
    }
  }
  throw request_error{400, fmt::format("array element {} is not closed", element)};
}

std::vector<body_command> parse_array(std::string_view body, std::size_t at, std::size_t max_line,
                                      std::size_t max_commands) {
  std::vector<body_command> out;
  const auto skip = [&](std::size_t i) { return std::min(body.find_first_not_of(blank, i), body.size()); };
  std::size_t i = skip(at + 1);
  if (i < body.size() && body[i] == ']') {
    i = skip(i + 1);
  } else {
    for (std::int64_t n = 1;; ++n) {
      if (i >= body.size() || body[i] != '{')
        throw request_error{400, fmt::format("array element {} is not a JSON object", n)};
      const std::size_t end = value_end(body, i, n);
      add(out, body.substr(i, end - i), n, max_line, max_commands);
      i = skip(end);
      if (i < body.size() && body[i] == ',') {
        i = skip(i + 1);
        continue;
      }
      if (i < body.size() && body[i] == ']') {
        i = skip(i + 1);
        break;
      }
      throw request_error{400, fmt::format("expected ',' or ']' after array element {}", n)};
    }
  }
  if (i != body.size()) throw request_error{400, "text after the array"};
  return out;
}

}  // namespace

std::vector<body_command> parse_commands(std::string_view body, std::size_t max_line, std::size_t max_commands) {
  const std::size_t first = body.find_first_not_of(blank);
  if (first != std::string_view::npos && body[first] == '[') return parse_array(body, first, max_line, max_commands);
  std::vector<body_command> out;
  std::int64_t line = 0;
  for (std::size_t start = 0; start < body.size();) {
    std::size_t nl = body.find('\n', start);
    if (nl == std::string_view::npos) nl = body.size();
    ++line;
    const std::string_view text = body.substr(start, nl - start);
    start = nl + 1;
    if (text.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    add(out, text, line, max_line, max_commands);
  }
  return out;
}

std::uint64_t number_param(std::string_view text, std::string_view name, std::uint64_t low, std::uint64_t high) {
  std::uint64_t n = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), n);
  if (r.ec != std::errc{} || r.ptr != text.data() + text.size() || n < low || n > high)
    throw request_error{400, fmt::format("{}: {} is not a number from {} to {}", name, dueday::quote(text), low, high)};
  return n;
}

double seconds_param(std::string_view text, std::string_view name, double most) {
  double s = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), s, std::chars_format::fixed);
  if (r.ec != std::errc{} || r.ptr != text.data() + text.size() || !(s >= 0) || s > most)
    throw request_error{400,
                        fmt::format("{}: {} is not a number of seconds from 0 to {}", name, dueday::quote(text), most)};
  return s;
}

bool flag_param(std::string_view text, std::string_view name) {
  if (text == "1" || text == "true") return true;
  if (text == "0" || text == "false") return false;
  throw request_error{400, fmt::format("{}: {} is not 1, 0, true or false", name, dueday::quote(text))};
}

bool bearer_matches(std::string_view header, std::string_view token) {
  constexpr std::string_view scheme = "Bearer ";
  const std::string_view given = header.starts_with(scheme) ? header.substr(scheme.size()) : std::string_view();
  // Every byte of the token is compared, whatever the given one holds; only the token's length
  // (not secret in any useful way) sets the time.
  unsigned diff = given.size() == token.size() ? 0U : 1U;
  for (std::size_t i = 0; i < token.size(); ++i) {
    const char g = i < given.size() ? given[i] : '\0';
    diff |= static_cast<unsigned>(static_cast<unsigned char>(g) ^ static_cast<unsigned char>(token[i]));
  }
  volatile unsigned result = diff;  // keeps the compiler from ending the loop early
  return result == 0 && !token.empty();
}

listen_address parse_listen(std::string_view text) {
  const auto bad = [&] {
    return request_error{400, fmt::format("--listen: {} is not HOST:PORT (or [IPV6]:PORT, a port from 0 to 65535)",
                                          dueday::quote(text))};
  };
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) throw bad();
  std::string_view host = text.substr(0, colon);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') throw bad();
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    throw bad();
  }
  listen_address a;
  a.host = std::string(host);
  try {
    a.port = static_cast<int>(number_param(text.substr(colon + 1), "--listen", 0, 65535));
  } catch (const request_error&) {
    throw bad();
  }
  return a;
}

bool is_loopback(const std::string& host) {
  if (host == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6) != 0;
  return false;
}

}  // namespace dueday::service
