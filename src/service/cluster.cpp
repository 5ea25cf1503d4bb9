// dueday serve in cluster mode (cluster.hpp): commands published to their partitions.
#include "service/cluster.hpp"

#include <fmt/format.h>
#include <dueday/error.hpp>

#include <atomic>
#include <string>
#include <string_view>

#include "cluster/publisher.hpp"
#include "impl.hpp"
#include "monitor/lines.hpp"
#include "requests.hpp"

namespace dueday::service {

namespace {

using httplib::ContentReader;
using httplib::Request;
using httplib::Response;

constexpr const char* json_type = "application/json";
constexpr const char* json_lines = "application/x-ndjson";

// A command as published: one line. A JSON text's raw line breaks can only be whitespace between
// its tokens (a string holds them escaped), so blanks keep its meaning.
std::string one_line(std::string_view text) {
  std::string s(text);
  for (char& ch : s)
    if (ch == '\n' || ch == '\r') ch = ' ';
  return s;
}

// One answer line: single mode's, with `published` and where (cluster.hpp).
void append_answer(std::string& out, const dueday::cluster::publish_answer& a) {
  fmt::format_to(std::back_inserter(out), "{{\"line\":{}", a.line);
  if (!a.id.empty()) out += ",\"id\":" + dueday::monitor::json_text(a.id);
  fmt::format_to(std::back_inserter(out), ",\"outcome\":\"{}\"", a.duplicate() ? "duplicate" : "published");
  if (a.tick())
    fmt::format_to(std::back_inserter(out), ",\"partitions\":{},\"duplicates\":{}}}\n", a.to.size(), a.duplicates);
  else
    fmt::format_to(std::back_inserter(out), ",\"partition\":{}}}\n", a.to.first);
}

// Paths of single mode that need a local engine, with where their answer is in a cluster.
const char* elsewhere(std::string_view path) {
  if (path == "/v1/events" || path.starts_with("/v1/consumers/"))
    return "events are served by the workers in cluster mode: read the event stream dueday.evt.<partition> "
           "(dueday cluster-events --nats URLS)";
  if (path == "/v1/tick")
    return "in cluster mode a tick is a command: POST {\"type\":\"tick\",\"at\":\"...\"} to /v1/commands "
           "(it goes to every partition)";
  if (path == "/" || path == "/metrics" || path == "/v1/summary" || path.starts_with("/v1/cases") ||
      path.starts_with("/v1/reports/"))
    return "cases are held by the workers in cluster mode: no engine here to answer (read the event stream "
           "dueday.evt.<partition>, or dueday cluster-events --nats URLS)";
  return nullptr;
}

}  // namespace

struct cluster_server::impl {
  impl(dueday::cluster::transport& log, std::function<bool()> up, options o)
      : opt(std::move(o)), feed(log), reachable(std::move(up)), front(opt) {}

  options opt;
  dueday::cluster::publisher feed;
  std::function<bool()> reachable;
  http_front front;
  std::atomic<bool> stopping{false};

  void post_commands(const Request& req, Response& res, const ContentReader& reader);
  void add_routes();
};

void cluster_server::impl::post_commands(const Request& req, Response& res, const ContentReader& reader) {
  const std::string body = read_body(opt, req, reader, res);
  const std::vector<body_command> parsed = parse_commands(body, opt.max_line, opt.max_commands);
  std::string out;
  for (const body_command& c : parsed) {
    if (!c.command) {
      dueday::monitor::append_outcome_line(out, c.line, c.id, nullptr, c.malformed);
      continue;
    }
    try {
      append_answer(out, feed.publish(*c.command, one_line(c.text), c.id, c.line));
    } catch (const dueday::cluster::transport_error& e) {
      throw request_error{503, fmt::format("{} (at command {}; the commands before it were published: send them "
                                           "again with their ids and the log drops what it has)",
                                           e.what(), c.line)};
    }
  }
  reply(res, 200, std::move(out), json_lines);
}

void cluster_server::impl::add_routes() {
  http_server& http = front.http;
  const auto answer = [](Response& res, const std::function<void()>& f) {
    try {
      f();
    } catch (const request_error& e) {
      fail(res, e.status, e.message);
    } catch (const dueday::error& e) {
      fail(res, 500, e.what());
    }
  };
  http.Post("/v1/commands", [this, answer](const Request& req, Response& res, const ContentReader& reader) {
    answer(res, [&] { post_commands(req, res, reader); });
  });
  http.Get("/healthz", [this](const Request&, Response& res) {
    const bool up = !stopping && (!reachable || reachable());
    const char* status = stopping ? "stopping" : up ? "ok" : "unreachable";
    reply(res, up ? 200 : 503,
          fmt::format("{{\"status\":\"{}\",\"mode\":\"cluster\",\"partitions\":{},\"log\":{}}}\n", status,
                      feed.partitions(), up),
          json_type);
  });
  // Everything else: 501 where single mode answers (no body read), else 404 or 405 as there.
  const auto refuse = [](const Request& req, Response& res) {
    const std::string_view p = req.path;
    const bool post = p == "/v1/commands" || p == "/v1/tick" || p.starts_with("/v1/consumers/");
    const char* why = elsewhere(p);
    const bool wrong =
        (post && req.method != "POST") || (why != nullptr && !post && req.method != "GET" && req.method != "HEAD");
    const std::string what = fmt::format("{} {}", dueday::escape(req.method, 20), dueday::escape(req.path, 200));
    if (wrong)
      fail(res, 405, fmt::format("{}: this path takes {}", what, post ? "POST" : "GET"));
    else if (why != nullptr)
      fail(res, 501, fmt::format("{}: {}", what, why));
    else
      fail(res, 404, fmt::format("{}: no such path", what));
    res.set_header("Connection", "close");  // a body, if any, is left unread
  };
  http.Get(".*", refuse);
  const auto refuse_body = [refuse](const Request& req, Response& res, const ContentReader&) { refuse(req, res); };
  http.Post(".*", refuse_body);
  http.Put(".*", refuse_body);
  http.Patch(".*", refuse_body);
  http.Delete(".*", refuse_body);
}

cluster_server::cluster_server(dueday::cluster::transport& log, std::function<bool()> reachable, options o)
    : p_(std::make_unique<impl>(log, std::move(reachable), std::move(o))) {
  p_->add_routes();
}

cluster_server::~cluster_server() { stop(); }

int cluster_server::bind() { return p_->front.bind(p_->opt); }

void cluster_server::run() { (void)p_->front.serve(p_->opt); }

void cluster_server::stop() {
  impl& s = *p_;
  s.front.stop([&s] { s.stopping = true; });
}

}  // namespace dueday::service
