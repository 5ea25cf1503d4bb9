// What each path of the service answers (README.md, "dueday serve", has the contract).
#include <fmt/format.h>
#include <dueday/error.hpp>
#include <dueday/io.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>
#include <span>

#include "impl.hpp"
#include "monitor/lines.hpp"
#include "monitor/status.hpp"
#include "pages.hpp"
#include "requests.hpp"

namespace dueday::service {

namespace {

using httplib::ContentReader;
using httplib::Request;
using httplib::Response;
using std::chrono::steady_clock;

constexpr const char* json_lines = "application/x-ndjson";
constexpr const char* json_type = "application/json";
constexpr std::size_t max_name = 200;         // bytes of a consumer name
constexpr std::uint64_t max_cases = 100'000;  // `limit` of GET /v1/cases

std::optional<std::string> param(const Request& req, const char* name) {
  if (!req.has_param(name)) return std::nullopt;
  return req.get_param_value(name);
}

// The instant open cases are judged at: the clock's (system mode), else the engine's time.
dueday::instant judging_instant(const server::impl& s, const dueday::durable_engine& d) {
  if (s.opt.mode == clock_mode::manual) return d.engine().now();
  return std::chrono::floor<std::chrono::seconds>(s.opt.clock());
}

void post_commands(server::impl& s, const Request& req, Response& res, const ContentReader& reader) {
  const std::string body = read_body(s.opt, req, reader, res);
  const auto start = s.opt.monotonic();
  std::vector<body_command> parsed = parse_commands(body, s.opt.max_line, s.opt.max_commands);
  std::vector<dueday::command> commands;
  std::vector<std::string> ids;
  for (auto& c : parsed) {
    if (!c.command) continue;
    commands.push_back(std::move(*c.command));
    ids.push_back(c.id);
  }
  std::vector<dueday::outcome> outcomes;
  if (!commands.empty()) outcomes = s.engine.apply(std::move(commands), std::move(ids));
  std::string out;
  std::size_t k = 0, accepted = 0, duplicates = 0;
  for (const auto& c : parsed) {
    const dueday::outcome* o = c.command ? &outcomes[k++] : nullptr;
    dueday::monitor::append_outcome_line(out, c.line, c.id, o, c.malformed);
    if (o == nullptr || o->rejected()) {
      s.figures.count("rejected", o ? std::string(dueday::to_string(o->code)) : "malformed");
    } else {
      ++(o->accepted() ? accepted : duplicates);
    }
  }
  // Counted once a request, not once a command: every handler thread takes the figures' lock.
  if (accepted > 0) s.figures.count("accepted", "", accepted);
  if (duplicates > 0) s.figures.count("duplicate", "", duplicates);
  s.figures.observe(std::chrono::duration<double>(s.opt.monotonic() - start).count());
  reply(res, 200, std::move(out), json_lines);
}

void get_events(server::impl& s, const Request& req, Response& res) {
  const auto text = [&](const char* name, const char* fallback) { return param(req, name).value_or(fallback); };
  const std::uint64_t after = number_param(text("after", "0"), "after", 0, UINT64_MAX / 2);
  const std::uint64_t limit = number_param(text("limit", "1000"), "limit", 1, s.opt.max_events);
  const double wait = seconds_param(text("wait", "0"), "wait", static_cast<double>(s.opt.max_wait.count()));
  if (wait > 0 && s.engine.last_sequence() <= after)
    (void)s.engine.wait_beyond(after, s.opt.monotonic() + std::chrono::duration_cast<steady_clock::duration>(
                                                              std::chrono::duration<double>(wait)));
  auto store = s.readers.take();
  const auto events = store->read_events(after, static_cast<std::size_t>(limit));
  s.readers.put(std::move(store));
  std::string out;
  for (const auto& e : events) dueday::monitor::append_event_line(out, e, s.store_name);
  reply(res, 200, std::move(out), json_lines);
}

void post_ack(server::impl& s, const Request& req, Response& res, const ContentReader& reader) {
  const std::string name = req.matches[1];
  if (name.size() > max_name || dueday::escape(name, max_name) != name)
    throw request_error{
        400, fmt::format("consumer {} is not a name (printable UTF-8, 1 to {} bytes)", dueday::quote(name), max_name)};
  const std::string body = read_body(s.opt, req, reader, res);
  std::uint64_t seq = 0;
  if (body.find_first_not_of(" \t\r\n") != std::string::npos) {
    const auto j = nlohmann::json::parse(body, nullptr, false);
    if (!j.is_object() || !j.contains("seq") || !j["seq"].is_number_unsigned())
      throw request_error{400, "the body is not {\"seq\": N} (N a sequence number, 0 or more)"};
    seq = j["seq"].get<std::uint64_t>();
  } else if (const auto q = param(req, "seq")) {
    seq = number_param(*q, "seq", 0, UINT64_MAX / 2);
  } else {
    throw request_error{400, "give the sequence number: a body {\"seq\": N} or ?seq=N"};
  }
  std::uint64_t acked = 0;
  s.engine.run([&](dueday::durable_engine& d) {
    const std::uint64_t last = d.storage().last_sequence();
    if (seq > last) throw request_error{409, fmt::format("seq {} is past the last event ({})", seq, last)};
    d.storage().acknowledge(name, seq);
    acked = d.storage().acknowledged(name).value_or(0);
  });
  reply(res, 200, fmt::format("{{\"consumer\":{},\"acknowledged\":{}}}\n", dueday::monitor::json_text(name), acked),
        json_type);
}

void post_tick(server::impl& s, const Request& req, Response& res, const ContentReader& reader) {
  const std::string body = read_body(s.opt, req, reader, res);
  if (s.opt.mode != clock_mode::manual)
    throw request_error{409, "the service keeps time by the system clock (--clock system): no manual ticks"};
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("at") || !j["at"].is_string())
    throw request_error{400, "the body is not {\"at\": \"<ISO 8601 instant>\"}"};
  dueday::command tick;
  tick.kind = dueday::command_kind::tick;
  try {
    tick.at = dueday::parse_instant(j["at"].get<std::string>(), s.offset);
  } catch (const dueday::error& e) {
    throw request_error{400, fmt::format("at: {}", e.what())};
  }
  std::string line;
  s.engine.run([&](dueday::durable_engine& d) {
    const std::uint64_t before = d.storage().last_sequence();
    const auto outcomes = d.apply(std::span<const dueday::command>(&tick, 1));
    const dueday::outcome& o = outcomes.front();
    line = dueday::monitor::tick_line(tick.at, s.offset, o, d.storage().last_sequence() - before);
    s.figures.count(o.rejected()   ? "rejected"
                    : o.accepted() ? "accepted"
                                   : "duplicate",
                    o.rejected() ? std::string(dueday::to_string(o.code)) : "");
  });
  reply(res, 200, std::move(line), json_type);
}

// GET /v1/cases and /v1/cases/{id}: the report dueday status --json gives.
void get_cases(server::impl& s, const Request& req, Response& res, const std::string& id) {
  dueday::monitor::query q;
  q.at_name = "the service's clock,";
  q.case_id = id;
  if (id.empty()) {
    q.at_risk_only = flag_param(param(req, "at_risk").value_or("0"), "at_risk");
    q.limit = static_cast<std::size_t>(number_param(param(req, "limit").value_or("1000"), "limit", 1, max_cases));
  }
  dueday::monitor::report r;
  s.engine.run([&](dueday::durable_engine& d) {
    q.at = judging_instant(s, d);
    r = dueday::monitor::gather(d, d.engine().current_calendar(), d.engine().policies(), q);
  });
  if (r.one_case && r.cases.empty()) throw request_error{404, fmt::format("no case {}", dueday::quote(id))};
  reply(res, 200, dueday::monitor::to_json(r) + "\n", json_type);
}

void get_metrics(server::impl& s, Response& res) {
  gauges g;
  s.engine.run([&](dueday::durable_engine& d) {
    const auto& e = d.engine();
    g.open_cases = e.open_cases();
    g.position = d.position();
    g.last_sequence = d.storage().last_sequence();
    if (const auto due = e.next_due()) {
      const auto from =
          s.opt.mode == clock_mode::system ? s.opt.clock() : std::chrono::system_clock::time_point(e.now());
      g.next_due_s = std::chrono::duration<double>(std::chrono::system_clock::time_point(*due) - from).count();
    }
    g.checkpoint = d.storage().checkpoint_position();
    g.consumers = d.storage().consumers();
  });
  reply(res, 200, s.figures.text(g, s.engine.events(), s.engine.ticks()), "text/plain; version=0.0.4");
}

}  // namespace

// The whole body, at most max_body bytes after any Content-Encoding. A request with neither
// Content-Length nor Transfer-Encoding has none (RFC 9112 6.3; the library would read until the
// connection closes).
std::string read_body(const options& opt, const Request& req, const ContentReader& reader, Response& res) {
  std::string body;
  if (!req.has_header("Content-Length") && !req.has_header("Transfer-Encoding")) return body;
  bool over = false;
  const bool read = reader([&](const char* data, std::size_t n) {
    if (n > opt.max_body - body.size()) {
      over = true;
      return false;
    }
    body.append(data, n);
    return true;
  });
  if (over || res.status == 413) {
    res.set_header("Connection", "close");
    throw request_error{413, fmt::format("the request body is over {} bytes", opt.max_body)};
  }
  if (!read) {
    res.set_header("Connection", "close");
    throw request_error{400, "the request body could not be read"};
  }
  return body;
}

void answer_page(const server::impl& s, httplib::Response& res, const std::function<void()>& f) {
  try {
    f();
  } catch (const request_error& e) {
    fail(res, e.status, e.message);
  } catch (const dueday::store_error& e) {
    fail(res, 503, e.what());
  } catch (const dueday::error& e) {
    fail(res, s.engine.stopping() ? 503 : 500, e.what());
  }
}

void add_routes(server::impl& s) {
  auto& h = s.front.http;
  const auto on = [&s](auto f) {
    return [&s, f](const Request& req, Response& res) { answer_page(s, res, [&] { f(req, res); }); };
  };
  const auto on_body = [&s](auto f) {
    return [&s, f](const Request& req, Response& res, const ContentReader& reader) {
      answer_page(s, res, [&] { f(req, res, reader); });
    };
  };
  h.Post("/v1/commands",
         on_body([&s](const Request& req, Response& res, const ContentReader& r) { post_commands(s, req, res, r); }));
  h.Post("/v1/tick",
         on_body([&s](const Request& req, Response& res, const ContentReader& r) { post_tick(s, req, res, r); }));
  h.Post(R"(/v1/consumers/([^/]+)/ack)",
         on_body([&s](const Request& req, Response& res, const ContentReader& r) { post_ack(s, req, res, r); }));
  h.Get("/v1/events", on([&s](const Request& req, Response& res) { get_events(s, req, res); }));
  h.Get("/v1/cases", on([&s](const Request& req, Response& res) { get_cases(s, req, res, ""); }));
  h.Get(R"(/v1/cases/([^/]+))",
        on([&s](const Request& req, Response& res) { get_cases(s, req, res, req.matches[1]); }));
  h.Get("/healthz", [&s](const Request&, Response& res) {
    const bool up = !s.engine.stopping();
    reply(res, up ? 200 : 503, up ? "{\"status\":\"ok\"}\n" : "{\"status\":\"stopping\"}\n", json_type);
  });
  h.Get("/metrics", on([&s](const Request&, Response& res) { get_metrics(s, res); }));
  add_page_routes(s);  // GET /, /v1/reports/YYYY-MM, /v1/summary
  // Anything else with a body is refused before the library reads it into memory (a chunked
  // body it would read without bound); GET and HEAD fall to the error handler's 404.
  const auto refuse = [](const Request& req, Response& res, const ContentReader&) {
    const std::string_view p = req.path;
    const bool get = p == "/" || p == "/healthz" || p == "/metrics" || p == "/v1/events" ||
                     p.starts_with("/v1/cases") || p.starts_with("/v1/reports/") || p == "/v1/summary";
    const bool post = p == "/v1/commands" || p == "/v1/tick" || p.starts_with("/v1/consumers/");
    const char* takes = get ? "GET" : post ? "POST" : nullptr;
    const bool other = takes != nullptr && req.method != takes;
    fail(res, other ? 405 : 404,
         fmt::format("{} {}: {}", dueday::escape(req.method, 20), dueday::escape(req.path, 200),
                     other ? fmt::format("this path takes {}", takes) : std::string("no such path")));
    res.set_header("Connection", "close");
  };
  h.Post(".*", refuse);
  h.Put(".*", refuse);
  h.Patch(".*", refuse);
  h.Delete(".*", refuse);
}

}  // namespace dueday::service
