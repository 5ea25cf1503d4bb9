// The service's state, shared by http.cpp (the server, its guards, its threads) and routes.cpp
// (what each path answers).
#pragma once

#include <httplib.h>
#include <dueday/store.hpp>

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "metrics.hpp"
#include "service.hpp"
#include "writer.hpp"

namespace dueday::service {

// Read-only connections to the store for the handler threads, each used by one thread at a time.
class reader_pool {
 public:
  explicit reader_pool(std::filesystem::path db) : db_(std::move(db)) {}
  // A connection (opened when none is free); give it back with put().
  [[nodiscard]] std::unique_ptr<dueday::storage> take();
  void put(std::unique_ptr<dueday::storage> s);

 private:
  std::filesystem::path db_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<dueday::storage>> free_;
};

// cpp-httplib's server, serving each connection by a loop of the service's own (connection.cpp:
// 0.11.4's, with a connection closed after an answer that says so, and pipelined requests kept).
class http_server final : public httplib::Server {
 public:
  // Serves one request from `strm` (the fuzz target's from memory) as the connection loop does;
  // `closed`: the connection must not serve another. `setup` (may be empty) sees the request
  // before it is routed.
  bool serve_request(httplib::Stream& strm, bool last, bool& closed,
                     const std::function<void(httplib::Request&)>& setup = {});
  // The post-routing handler (the fuzz target's calls it too): an error answer says
  // "Connection: close", and an answer that says so closes its connection.
  static void before_writing(const httplib::Request& req, httplib::Response& res);

 private:
  bool process_and_close_socket(socket_t sock) override;
};

// The HTTP server of either mode: its limits, guards (path length, token, multipart) and JSON
// error answers, with what run() and stop() share across threads (http.cpp).
struct http_front {
  // Configures the server; `opt` must outlive the front (the guards read it). Throws
  // dueday::error for zero threads or no room to queue.
  explicit http_front(const options& opt);

  // Binds to opt's host and port (port 0: a free one) and widens the listening socket's backlog;
  // returns the port. Throws dueday::error "cannot listen on HOST:PORT".
  int bind(const options& opt);
  // Binds unless bound, then serves until stop(); false when stop() came first and nothing was
  // served. `after` (may be empty) runs once serving ends, before the error "the service stopped
  // accepting connections" is thrown for an end stop() did not ask for.
  bool serve(const options& opt, const std::function<void()>& after = {});
  // Marks the front stopped, runs `before` (may be empty), and stops the server, waiting until
  // it runs when serve() is starting it.
  void stop(const std::function<void()>& before = {});

  http_server http;
  int port = -1;
  int listen_socket = -1;  // the last socket the library made to listen on (bind() widens its backlog)

 private:
  std::mutex run_mutex_;
  bool stopped_ = false;               // guarded by run_mutex_
  bool listening_ = false;             // guarded by run_mutex_: serve() went on to listen
  std::atomic<bool> listened_{false};  // listen_after_bind() returned
};

struct server::impl {
  impl(dueday::durable_engine engine, std::filesystem::path db, options o);

  options opt;
  std::string store_name;  // as the store's messages call it
  dueday::utc_offset offset;
  metrics figures;
  reader_pool readers;
  writer engine;  // last but the server: stopped before the readers go
  http_front front;
};

// The service's state with its handlers, limits and guards in place, not yet listening: what
// server's constructor builds (the fuzz target serves requests from memory with it). Throws
// dueday::error for options that cannot work (no clock, zero threads).
[[nodiscard]] std::unique_ptr<server::impl> make_impl(dueday::durable_engine engine, std::filesystem::path db,
                                                      options o);

// A request's whole body, at most opt.max_body bytes after any Content-Encoding (request_error
// 413), or none without Content-Length and Transfer-Encoding (routes.cpp).
[[nodiscard]] std::string read_body(const options& opt, const httplib::Request& req,
                                    const httplib::ContentReader& reader, httplib::Response& res);

// The answers: `body` with its type; an error is {"error": "<message>"} and a newline.
void reply(httplib::Response& res, int status, std::string body, const char* type);
void fail(httplib::Response& res, int status, std::string_view message);

// Registers every path's handler (routes.cpp).
void add_routes(server::impl& s);
// Registers the pages for people and what they read: GET /, /v1/reports/YYYY-MM, /v1/summary
// (pages.hpp).
void add_page_routes(server::impl& s);

}  // namespace dueday::service
