// dueday serve's hard edges, in process: the token, the limits, a battery of malformed requests
// (each a 4xx with a one-line JSON error, the service still up after them), and stopping.
#include "service/service.hpp"

#include <doctest/doctest.h>

#include "service/requests.hpp"
#include "service_support.hpp"

namespace {

using namespace dueday::test;
using dueday::service::bearer_matches;

const std::string open_w1 =
    R"({"type":"open","case":"W-1","at":"2026-09-28T10:00","policy":"kunming-water-490","variant":"no-external"})";

TEST_CASE("service: bearer tokens are compared whole") {
  CHECK(bearer_matches("Bearer s3cret-token-0123456", "s3cret-token-0123456"));
  CHECK_FALSE(bearer_matches("Bearer s3cret-token-012345", "s3cret-token-0123456"));
  CHECK_FALSE(bearer_matches("Bearer s3cret-token-01234567", "s3cret-token-0123456"));
  CHECK_FALSE(bearer_matches("Bearer s3cret-token-0123457", "s3cret-token-0123456"));
  CHECK_FALSE(bearer_matches("bearer s3cret-token-0123456", "s3cret-token-0123456"));
  CHECK_FALSE(bearer_matches("s3cret-token-0123456", "s3cret-token-0123456"));
  CHECK_FALSE(bearer_matches("Bearer ", ""));
}

TEST_CASE("service: --listen addresses, and which are loopback") {
  CHECK(dueday::service::parse_listen("127.0.0.1:8490").port == 8490);
  CHECK(dueday::service::parse_listen("[::1]:0").host == "::1");
  CHECK(dueday::service::is_loopback("127.0.0.1"));
  CHECK(dueday::service::is_loopback("127.8.9.10"));
  CHECK(dueday::service::is_loopback("::1"));
  CHECK(dueday::service::is_loopback("localhost"));
  CHECK_FALSE(dueday::service::is_loopback("0.0.0.0"));
  CHECK_FALSE(dueday::service::is_loopback("::"));
  CHECK_FALSE(dueday::service::is_loopback("10.0.0.1"));
  CHECK_FALSE(dueday::service::is_loopback("example.org"));
  for (const char* bad : {"8490", ":8490", "127.0.0.1:", "127.0.0.1:65536", "::1:8490", "[::1]8490", "h:-1"})
    CHECK_THROWS_AS((void)dueday::service::parse_listen(bad), dueday::service::request_error);
}

TEST_CASE("service: with a token, every request but /healthz needs it (401 otherwise)") {
  auto o = manual_options();
  o.token = "s3cret-token-0123456";
  live_service s(o);
  auto anonymous = s.client();
  auto wrong = s.client("s3cret-token-0123457");
  auto right = s.client(o.token);
  const auto h = anonymous.Get("/healthz");
  REQUIRE(h);
  CHECK(h->status == 200);
  CHECK(h->body == "{\"status\":\"ok\"}\n");
  for (auto* c : {&anonymous, &wrong}) {
    const auto r = c->Get("/v1/events");
    REQUIRE(r);
    CHECK(r->status == 401);
    CHECK(r->get_header_value("WWW-Authenticate") == "Bearer");
    CHECK(r->body == "{\"error\":\"a bearer token is required (Authorization: Bearer <token>)\"}\n");
    const auto p = c->Post("/v1/commands", open_w1, "application/x-ndjson");
    REQUIRE(p);
    CHECK(p->status == 401);
  }
  CHECK(s.reader()->position() == 0);
  const auto p = right.Post("/v1/commands", open_w1, "application/x-ndjson");
  REQUIRE(p);
  CHECK(p->status == 200);
  CHECK(s.reader()->position() == 1);
}

TEST_CASE("service: bodies, commands and their number are limited (413), also chunked or compressed") {
  auto o = manual_options();
  o.max_body = 4096;
  o.max_line = 300;
  o.max_commands = 3;
  live_service s(o);
  auto c = s.client();
  const auto over = [&](const httplib::Result& r, const std::string& error) {
    REQUIRE(r);
    CHECK(r->status == 413);
    CHECK(r->body == "{\"error\":\"" + error + "\"}\n");
  };
  over(c.Post("/v1/commands", std::string(4097, ' '), "application/x-ndjson"), "the request body is over 4096 bytes");
  over(c.Post("/v1/commands", "{" + std::string(300, ' ') + "\n", "application/x-ndjson"),
       "command 1 is 301 bytes long (at most 300)");
  over(c.Post("/v1/commands", "{}\n{}\n{}\n{}\n", "application/x-ndjson"), "more than 3 commands in one request");
  over(c.Post("/v1/commands", "[{},{},{},{}]", "application/json"), "more than 3 commands in one request");
  // Chunked: no Content-Length, so only the counting content reader stops it.
  const std::string big(5000, ' ');
  over(c.Post(
           "/v1/commands",
           [&](std::size_t offset, httplib::DataSink& sink) {
             if (offset < big.size()) {
               sink.write(big.data() + offset, std::min<std::size_t>(1000, big.size() - offset));
             } else {
               sink.done();
             }
             return true;
           },
           "application/x-ndjson"),
       "the request body is over 4096 bytes");
  // gzip: 200,000 spaces in a few hundred bytes, held to the limit once inflated.
  auto z = s.client();
  z.set_compress(true);
  over(z.Post("/v1/commands", std::string(200'000, ' '), "application/x-ndjson"),
       "the request body is over 4096 bytes");
  // Within the limits, all is well; the service is still up.
  const auto ok = c.Post("/v1/commands", open_w1 + "\n", "application/x-ndjson");
  REQUIRE(ok);
  CHECK(ok->body == "{\"line\":1,\"outcome\":\"accepted\"}\n");
}

TEST_CASE("service: every malformed request is a 4xx with a one-line JSON error, and the service stays up") {
  live_service s;
  const std::string host = "Host: 127.0.0.1\r\n";
  const auto get = [&](const std::string& target, const std::string& headers = "") {
    return "GET " + target + " HTTP/1.1\r\n" + host + headers + "\r\n";
  };
  const auto post = [&](const std::string& target, const std::string& body, const std::string& headers = "") {
    return "POST " + target + " HTTP/1.1\r\n" + host + headers + "Content-Length: " + std::to_string(body.size()) +
           "\r\n\r\n" + body;
  };
  struct probe {
    std::string request;
    int status;
  };
  const std::vector<probe> battery = {
      {"GARBAGE\r\n\r\n", 400},
      {"BREW /v1/events HTTP/1.1\r\n" + host + "\r\n", 400},
      {get("/v1/events?after=abc"), 400},
      {get("/v1/events?after=-1"), 400},
      {get("/v1/events?limit=0"), 400},
      {get("/v1/events?limit=99999999999999999999999"), 400},
      {get("/v1/events?wait=-1"), 400},
      {get("/v1/events?wait=1e9"), 400},
      {get("/v1/events?wait=nan"), 400},
      {get("/v1/cases?limit=x"), 400},
      {get("/" + std::string(2000, 'a')), 414},
      {get("/" + std::string(9000, 'a')), 414},
      {get("/nowhere"), 404},
      {get("/healthz", "Range: bytes=0-1," + std::string(3000, '-') + "\r\n"), 416},
      {get("/healthz", "Range: bytes=0-1,5-2\r\n"), 416},  // was cut to the first range: `{"` (http_fuzz)
      {get("/healthz", "Range: bytes=0-1,99999999999999999999-\r\n"), 416},
      {get("/v1/reports/2026-13"), 400},
      {get("/v1/reports/2026-10?format=pdf"), 400},
      {get("/v1/cases/%FF%FE"), 404},
      {post("/v1/commands", "[{\"type\":"), 400},
      {post("/v1/commands", "[1,2]"), 400},
      {post("/v1/commands", "[{}] trailing"), 400},
      {post("/v1/commands", "[{} {}]"), 400},
      {post("/v1/commands", "{}", "Content-Type: multipart/form-data; boundary=x\r\n"), 415},
      {"POST /v1/commands HTTP/1.1\r\n" + host + "Content-Length: 99999999999\r\n\r\n", 413},
      {"POST /v1/commands HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\nzz\r\n", 400},
      {post("/v1/consumers/%01bad/ack", "{\"seq\":0}"), 400},
      {post("/v1/consumers/" + std::string(201, 'a') + "/ack", "{\"seq\":0}"), 400},
      {post("/v1/consumers/sms/ack", "[1]"), 400},
      {post("/v1/consumers/sms/ack", "{\"seq\":-1}"), 400},
      {post("/v1/consumers/sms/ack", ""), 400},
      {post("/v1/tick", "{"), 400},
      {post("/v1/tick", "{\"at\":\"soon\"}"), 400},
      {post("/v1/tick", "{\"at\":7}"), 400},
      {post("/v1/events", ""), 405},
      {post("/v1/nowhere", "x"), 404},
      {post("/v1/consumers/a%2Fb/ack", "{\"seq\":0}"), 404},
      {"DELETE /v1/commands HTTP/1.1\r\n" + host + "\r\n", 405},
      {"PUT /v1/commands HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n", 405},
  };
  for (const auto& p : battery) {
    INFO(dueday::escape(p.request, 120));
    const std::string answer = raw_exchange(s.port(), p.request);
    CHECK(status_of(answer) == p.status);
    INFO(body_of(answer));
    CHECK(is_error_line(body_of(answer)));
  }
  // A Range header is ignored (RFC 9110 lets a server do so): the whole answer, however many ranges.
  std::string many = "bytes=0-0";
  for (int i = 0; i < 1000; ++i) many += ",0-";
  const std::string ranges = raw_exchange(s.port(), get("/healthz", "Range: " + many + "\r\n"));
  CHECK(status_of(ranges) == 200);
  CHECK(body_of(ranges) == "{\"status\":\"ok\"}\n");
  auto c = s.client();
  const auto h = c.Get("/healthz");
  REQUIRE(h);
  CHECK(h->status == 200);
  CHECK(s.reader()->position() == 0);
}

TEST_CASE("service: stopping answers the long polls in flight, then checkpoints the last position") {
  live_service s;
  auto c = s.client();
  const auto lines = october_lines();
  std::string body;
  for (std::size_t i = 0; i < 30; ++i) body += lines[i];
  REQUIRE(c.Post("/v1/commands", body, "application/x-ndjson"));
  const std::uint64_t last = s.reader()->last_sequence();
  std::optional<httplib::Result> polled;
  std::thread poll([&] {
    auto p = s.client();
    polled.emplace(p.Get(("/v1/events?after=" + std::to_string(last) + "&wait=9").c_str()));
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto t0 = std::chrono::steady_clock::now();
  s.stop();
  poll.join();
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(4));
  REQUIRE(polled);
  REQUIRE(*polled);
  CHECK((*polled)->status == 200);
  CHECK((*polled)->body.empty());
  CHECK(s.server().checkpoint_error().empty());
  auto reader = s.reader();
  CHECK(reader->checkpoint_position() == 30);
  CHECK(reader->position() == 30);
}

}  // namespace

// cpp-httplib 0.11.4 kept a connection open whatever the answer; a request refused before its body
// was read had that body parsed as the connection's next request (smuggled past a proxy that
// reuses connections). The body here is itself a request, for /healthz (which needs no token); it
// is sent after the head, as a client's body arrives when the head was read already.
TEST_CASE("service: an error answer to a request with a body closes the connection (no smuggled request)") {
  auto o = manual_options();
  o.token = "s3cret-token-0123456";
  o.max_body = 4096;
  live_service s(o);
  const std::string host = "Host: 127.0.0.1\r\n";
  const std::string smuggled = "GET /healthz HTTP/1.1\r\n" + host + "\r\n";
  const auto post = [&](const std::string& target, const std::string& headers) {
    return "POST " + target + " HTTP/1.1\r\n" + host + headers + "Content-Length: " + std::to_string(smuggled.size()) +
           "\r\n\r\n";
  };
  const std::string auth = "Authorization: Bearer " + o.token + "\r\n";
  const std::string chunked = "POST /v1/commands HTTP/1.1\r\n" + host + auth +
                              "Content-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n";
  struct refused {
    std::vector<std::string> parts;
    int status;
  };
  const std::vector<refused> cases = {
      {{post("/v1/commands", "Content-Type: application/x-ndjson\r\n"), smuggled}, 401},  // no token: the guard
      {{post("/" + std::string(1100, 'a'), auth), smuggled}, 414},                        // path too long: the guard
      {{post("/v1/commands", auth + "Content-Type: multipart/form-data; boundary=x\r\n"), smuggled}, 415},
      {{post("/v1/nothing", auth), smuggled}, 404},  // a route's refusal, before reading
      // chunked, over max_body: the counting reader stops reading with the rest unread
      {{chunked, "1400\r\n" + std::string(0x1400, ' '), "\r\n0\r\n\r\n" + smuggled}, 413},
  };
  for (const refused& r : cases) {
    CAPTURE(r.status);
    bool closed = false;
    const std::string answer = raw_until_closed(s.port(), r.parts, closed);
    CHECK(status_of(answer) == r.status);
    CHECK(answers_in(answer) == 1);  // 2 before: the refusal, then /healthz's 200
    CHECK(closed);
    CHECK(answer.find("Connection: close\r\n") != std::string::npos);
  }
  // Requests that succeed keep their connection; two sent at once (pipelined) get both answers
  // (0.11.4 read the second ahead with the first and dropped it).
  bool closed = false;
  const std::string two = raw_until_closed(s.port(), {smuggled + smuggled}, closed);
  CHECK(answers_in(two) == 2);
  CHECK(two.find("Connection: close") == std::string::npos);
  CHECK(s.reader()->position() == 0);
}
