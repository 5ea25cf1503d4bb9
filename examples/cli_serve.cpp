// `dueday serve` (cli_serve.hpp): opens the store as its one writer, checks the listening address
// and the token, and runs the service (src/service) until SIGTERM or SIGINT. The service's clock is
// this machine's: the CLI may read it, the library never does.
//
// Signals: SIGTERM and SIGINT are blocked in every thread (the mask is set before any is started)
// and taken by one thread with sigtimedwait, which stops the server: the requests in flight are
// answered, the commands queued applied, a checkpoint written, exit 0.
#include "cli_serve.hpp"

#include <fmt/format.h>
#include <pthread.h>
#include <dueday/error.hpp>

#include <atomic>
#include <cctype>
#include <chrono>
#include <csignal>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

#include "cli_args.hpp"
#include "cli_store.hpp"
#include "service/cluster.hpp"
#include "service/requests.hpp"
#include "service/service.hpp"

namespace dueday_cli {

namespace {

constexpr std::size_t max_path = 1024;
constexpr std::size_t least_token = 16;
constexpr std::size_t most_token = 4096;

// The token in `file`: its text without the trailing line break, printable ASCII, no spaces.
std::string read_token(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw dueday::error(fmt::format("--token-file {}: cannot open file", dueday::escape(file, max_path)));
  std::string token((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  const bool printable = std::all_of(token.begin(), token.end(), [](char ch) { return ch > ' ' && ch < 127; });
  if (token.size() < least_token || token.size() > most_token || !printable)
    throw dueday::error(
        fmt::format("--token-file {}: expected one token of {} to {} printable ASCII characters, "
                    "no spaces (then at most a line break)",
                    dueday::escape(file, max_path), least_token, most_token));
  return token;
}

dueday::service::listen_address listen_arg(const std::string& text) {
  try {
    return dueday::service::parse_listen(text);
  } catch (const dueday::service::request_error& e) {
    throw dueday::error(e.message);
  }
}

}  // namespace

CLI::App* add_serve_command(CLI::App& app, serve_args& a) {
  auto* c = app.add_subcommand("serve", "serve a store over HTTP: commands in, events out, cases, metrics");
  auto* db = c->add_option("--db", a.db, "the store (SQLite file), created when missing");
  auto* nats = c->add_option("--nats", a.nats.urls,
                             "cluster mode: NATS server URLs, comma-separated; commands go to their partitions");
  db->excludes(nats);
  c->add_option("--partitions", a.nats.partitions, "cluster mode: P of a new deployment (default 0: join one)")
      ->needs(nats);
  c->add_option("--replicas", a.nats.replicas, "cluster mode: replicas of new streams (default 0: 3 with 3 servers)")
      ->needs(nats);
  c->add_option("--listen", a.listen, "HOST:PORT to listen on (default 127.0.0.1:8490; port 0: any free one)");
  c->add_option("--token-file", a.token_file, "file holding the bearer token every request but /healthz must carry");
  c->add_option("--clock", a.clock, "system (default: alerts raised when due) or manual (POST /v1/tick)");
  c->add_option("--sync", a.sync, "full (default) or normal");
  c->add_option("--checkpoint-every", a.checkpoint_every,
                "commands between checkpoints, written when no request waits, at the latest after 10 times as many "
                "(default 100000; 0: at exit)");
  c->add_option("--threads", a.threads, "HTTP worker threads (default 64)");
  c->add_option("--policy", a.policies, "policy file (*.toml), repeatable; default: the bundled policies");
  // What only a local engine uses (the workers have their own).
  for (const char* name : {"--clock", "--sync", "--checkpoint-every", "--policy"}) c->get_option(name)->excludes(nats);
  return c;
}

namespace {

// What both modes take from the command line: where to listen, the token, the threads.
dueday::service::options common_options(const serve_args& a, dueday::service::listen_address& where) {
  dueday::service::options o;
  where = listen_arg(a.listen);
  o.host = where.host;
  o.port = where.port;
  if (a.token_file.empty() && !dueday::service::is_loopback(o.host))
    throw dueday::error(
        fmt::format("--listen {}: a non-loopback address needs --token-file (anyone who reaches it "
                    "could feed the monitor)",
                    dueday::escape(a.listen, 300)));
  if (!a.token_file.empty()) o.token = read_token(a.token_file);
  o.threads = static_cast<std::size_t>(number_arg(a.threads, "--threads", 1, 256));
  return o;
}

// SIGTERM and SIGINT, blocked in this thread and every thread started after.
sigset_t block_stop_signals() {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  return stop_signals;
}

// Runs `s` until one of `stop_signals` comes (a thread of its own waits for it and stops `s`).
template <class Server>
void serve_until_signal(Server& s, const sigset_t& stop_signals) {
  std::atomic<bool> done{false};
  std::thread watcher([&] {
    const timespec step{0, 200'000'000};
    while (!done) {
      if (sigtimedwait(&stop_signals, nullptr, &step) > 0) {
        s.stop();
        return;
      }
    }
  });
  try {
    s.run();
  } catch (...) {
    done = true;
    watcher.join();
    throw;
  }
  done = true;
  watcher.join();
}

int run_cluster_serve(const serve_args& a) {
  dueday::service::listen_address where;
  dueday::service::options o = common_options(a, where);
  // Before the NATS client starts its threads, so that they inherit the mask.
  const sigset_t stop_signals = block_stop_signals();
  auto log = open_transport(a.nats);
  if (!log) return 1;
  dueday::cluster::nats_transport& t = *log;
  dueday::service::cluster_server s(
      t, [&t] { return !t.connected_url().empty(); }, std::move(o));
  const int port = s.bind();
  fmt::print(stderr, "dueday: serving {}:{} (cluster {}, {} partitions)\n", where.host, port,
             dueday::escape(a.nats.urls, max_path), t.partitions());
  std::fflush(stderr);
  serve_until_signal(s, stop_signals);
  return 0;
}

}  // namespace

int run_serve(const serve_args& a, const dueday::calendar& cal, const dueday::policy_set& policies) {
  if (!a.nats.urls.empty()) return run_cluster_serve(a);
  if (a.db.empty()) throw dueday::error("serve: --db FILE (a store) or --nats URLS (cluster mode) is required");
  dueday::service::listen_address where;
  dueday::service::options o = common_options(a, where);
  if (a.clock != "system" && a.clock != "manual")
    throw dueday::error(fmt::format("--clock: {} (expected system or manual)", dueday::quote(a.clock)));
  o.mode = a.clock == "system" ? dueday::service::clock_mode::system : dueday::service::clock_mode::manual;
  o.clock = [] { return std::chrono::system_clock::now(); };
  o.monotonic = [] { return std::chrono::steady_clock::now(); };
  const auto checkpoint_every = number_arg(a.checkpoint_every, "--checkpoint-every", 0, UINT64_MAX / 2);
  const auto sync = sync_arg(a.sync);

  // Blocked before any thread starts, so that every thread inherits the mask.
  const sigset_t stop_signals = block_stop_signals();

  int rc = 0;
  // The writer thread checkpoints (at quiet moments, service.hpp), not the engine within a batch.
  o.checkpoint_every = checkpoint_every;
  auto d = open_durable(a.db, sync, 0, cal, policies, rc);
  if (!d) return rc;
  std::optional<dueday::service::server> s;
  int port = 0;
  try {
    s.emplace(std::move(*d), a.db, std::move(o));
    port = s->bind();
  } catch (const dueday::store_error& e) {
    return store_failure(a.db, e.what(), 1);
  }
  fmt::print(stderr, "dueday: serving {}:{} (store {}, clock {})\n", where.host, port, dueday::escape(a.db, max_path),
             a.clock);
  std::fflush(stderr);
  serve_until_signal(*s, stop_signals);
  if (const auto why = s->checkpoint_error(); !why.empty())
    fmt::print(stderr, "dueday: warning: the checkpoint at exit failed (the commands are stored): {}\n",
               dueday::escape(why, std::string_view::npos));
  return 0;
}

}  // namespace dueday_cli
