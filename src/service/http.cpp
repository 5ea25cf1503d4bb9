// The HTTP side of the service (service.hpp): cpp-httplib's server, its limits and guards.
//
// Why cpp-httplib: Debian 12 ships it (libcpp-httplib-dev 0.11.4, a header and a small compiled
// library); its server has a thread pool we can bound, read and write timeouts, a payload limit
// and keep-alive limits built in; and the tests use its client. Boost.Beast would bring Asio's
// whole model for a service whose every request is short and whose one writer is a thread anyway.
//
// Known issues of 0.11.4 and how the service keeps clear of them:
// - A chunked request body, or a compressed one (Content-Encoding: gzip, br, inflated by the
//   library), is not held to set_payload_max_length (0.11.4 checks Content-Length only):
//   every POST reads its body through a content reader that counts the bytes it is given, after
//   inflation, and refuses past options::max_body (413).
// - The default task queue (ThreadPool) queues accepted connections without bound: a queue of
//   our own (bounded_pool) makes the accepting thread wait once `queue` connections wait.
// - A Range header makes the library cut the answer into byte ranges, many ranges into as many
//   copies of it (an amplification later versions limit), error answers too: the guard drops the
//   parsed ranges, so every answer is whole (RFC 9110 14.2 lets a server ignore Range).
// - multipart/form-data on a path that reads its body through a content reader without a
//   multipart receiver calls an empty std::function (a 500 at best): refused (415).
// - The route patterns are std::regex, which recurses per character in libstdc++: paths longer
//   than 1,024 bytes are refused (414) before any pattern is tried.
// - select() cannot watch descriptors past FD_SETSIZE (upstream #754): Debian builds the library
//   with poll(), which has no such limit (it links poll, not select).
// - It listens with a backlog of 5 (CPPHTTPLIB_LISTEN_BACKLOG, compiled into the library): 16
//   clients connecting at once overflowed it, the kernel dropped their handshakes' last ACKs and
//   some first requests failed a second later ("Read error" in the serve bench). bind() calls
//   listen() again on the library's socket with a backlog of listen_backlog (Linux then widens it).
// - A connection is kept open whatever the answer says, so a body left unread by a refusal was
//   parsed as the next request (request smuggling), and a pipelined request read ahead with the
//   one before it was dropped: the service serves connections by its own loop (connection.cpp),
//   which closes the connection after every error answer and keeps what it read ahead.
// - CVE-2023-26130 (CRLF in headers): fixed in Debian's 0.11.4+ds-1+deb12u1; the service never
//   writes request text into a header anyway.
// A client that sends its headers a few bytes per read timeout holds a worker (the library times
// each read, not the whole request): the pool is bounded, and the service listens on loopback
// unless given a token; put a proxy with request deadlines in front of an exposed one.
#include <fmt/format.h>
#include <sys/socket.h>
#include <dueday/error.hpp>

#include <condition_variable>
#include <deque>
#include <functional>
#include <thread>

#include "impl.hpp"
#include "monitor/lines.hpp"
#include "requests.hpp"

namespace dueday::service {

namespace {

constexpr std::size_t max_path = 1024;
constexpr int listen_backlog = 1024;  // connections the kernel completes before accept (capped by somaxconn)
constexpr std::size_t keep_alive_requests = 1000;  // requests on one connection before it is closed

// A fixed number of workers and a bounded queue of accepted connections: enqueue() waits while
// the queue is full, so the accepting thread stops accepting (the kernel's backlog holds the
// rest). shutdown() lets the workers finish what is queued, then joins them.
class bounded_pool final : public httplib::TaskQueue {
 public:
  bounded_pool(std::size_t threads, std::size_t queue) : most_(queue) {
    for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { work(); });
  }
  bounded_pool(const bounded_pool&) = delete;
  bounded_pool& operator=(const bounded_pool&) = delete;
  ~bounded_pool() override { shutdown(); }

  void enqueue(std::function<void()> fn) override {
    std::unique_lock lock(mutex_);
    room_.wait(lock, [&] { return jobs_.size() < most_ || done_; });
    jobs_.push_back(std::move(fn));
    ready_.notify_one();
  }
  void shutdown() override {
    {
      const std::lock_guard lock(mutex_);
      done_ = true;
    }
    ready_.notify_all();
    room_.notify_all();
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }

 private:
  void work() {
    for (;;) {
      std::function<void()> fn;
      {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [&] { return !jobs_.empty() || done_; });
        if (jobs_.empty()) return;
        fn = std::move(jobs_.front());
        jobs_.pop_front();
        room_.notify_one();
      }
      fn();
    }
  }

  std::size_t most_;
  std::mutex mutex_;
  std::condition_variable ready_, room_;
  std::deque<std::function<void()>> jobs_;
  bool done_ = false;
  std::vector<std::thread> threads_;
};

const char* reason(int status) {
  switch (status) {
    case 400:
      return "bad request";
    case 401:
      return "unauthorized";
    case 404:
      return "no such path";
    case 405:
      return "method not allowed";
    case 408:
      return "request timeout";
    case 411:
      return "length required";
    case 413:
      return "request too large";
    case 414:
      return "path too long";
    case 415:
      return "unsupported media type";
    case 416:
      return "the Range header is malformed (ranges are not served)";
    default:
      return status >= 500 ? "internal error" : "request refused";
  }
}

// Refusals before any route runs; Handled when the request is answered.
httplib::Server::HandlerResponse guard(const options& opt, const httplib::Request& req, httplib::Response& res) {
  using result = httplib::Server::HandlerResponse;
  const auto refuse = [&](int status, std::string_view message) {
    fail(res, status, message);
    res.set_header("Connection", "close");  // the body, if any, is left unread: connection.cpp closes it
    return result::Handled;
  };
  // The Request is the library's own non-const object, handed over as const: clearing is defined.
  const_cast<httplib::Request&>(req).ranges.clear();
  if (req.path.size() > max_path) return refuse(414, fmt::format("the path is over {} bytes", max_path));
  if (!opt.token.empty() && req.path != "/healthz" && req.path != "/" &&  // "/": the page, no data
      !bearer_matches(req.get_header_value("Authorization"), opt.token)) {
    res.set_header("WWW-Authenticate", "Bearer");
    return refuse(401, "a bearer token is required (Authorization: Bearer <token>)");
  }
  if (req.get_header_value("Content-Type").starts_with("multipart/"))
    return refuse(415, "multipart bodies are not taken (send JSON Lines or a JSON array)");
  return result::Unhandled;
}

}  // namespace

void reply(httplib::Response& res, int status, std::string body, const char* type) {
  res.status = status;
  res.body = std::move(body);
  res.set_header("Content-Type", type);
}

void fail(httplib::Response& res, int status, std::string_view message) {
  reply(res, status, "{\"error\":" + dueday::monitor::json_text(message) + "}\n", "application/json");
}

std::unique_ptr<dueday::storage> reader_pool::take() {
  {
    const std::lock_guard lock(mutex_);
    if (!free_.empty()) {
      auto s = std::move(free_.back());
      free_.pop_back();
      return s;
    }
  }
  dueday::sqlite_options o;
  o.read_only = true;
  return std::make_unique<dueday::sqlite_storage>(db_, o);
}

void reader_pool::put(std::unique_ptr<dueday::storage> s) {
  const std::lock_guard lock(mutex_);
  free_.push_back(std::move(s));
}

server::impl::impl(dueday::durable_engine d, std::filesystem::path db, options o)
    : opt(std::move(o)),
      store_name(d.storage().name()),
      offset(d.engine().current_calendar().offset()),
      readers(std::move(db)),
      engine(std::move(d), opt.mode, opt.clock, opt.checkpoint_every, opt.checkpoint_patience),
      front(opt) {}

namespace {

void configure_http(http_server& http, const options& opt, int& listen_socket) {
  if (opt.threads == 0 || opt.queue == 0) throw dueday::error("the service needs a thread and room to queue");
  const auto threads = opt.threads, queue = opt.queue;
  http.new_task_queue = [threads, queue] { return new bounded_pool(threads, queue); };
  http.set_read_timeout(opt.io_timeout);
  http.set_write_timeout(opt.io_timeout);
  http.set_keep_alive_timeout(opt.keep_alive.count());
  // The library's default, 5, made a client open a connection every 5 requests: a handshake and
  // a worker's hand-over each time, for nothing (an idle connection is closed after keep_alive).
  http.set_keep_alive_max_count(keep_alive_requests);
  http.set_payload_max_length(opt.max_body);
  // Without it every answer waited for the client's delayed ACK (about 40 ms on Linux) between its
  // headers and its body, both written on their own (Nagle's algorithm).
  http.set_tcp_nodelay(true);
  http.set_socket_options([&listen_socket](socket_t sock) {
    httplib::default_socket_options(sock);
    listen_socket = sock;
  });
  http.set_pre_routing_handler(
      [&opt](const httplib::Request& req, httplib::Response& res) { return guard(opt, req, res); });
  http.set_post_routing_handler(http_server::before_writing);
  // The library's own refusals (400 for a bad request line, 404 for no route, 413, 416) get a JSON
  // body, whole: the 416 for a Range header it cannot read comes before the guard, with the ranges
  // read before the bad one kept, to which the library would cut the body (`{"` for bytes=0-1,5-2).
  http.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request& req, httplib::Response& res) {
    const_cast<httplib::Request&>(req).ranges.clear();  // as in guard(): the library's own Request
    if (res.body.empty()) fail(res, res.status, reason(res.status));
    return httplib::Server::HandlerResponse::Handled;
  }));
  http.set_exception_handler([](const httplib::Request&, httplib::Response& res, const std::exception_ptr& ep) {
    std::string what = "unknown";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    fail(res, 500, fmt::format("internal error: {}", dueday::escape(what, 300)));
  });
}

}  // namespace

http_front::http_front(const options& opt) { configure_http(http, opt, listen_socket); }

int http_front::bind(const options& opt) {
  const int p = opt.port == 0 ? http.bind_to_any_port(opt.host) : opt.port;
  if (p < 0 || (opt.port != 0 && !http.bind_to_port(opt.host, opt.port)))
    throw dueday::error(fmt::format("cannot listen on {}:{}", opt.host, opt.port));
  // Listening already: this only widens the backlog (a failure leaves the library's).
  if (listen_socket >= 0) (void)::listen(listen_socket, listen_backlog);
  port = p;
  return p;
}

bool http_front::serve(const options& opt, const std::function<void()>& after) {
  if (port < 0) (void)bind(opt);
  {
    const std::lock_guard lock(run_mutex_);
    if (stopped_) return false;
    listening_ = true;
  }
  const bool served = http.listen_after_bind();  // returns after stop(), the workers joined
  listened_ = true;
  bool asked = false;
  {
    const std::lock_guard lock(run_mutex_);
    asked = stopped_;
  }
  if (after) after();
  if (!served && !asked) throw dueday::error("the service stopped accepting connections");
  return true;
}

void http_front::stop(const std::function<void()>& before) {
  bool listening = false;
  {
    const std::lock_guard lock(run_mutex_);
    stopped_ = true;
    listening = listening_;
  }
  if (before) before();
  // httplib's stop() does nothing before listen_after_bind() marks the server running (upstream
  // #160): wait for that, unless listening failed at once.
  while (listening && !http.is_running() && !listened_) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  http.stop();
}

std::unique_ptr<server::impl> make_impl(dueday::durable_engine engine, std::filesystem::path db, options o) {
  if (!o.clock) throw dueday::error("the service needs a clock");
  if (!o.monotonic) throw dueday::error("the service needs a monotonic clock");
  auto p = std::make_unique<server::impl>(std::move(engine), std::move(db), std::move(o));
  add_routes(*p);
  return p;
}

server::server(dueday::durable_engine engine, std::filesystem::path db, options o)
    : p_(make_impl(std::move(engine), std::move(db), std::move(o))) {}

server::~server() {
  stop();
  p_->engine.stop();
}

int server::bind() { return p_->front.bind(p_->opt); }

void server::run() {
  impl& s = *p_;
  (void)s.front.serve(s.opt, [&s] { s.engine.stop(); });  // the queued commands applied, a checkpoint
}

void server::stop() {
  impl& s = *p_;
  s.front.stop([&s] { s.engine.release_waiters(); });  // long polls answer now, so the workers can finish
}

std::string server::checkpoint_error() const { return p_->engine.checkpoint_error(); }

}  // namespace dueday::service
