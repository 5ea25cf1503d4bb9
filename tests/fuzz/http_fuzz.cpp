// libFuzzer target: `dueday serve` (src/service) as a client on one connection sees it: the input
// is what the client sends, one or several pipelined requests (kept alive), parsed by cpp-httplib's
// own request parser (Debian's libcpp-httplib 0.11.4, whose compiled part is not instrumented:
// coverage comes from the service's side) and answered by the service's own guard, routes and
// handlers, over a real SQLite store in a temporary folder, with `--clock manual`.
//
// Input: a mode byte, then the bytes of the connection. Mode bit 0: the service has a token
// (`--token-file`, token "fuzz-token-0123456789"). The connection is served as the library serves
// a socket (Server::process_and_close_socket): up to CPPHTTPLIB_KEEPALIVE_MAX_COUNT requests, the
// last one answered with Connection: close, until the client's bytes end, a request asks to close
// (Connection: close, HTTP/1.0) or the library gives up on one. (0.11.4 reads on after an answer
// it sends with Connection: close, the service's refusals: a body they left unread is read as the
// next request, as it is on a socket.) The service's limits are lowered so that inputs of a few KB
// reach them: 2048-byte bodies, 512-byte commands, 8 commands a request.
//
// Properties, besides no crash, sanitizer report, leak or escaped exception:
// - every answer has a status from 200 to 599, and none is a 5xx but a 503 (the store failed);
// - a 4xx or 5xx answer is one line, a JSON object {"error": "<message>"}, application/json;
//   a 2xx application/json answer is one JSON value, an application/x-ndjson one a JSON value a
//   line (bodies the library compressed for an Accept-Encoding are not read);
// - what is written frames: each answer a status line, headers of "Name: value" lines, and a body
//   of its Content-Length (none for HEAD), in the order of the requests, nothing after;
// - the service never reads its clock (--clock manual);
// - after an input that changed the store, the store opens again (durable_engine: checkpoint and
//   journal) at the position, events and consumers the service had.
//
// Determinism: each input starts from the same store (baseline_commands, copied anew after any
// input that changed the store's journal, outbox or consumers), so an input replays alone as it
// ran in the campaign; only the figures of /metrics carry over between inputs. A long poll's
// wait (?wait=S) is set to 0 before routing, so no request sleeps; a wait the service refuses is
// left as sent. The temporary folder is made under $TMPDIR (tests/fuzz/smoke: the target's work
// folder) and removed at exit; a run that aborts leaves it.
#include <httplib.h>
#include <dueday/jsonl.hpp>
#include <dueday/policy.hpp>
#include <dueday/store.hpp>
#include <nlohmann/json.hpp>

#include <array>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzz_support.hpp"
#include "service/impl.hpp"
#include "service/requests.hpp"

namespace {

using namespace dueday;
namespace fs = std::filesystem;
using fuzz::check;
using fuzz::fail;

constexpr std::string_view fuzz_token = "fuzz-token-0123456789";

// The store every input starts from: two cases, a step started in each, a tick; a consumer.
constexpr std::array baseline_commands = {
    R"({"id":"base-1","type":"open","case":"W-001","at":"2026-09-28T10:00:00+08:00","policy":"kunming-water-490","variant":"no-external"})",
    R"({"id":"base-2","type":"start","case":"W-001","step":"survey","at":"2026-09-30T10:00:00+08:00"})",
    R"({"id":"base-3","type":"open","case":"W-002","at":"2026-09-30T11:00:00+08:00","policy":"kunming-water-490","works":{"meter_dn":40,"pipe_m":120,"crossings":[]}})",
    R"({"id":"base-4","type":"start","case":"W-002","step":"survey","at":"2026-09-30T12:00:00+08:00"})",
    R"({"id":"base-5","type":"tick","at":"2026-10-12T00:00:00+08:00"})",
};

sqlite_options store_options() {
  sqlite_options o;
  o.sync = sqlite_sync::normal;  // no fsync a commit: the properties are the same, the runs faster
  return o;
}

durable_options engine_options() {
  durable_options o;
  o.checkpoint_every = 4;  // checkpoints within an input's commands too
  return o;
}

// The connection's bytes from the client, and what the server writes back.
class memory_stream final : public httplib::Stream {
 public:
  explicit memory_stream(std::string_view in) : in_(in) {}
  bool is_readable() const override { return true; }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, std::size_t size) override {  // 0 at the end, as a socket the client shut
    const std::size_t n = std::min(size, in_.size() - at_);
    std::copy_n(in_.data() + at_, n, ptr);
    at_ += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char* ptr, std::size_t size) override {
    out_.append(ptr, size);
    return static_cast<ssize_t>(size);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 40000;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 8490;
  }
  socket_t socket() const override { return INVALID_SOCKET; }

  [[nodiscard]] bool unread() const { return at_ < in_.size(); }
  [[nodiscard]] const std::string& written() const { return out_; }

 private:
  std::string_view in_;
  std::size_t at_ = 0;
  std::string out_;
};

// An answer as the service gave it to the library (its post-routing handler).
struct answer {
  std::string request;  // "METHOD path", for messages
  bool head = false;
  int status = 0;
};

std::vector<answer>& answers() {
  static std::vector<answer> a;
  return a;
}

// At most 600 bytes of a text, for a finding's message.
std::string cut(std::string s) {
  if (s.size() > 600) s.replace(600, std::string::npos, "...");
  return s;
}

std::string describe(const httplib::Request& req, const httplib::Response& res) {
  return cut(req.method + " " + req.path + " -> " + std::to_string(res.status) + "\n" + res.body);
}

bool is_json(std::string_view text) { return !nlohmann::json::parse(text, nullptr, false).is_discarded(); }

// The properties of one answer (see the top of this file).
void check_answer(const httplib::Request& req, httplib::Response& res) {
  service::http_server::before_writing(req, res);  // the service's own post-routing handler
  answers().push_back({req.method + " " + req.path, req.method == "HEAD", res.status});
  check(res.status >= 200 && res.status <= 599, "an answer's status is not from 200 to 599", describe(req, res));
  check(res.status < 500 || res.status == 503, "the service answered a 5xx other than 503", describe(req, res));
  // A body the library compressed (Accept-Encoding) is not read here; its status is.
  if (res.has_header("Content-Encoding")) return;
  const std::string type = res.get_header_value("Content-Type");
  const std::string_view body = res.body;
  if (res.status >= 400) {
    check(type == "application/json", "an error answer is not application/json", describe(req, res));
    check(body.ends_with("}\n") && body.find('\n') == body.size() - 1, "an error answer is not one line",
          describe(req, res));
    const auto j = nlohmann::json::parse(body, nullptr, false);
    check(j.is_object() && j.size() == 1 && j.contains("error") && j["error"].is_string(),
          "an error answer is not {\"error\": \"...\"}", describe(req, res));
  } else if (type == "application/json") {
    check(is_json(body), "an application/json answer is not JSON", describe(req, res));
  } else if (type == "application/x-ndjson") {
    for (std::size_t at = 0; at < body.size();) {
      const std::size_t nl = body.find('\n', at);
      check(nl != std::string_view::npos, "a JSON Lines answer does not end with a line break", describe(req, res));
      check(is_json(body.substr(at, nl - at)), "a line of a JSON Lines answer is not JSON", describe(req, res));
      at = nl + 1;
    }
  }
}

// What the server wrote frames as the answers it gave, in order, and nothing else.
void check_written(std::string_view out) {
  constexpr std::string_view carry_on = "HTTP/1.1 100 Continue\r\n\r\n";  // Expect: 100-continue
  std::size_t at = 0;
  const auto skip_continue = [&] {
    while (out.substr(at).starts_with(carry_on)) at += carry_on.size();
  };
  for (const answer& a : answers()) {
    skip_continue();
    const std::size_t end = out.find("\r\n\r\n", at);
    check(end != std::string_view::npos, "an answer's headers do not end", a.request);
    const std::string_view head = out.substr(at, end + 2 - at);
    const std::string status_line = "HTTP/1.1 " + std::to_string(a.status) + " ";
    check(head.starts_with(status_line), "an answer's status line is not its status", a.request);
    std::optional<std::size_t> length;
    for (std::size_t line = head.find("\r\n") + 2; line < head.size();) {
      const std::size_t eol = head.find("\r\n", line);
      const std::string_view h = head.substr(line, eol - line);
      const std::size_t colon = h.find(": ");
      check(colon != std::string_view::npos && colon > 0 && h.find_first_of("\r\n") == std::string_view::npos,
            "an answer's header is not one `Name: value` line", a.request + "\n" + cut(std::string(h)));
      if (h.substr(0, colon) == "Content-Length") length = std::stoull(std::string(h.substr(colon + 2)));
      line = eol + 2;
    }
    check(length.has_value(), "an answer has no Content-Length", a.request);
    at = end + 4 + (a.head ? 0 : *length);
    check(at <= out.size(), "an answer's body is shorter than its Content-Length", a.request);
  }
  skip_continue();
  check(at == out.size(), "the server wrote more than its answers", cut(std::string(out.substr(at))));
}

// What the service's store holds, as far as requests can change it.
struct store_state {
  std::uint64_t position = 0;
  std::uint64_t last_sequence = 0;
  std::vector<std::pair<std::string, std::uint64_t>> consumers;
  friend bool operator==(const store_state&, const store_state&) = default;
};

// Sets ?wait=S to 0 where the service would wait S seconds (a wait it refuses stays as sent).
void no_waiting(httplib::Request& req) {
  const auto [first, last] = req.params.equal_range("wait");
  for (auto it = first; it != last; ++it) {
    try {
      if (service::seconds_param(it->second, "wait", static_cast<double>(service::options{}.max_wait.count())) > 0)
        it->second = "0";
    } catch (const service::request_error&) {
    }
  }
}

// One service (with or without a token) over a store of its own, in its own folder.
class slot {
 public:
  slot(fs::path dir, fs::path baseline, bool token)
      : dir_(std::move(dir)), baseline_(std::move(baseline)), token_(token) {
    start();
  }
  slot(const slot&) = delete;
  slot& operator=(const slot&) = delete;
  ~slot() {
    reader_.reset();
    service_.reset();
  }

  // Serves the connection's bytes as process_and_close_socket serves a socket's.
  void serve(std::string_view bytes) {
    answers().clear();
    memory_stream stream(bytes);
    for (std::size_t count = CPPHTTPLIB_KEEPALIVE_MAX_COUNT; count > 0 && stream.unread(); --count) {
      bool closed = false;
      if (!service_->front.http.serve_request(stream, count == 1, closed, no_waiting) || closed) break;
    }
    check_written(stream.written());
    const store_state now = state();
    if (now != initial_) reopen_and_reset(now);
  }

 private:
  // A fresh copy of the baseline store, and the service over it.
  void start() {
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    for (const auto& f : fs::directory_iterator(baseline_.parent_path()))
      if (!f.path().filename().string().ends_with("-writer")) fs::copy_file(f.path(), dir_ / f.path().filename());
    service::options o;
    o.token = token_ ? std::string(fuzz_token) : std::string();
    o.mode = service::clock_mode::manual;
    o.clock = []() -> std::chrono::system_clock::time_point { fail("the service read its clock with --clock manual"); };
    o.monotonic = [] { return std::chrono::steady_clock::time_point{}; };  // waits are 0 here: never past
    o.threads = 1;
    o.queue = 1;
    // Limits small enough for inputs of a few KB to reach them. Not `max_events`: GET /v1/events
    // without a limit asks for 1000, refused (400) under a lower bound.
    o.max_body = 2048;
    o.max_line = 512;
    o.max_commands = 8;
    o.max_events = 1000;
    const fs::path db = dir_ / baseline_.filename();
    durable_engine d(std::make_unique<sqlite_storage>(db, store_options()), fuzz::cal(), builtin_policies(),
                     engine_options());
    service_ = service::make_impl(std::move(d), db, std::move(o));
    service_->front.http.set_post_routing_handler(check_answer);
    sqlite_options r = store_options();
    r.read_only = true;
    reader_ = std::make_unique<sqlite_storage>(db, r);
    initial_ = state();
  }

  // Read beside the service, as `dueday status` reads (no round trip through its writer thread):
  // every answer was given after its commit.
  store_state state() {
    store_state s;
    s.position = reader_->position();
    s.last_sequence = reader_->last_sequence();
    s.consumers = reader_->consumers();
    return s;
  }

  // The service stopped (its queue applied, a checkpoint), its store opens again as it left it;
  // then the baseline again.
  void reopen_and_reset(const store_state& left) {
    reader_.reset();
    service_.reset();
    const fs::path db = dir_ / baseline_.filename();
    try {
      durable_engine d(std::make_unique<sqlite_storage>(db, store_options()), fuzz::cal(), builtin_policies(),
                       engine_options());
      store_state s;
      s.position = d.position();
      s.last_sequence = d.storage().last_sequence();
      s.consumers = d.storage().consumers();
      check(s == left, "the store opened again is not where the service left it");
      const auto events = d.storage().read_events(0, static_cast<std::size_t>(left.last_sequence) + 1);
      check(events.size() == left.last_sequence, "the store's outbox lost events");
      for (std::size_t i = 0; i < events.size(); ++i)
        check(events[i].sequence == i + 1 && is_json(events[i].json),
              "the store's outbox is not in order, or not JSON");
    } catch (const error& e) {
      fail("the store the service wrote does not open again", e.what());
    }
    start();
  }

  fs::path dir_;
  fs::path baseline_;
  bool token_;
  std::unique_ptr<service::server::impl> service_;
  std::unique_ptr<sqlite_storage> reader_;
  store_state initial_;
};

// The temporary folder: the baseline store, and the two services' own copies.
class workspace {
 public:
  workspace() {
    const fs::path tmp = fs::temp_directory_path();
    std::string name = (tmp / "dueday-http-fuzz-XXXXXX").string();
    check(::mkdtemp(name.data()) != nullptr, "cannot make a temporary folder", name);
    root_ = name;
    const fs::path baseline = root_ / "baseline" / "store.db";
    fs::create_directories(baseline.parent_path());
    {
      durable_engine d(std::make_unique<sqlite_storage>(baseline, store_options()), fuzz::cal(), builtin_policies(),
                       engine_options());
      std::vector<command> commands;
      std::vector<std::string> ids;
      for (const char* line : baseline_commands) {
        std::string id;
        commands.push_back(parse_command(line, "baseline", static_cast<std::int64_t>(commands.size() + 1), id));
        ids.push_back(id);
      }
      for (const auto& o : d.apply(commands, ids)) check(o.accepted(), "a baseline command was not accepted");
      d.storage().acknowledge("fuzz", 1);
      d.checkpoint();
    }
    plain_.emplace(root_ / "plain", baseline, false);
    token_.emplace(root_ / "token", baseline, true);
  }
  workspace(const workspace&) = delete;
  workspace& operator=(const workspace&) = delete;
  ~workspace() {
    plain_.reset();
    token_.reset();
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  slot& with_token(bool token) { return token ? *token_ : *plain_; }

 private:
  fs::path root_;
  std::optional<slot> plain_, token_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return fuzz::run([&] {
    if (size == 0) return;
    static workspace w;
    w.with_token((data[0] & 1U) != 0).serve(fuzz::text_of(data + 1, size - 1));
  });
}
