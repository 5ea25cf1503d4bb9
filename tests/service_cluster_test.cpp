// dueday serve in cluster mode (service/cluster.hpp), in process over the in-memory transport: what
// POST /v1/commands answers and publishes, the same token and limits as single mode, the paths that
// need a local engine (501), /healthz, and a transport that fails in the middle of a request.
#include "service/cluster.hpp"  // first: proves the header stands alone

#include <doctest/doctest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "cluster/memory_transport.hpp"

namespace {

using dueday::cluster::memory_transport;
using dueday::cluster::partition;

// FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c (dueday/partition.hpp's table): partition 0xc = 12 of 16.
const std::string open_a =
    R"({"type":"open","id":"c-1","case":"a","at":"2026-09-28T10:00:00+08:00","policy":"kunming-water-490","variant":"no-external"})";
const std::string tick = R"({"type":"tick","at":"2026-10-01T00:00:00+08:00"})";

// A cluster-mode service on a free loopback port over `log`, serving from a thread of its own.
class cluster_service {
 public:
  explicit cluster_service(memory_transport& log, dueday::service::options o = {}) {
    o.port = 0;
    o.threads = 4;
    o.io_timeout = std::chrono::seconds(2);
    server_.emplace(
        log, [this] { return reachable.load(); }, std::move(o));
    port_ = server_->bind();
    thread_ = std::thread([this] { server_->run(); });
  }
  cluster_service(const cluster_service&) = delete;
  cluster_service& operator=(const cluster_service&) = delete;
  ~cluster_service() {
    server_->stop();
    thread_.join();
  }
  [[nodiscard]] httplib::Client client(const std::string& token = "") const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(std::chrono::seconds(10));
    if (!token.empty()) c.set_bearer_token_auth(token.c_str());
    return c;
  }
  std::atomic<bool> reachable{true};

 private:
  std::optional<dueday::service::cluster_server> server_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace

TEST_CASE("service in cluster mode: commands are published to their partitions and answered where they went") {
  memory_transport log({.partitions = 16});
  cluster_service s(log);
  auto c = s.client();
  const auto r = c.Post("/v1/commands", open_a + "\n\n" + tick + "\n" + open_a + "\n{\"type\":\"open\"}\n",
                        "application/x-ndjson");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->get_header_value("Content-Type") == "application/x-ndjson");
  CHECK(r->body ==
        "{\"line\":1,\"id\":\"c-1\",\"outcome\":\"published\",\"partition\":12}\n"
        "{\"line\":3,\"outcome\":\"published\",\"partitions\":16,\"duplicates\":0}\n"
        "{\"line\":4,\"id\":\"c-1\",\"outcome\":\"duplicate\",\"partition\":12}\n"
        "{\"line\":5,\"outcome\":\"rejected\",\"code\":\"malformed\",\"reason\":\"missing field 'at'\"}\n");
  REQUIRE(log.commands(partition{12}).size() == 2);
  CHECK(log.commands(partition{12})[0].json == open_a);
  CHECK(log.commands(partition{12})[1].json == tick);
  CHECK(log.commands(partition{0}).size() == 1);
  // A JSON array, an element over several lines: published as one line.
  const auto a = c.Post("/v1/commands", "[" + tick.substr(0, 15) + "\n" + tick.substr(15) + "]", "application/json");
  REQUIRE(a);
  CHECK(a->body == "{\"line\":1,\"outcome\":\"published\",\"partitions\":16,\"duplicates\":0}\n");
  CHECK(log.commands(partition{0}).back().json == tick.substr(0, 15) + " " + tick.substr(15));
}

TEST_CASE("service in cluster mode: the token, the limits and the paths a local engine would answer") {
  memory_transport log({.partitions = 16});
  dueday::service::options o;
  o.token = "s3cret-token-0123456";
  o.max_commands = 2;
  cluster_service s(log, o);
  auto anonymous = s.client();
  auto c = s.client(o.token);
  const auto h = anonymous.Get("/healthz");
  REQUIRE(h);
  CHECK(h->status == 200);
  CHECK(h->body == "{\"status\":\"ok\",\"mode\":\"cluster\",\"partitions\":16,\"log\":true}\n");
  s.reachable = false;
  const auto down = anonymous.Get("/healthz");
  REQUIRE(down);
  CHECK(down->status == 503);
  CHECK(down->body == "{\"status\":\"unreachable\",\"mode\":\"cluster\",\"partitions\":16,\"log\":false}\n");
  s.reachable = true;

  const auto refused = anonymous.Post("/v1/commands", open_a, "application/x-ndjson");
  REQUIRE(refused);
  CHECK(refused->status == 401);
  const auto many = c.Post("/v1/commands", tick + "\n" + tick + "\n" + tick + "\n", "application/x-ndjson");
  REQUIRE(many);
  CHECK(many->status == 413);
  CHECK(many->body == "{\"error\":\"more than 2 commands in one request\"}\n");
  CHECK(log.commands(partition{0}).empty());  // nothing of a refused request

  for (const char* path : {"/v1/events", "/v1/cases", "/v1/cases/a", "/v1/summary", "/metrics", "/"}) {
    CAPTURE(path);
    const auto r = c.Get(path);
    REQUIRE(r);
    CHECK(r->status == 501);
    CHECK(r->body.starts_with(std::string("{\"error\":\"GET ") + path + ": "));
  }
  const auto ack = c.Post("/v1/consumers/x/ack", "{\"seq\":1}", "application/json");
  REQUIRE(ack);
  CHECK(ack->status == 501);
  const auto manual_tick = c.Post("/v1/tick", "{\"at\":\"2026-10-01T00:00:00+08:00\"}", "application/json");
  REQUIRE(manual_tick);
  CHECK(manual_tick->status == 501);
  CHECK(manual_tick->body.find("/v1/commands") != std::string::npos);
  const auto get_commands = c.Get("/v1/commands");
  REQUIRE(get_commands);
  CHECK(get_commands->status == 405);
  const auto nowhere = c.Get("/v2/nothing");
  REQUIRE(nowhere);
  CHECK(nowhere->status == 404);
}

TEST_CASE("service in cluster mode: a transport failure answers 503 naming the command, and sent again it goes") {
  memory_transport log({.partitions = 16});
  cluster_service s(log);
  auto c = s.client();
  const std::string body = "{\"type\":\"open\"}\n" + open_a + "\n";
  log.fail_next(1);
  const auto failed = c.Post("/v1/commands", body, "application/x-ndjson");
  REQUIRE(failed);
  CHECK(failed->status == 503);
  CHECK(failed->body ==
        "{\"error\":\"transport memory: injected failure (at command 2; the commands before it were published: send "
        "them again with their ids and the log drops what it has)\"}\n");
  CHECK(log.commands(partition{12}).empty());
  const auto again = c.Post("/v1/commands", body, "application/x-ndjson");
  REQUIRE(again);
  CHECK(again->status == 200);
  CHECK(log.commands(partition{12}).size() == 1);
}
