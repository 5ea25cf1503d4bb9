// What the service tests share: a service on a fresh store on a free loopback port, stopped and
// removed at scope exit; raw requests for what a well-behaved client never sends; the October
// commands as text.
#pragma once

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <dueday/store.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "service/service.hpp"
#include "store_support.hpp"

namespace dueday::test {

// The machine's clock moved by a settable offset (system mode tests).
struct shifted_clock {
  std::atomic<std::int64_t> offset_ms{0};
  std::chrono::system_clock::time_point operator()() const {
    return std::chrono::system_clock::now() + std::chrono::milliseconds(offset_ms.load());
  }
};

inline service::options manual_options() {
  service::options o;
  o.port = 0;
  o.mode = service::clock_mode::manual;
  o.clock = [] { return std::chrono::system_clock::now(); };
  o.monotonic = [] { return std::chrono::steady_clock::now(); };
  o.threads = 4;
  o.io_timeout = std::chrono::seconds(2);
  o.max_wait = std::chrono::seconds(10);
  return o;
}

// A service over a new store in a temporary folder, serving from a thread of its own.
class live_service {
 public:
  explicit live_service(service::options o = manual_options()) {
    db_ = dir_.path / "monitor.db";
    dueday::durable_engine d(std::make_unique<sqlite_storage>(db_), builtin_calendar(), builtin_policies());
    server_.emplace(std::move(d), db_, std::move(o));
    port_ = server_->bind();
    thread_ = std::thread([this] { server_->run(); });
  }
  live_service(const live_service&) = delete;
  live_service& operator=(const live_service&) = delete;
  ~live_service() { stop(); }

  // Stops the service and waits for run() to return (idempotent).
  void stop() {
    if (!thread_.joinable()) return;
    server_->stop();
    thread_.join();
  }
  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] const fs::path& db() const { return db_; }
  [[nodiscard]] service::server& server() { return *server_; }
  [[nodiscard]] httplib::Client client(const std::string& token = "") const {
    httplib::Client c("127.0.0.1", port_);
    c.set_connection_timeout(std::chrono::seconds(5));
    c.set_read_timeout(std::chrono::seconds(15));
    if (!token.empty()) c.set_bearer_token_auth(token.c_str());
    return c;
  }
  // A read-only look at the store, beside the service.
  [[nodiscard]] std::unique_ptr<storage> reader() const { return sqlite_at(db_, reader_options()); }

 private:
  store_dir dir_;
  fs::path db_;
  std::optional<service::server> server_;
  int port_ = 0;
  std::thread thread_;
};

// The October commands, one JSON line each (with their line breaks).
inline std::vector<std::string> october_lines() {
  std::ifstream in(DUEDAY_EXAMPLES_DIR "/october-2026/commands.jsonl");
  REQUIRE(in);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line + "\n");
  return out;
}

// A new connection to the service on loopback, its reads bounded by 5 s (closed by the caller).
inline int raw_connect(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0);
  timeval limit{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  return fd;
}

// Sends `request` as it is on a new connection and returns the service's answer: its head and the
// Content-Length bytes after it, or what came before the connection closed or 5 s passed. (The
// connection is not half-closed: httplib 0.11.4 answers nothing to a client that shut its side.)
inline std::string raw_exchange(int port, const std::string& request) {
  const int fd = raw_connect(port);
  (void)!write(fd, request.data(), request.size());
  std::string answer;
  char buf[4096];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) {
    answer.append(buf, static_cast<std::size_t>(n));
    const auto head = answer.find("\r\n\r\n");
    if (head == std::string::npos) continue;
    const auto length = answer.find("Content-Length: ");
    if (length == std::string::npos || length > head) continue;
    if (answer.size() >= head + 4 + std::stoul(answer.substr(length + 16))) break;
  }
  close(fd);
  return answer;
}

// Sends the parts on a new connection, 100 ms apart (so the service reads each on its own), and
// returns everything it writes until it closes the connection (or 5 s pass without a byte: then
// `closed` is false).
inline std::string raw_until_closed(int port, const std::vector<std::string>& parts, bool& closed) {
  const int fd = raw_connect(port);
  for (const std::string& part : parts) {
    if (&part != &parts.front()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    (void)!write(fd, part.data(), part.size());
  }
  std::string answer;
  char buf[4096];
  ssize_t n = 0;
  while ((n = read(fd, buf, sizeof buf)) > 0) answer.append(buf, static_cast<std::size_t>(n));
  closed = n == 0;
  close(fd);
  return answer;
}

// How many answers a raw exchange holds (its status lines).
inline std::size_t answers_in(const std::string& raw) {
  std::size_t count = 0;
  for (auto p = raw.find("HTTP/1.1 "); p != std::string::npos; p = raw.find("HTTP/1.1 ", p + 1)) ++count;
  return count;
}

// The status code of a raw answer (0 when there is none).
inline int status_of(const std::string& answer) {
  if (!answer.starts_with("HTTP/1.1 ") || answer.size() < 12) return 0;
  return std::stoi(answer.substr(9, 3));
}

// The body of a raw answer (after the blank line).
inline std::string body_of(const std::string& answer) {
  const auto p = answer.find("\r\n\r\n");
  return p == std::string::npos ? std::string() : answer.substr(p + 4);
}

// Whether `body` is one line {"error": "<text>"} and a newline.
inline bool is_error_line(const std::string& body) {
  if (body.empty() || body.back() != '\n' || body.find('\n') != body.size() - 1) return false;
  const auto j = nlohmann::json::parse(body, nullptr, false);
  return j.is_object() && j.size() == 1 && j.contains("error") && j["error"].is_string();
}

}  // namespace dueday::test
