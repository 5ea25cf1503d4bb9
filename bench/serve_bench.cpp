// `dueday serve` over HTTP on loopback (issue 11, point 6): commands/s from 16 clients posting
// batches of 1 and of 100 (request latency p50/p99), events/s to one consumer long-polling and
// acknowledging meanwhile, and the service's resident memory per open case after loading them.
// Figures only: it prints the goal beside them and never fails on them.
//
//   dueday_serve_bench DUEDAY WORK_DIR [--clients 16] [--singles 300] [--batches 150]
//                      [--checkpoint-every N]   (passed to dueday serve; its default otherwise)
//
// Each client opens cases of its own (B<client>-<n>) and starts their survey in its next batch,
// all at one instant, so that no command is refused for its time whatever order the service
// takes them in; every command has an id. The store is a fresh one in WORK_DIR (on disk, as
// --sync full needs: not a tmpfs), removed afterwards.
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "serve_process.hpp"

namespace {

using steady = std::chrono::steady_clock;
namespace fs = std::filesystem;

constexpr const char* at = "2026-10-08T09:00:00+08:00";

std::unique_ptr<httplib::Client> connect(int port) {
  auto c = std::make_unique<httplib::Client>("127.0.0.1", port);
  c->set_read_timeout(30);
  c->set_keep_alive(true);
  c->set_tcp_nodelay(true);  // no Nagle delay between the request's headers and body
  return c;
}

// A batch of client `k`: the survey start of the cases opened last (by the batch before), then new
// cases; batches of 1 open cases only.
std::string batch_body(int k, int size, int& next_case) {
  std::string body;
  const int starts = std::min(size / 2, next_case);
  for (int i = 0; i < size; ++i) {
    const bool start = i < starts;
    const int c = start ? next_case - starts + i : next_case++;
    const std::string id = "B" + std::to_string(k) + "-" + std::to_string(c);
    body.append("{\"id\":\"").append(start ? "s" : "o").append(id).append("\",\"type\":\"");
    body.append(start ? "start" : "open").append("\",\"case\":\"").append(id).append("\",\"at\":\"").append(at);
    body.append(start ? "\",\"step\":\"survey\"}\n"
                      : "\",\"policy\":\"kunming-water-490\",\"variant\":\"no-external\"}\n");
  }
  return body;
}

struct phase {
  double seconds = 0;
  long commands = 0;
  std::vector<double> latency_ms;
};

// `clients` threads each posting `requests` batches of `size` commands.
phase load(int port, int clients, int requests, int size, std::vector<int>& next_case) {
  std::vector<std::vector<double>> latency(static_cast<std::size_t>(clients));
  std::atomic<long> failed{0};
  std::vector<std::thread> threads;
  threads.reserve(static_cast<std::size_t>(clients));
  const auto t0 = steady::now();
  for (int k = 0; k < clients; ++k) {
    threads.emplace_back([&, k] {
      auto http = connect(port);
      for (int r = 0; r < requests; ++r) {
        const std::string body = batch_body(k, size, next_case[static_cast<std::size_t>(k)]);
        const auto t = steady::now();
        const auto res = http->Post("/v1/commands", body, "application/x-ndjson");
        latency[static_cast<std::size_t>(k)].push_back(
            std::chrono::duration<double, std::milli>(steady::now() - t).count());
        if (!res || res->status != 200 || res->body.find("rejected") != std::string::npos) {
          if (failed++ < 5)
            std::printf("  (request %d of client %d failed after %.1f ms: %s)\n", r, k,
                        latency[static_cast<std::size_t>(k)].back(),
                        res ? res->body.substr(0, 300).c_str() : httplib::to_string(res.error()).c_str());
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  phase p;
  p.seconds = std::chrono::duration<double>(steady::now() - t0).count();
  p.commands = static_cast<long>(clients) * requests * size;
  for (auto& l : latency) p.latency_ms.insert(p.latency_ms.end(), l.begin(), l.end());
  if (failed > 0) std::printf("  (%ld requests failed or had a command refused)\n", failed.load());
  return p;
}

void print(const char* what, phase& p, const char* goal) {
  std::printf("  %s: %.0f commands/s (%ld in %.2f s), request latency p50 %.1f ms, p99 %.1f ms%s\n", what,
              static_cast<double>(p.commands) / p.seconds, p.commands, p.seconds,
              serve_test::quantile(p.latency_ms, 0.5), serve_test::quantile(p.latency_ms, 0.99), goal);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(
        stderr,
        "usage: dueday_serve_bench DUEDAY WORK_DIR [--clients N] [--singles N] [--batches N] [--checkpoint-every N]\n");
    return 2;
  }
  int clients = 16, singles = 300, batches = 150;
  std::string checkpoint_every;  // the service's own default when not given
  for (int i = 3; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    if (k == "--checkpoint-every") {
      checkpoint_every = argv[i + 1];
      continue;
    }
    (k == "--clients" ? clients : k == "--singles" ? singles : batches) = std::atoi(argv[i + 1]);
  }
  const fs::path work = fs::path(argv[2]) / "serve-bench";
  fs::remove_all(work);
  fs::create_directories(work);
  serve_test::server_process server;
  std::vector<std::string> args{
      argv[1],    "serve",       "--db",      (work / "bench.db").string(), "--clock", "manual",
      "--listen", "127.0.0.1:0", "--threads", std::to_string(clients + 4)};
  if (!checkpoint_every.empty()) args.insert(args.end(), {"--checkpoint-every", checkpoint_every});
  server.start(args, work / "stderr.txt");
  const int port = server.wait_serving(std::chrono::seconds(20));
  if (port <= 0) {
    std::fprintf(stderr, "dueday serve did not start\n");
    return 1;
  }
  const long rss_empty = serve_test::rss_kib(server.pid());
  std::printf("dueday serve over HTTP (loopback, %d clients, --sync full, one store on disk):\n", clients);
  std::vector<int> next_case(static_cast<std::size_t>(clients), 0);
  phase ones = load(port, clients, singles, 1, next_case);
  print("batches of 1", ones, "");

  // One consumer long-polls and acknowledges while the batches of 100 go in.
  std::atomic<bool> loading{true};
  std::atomic<std::uint64_t> read{0};
  double consumer_s = 0;
  std::thread consumer([&] {
    auto http = connect(port);
    std::uint64_t after = 0;
    const auto t0 = steady::now();
    for (bool last = false; !last;) {
      last = !loading;  // one more read after the load ended: the rest
      const auto res = http->Get("/v1/events?after=" + std::to_string(after) + "&limit=10000&wait=1");
      if (!res || res->status != 200) break;
      const auto n = static_cast<std::uint64_t>(std::count(res->body.begin(), res->body.end(), '\n'));
      if (n == 0) continue;
      last = false;
      after += n;
      (void)http->Post("/v1/consumers/bench/ack", "{\"seq\":" + std::to_string(after) + "}", "application/json");
    }
    consumer_s = std::chrono::duration<double>(steady::now() - t0).count();
    read = after;
  });
  phase hundreds = load(port, clients, batches, 100, next_case);
  loading = false;
  consumer.join();
  print("batches of 100", hundreds, "   (goal: >= 50000 commands/s with p99 < 50 ms)");
  std::printf(
      "  one consumer long-polling (limit 10000) and acknowledging during that load: %.0f events/s (%llu "
      "events in %.2f s)\n",
      static_cast<double>(read.load()) / consumer_s, static_cast<unsigned long long>(read.load()), consumer_s);

  long open_cases = 0;
  for (const int n : next_case) open_cases += n;
  const long rss = serve_test::rss_kib(server.pid());
  std::printf("  memory: %ld KiB resident with %ld open cases, %ld KiB empty: %.0f bytes per open case\n", rss,
              open_cases, rss_empty, static_cast<double>(rss - rss_empty) * 1024.0 / static_cast<double>(open_cases));
  server.signal(SIGTERM);
  const auto status = server.wait(std::chrono::seconds(60));
  if (!status || !WIFEXITED(*status) || WEXITSTATUS(*status) != 0) std::printf("  (dueday serve did not exit 0)\n");
  fs::remove_all(work);
  return 0;
}
