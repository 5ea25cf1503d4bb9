// dueday serve: the durable monitor as an HTTP service (README.md, "dueday serve", has the contract).
//
//   dueday::service::options o;                        // 127.0.0.1:8490, system clock
//   o.clock = ...; o.monotonic = ...;                  // the host's wall and monotonic clocks
//                                                      // (examples/cli_serve.cpp): it reads none
//   dueday::service::server s(std::move(engine), "monitor.db", o);
//   s.bind();                                          // the port (o.port 0: a free one)
//   s.run();                                           // until stop(): drains, checkpoints
//
// Threads: the durable_engine is not thread-safe, so one writer thread owns it (writer.hpp): HTTP
// handler threads hand it commands, acknowledgements, ticks and queries and wait for the answer;
// commands queued by concurrent requests are applied in one batch (group commit, one transaction).
// Events are read by handler threads through read-only connections of their own (sqlite_options::
// read_only), which see each batch once committed, so a long poll never holds up the writer; the
// writer wakes long polls after each commit.
//
// Not part of the installed library (which reads no clock and links no HTTP library): the service
// takes its clock as a function. cpp-httplib 0.11.4 (Debian 12): see http.cpp for the known issues
// of that version and how the service keeps clear of them.
#pragma once

#include <dueday/store.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

namespace dueday::service {

// Where the service's time comes from.
enum class clock_mode : std::uint8_t {
  system,  // alerts are raised when due by the clock, with no request (a tick journaled as `dueday tick`)
  manual,  // only POST /v1/tick moves time on (tests, replays of a past period)
};

struct options {
  std::string host = "127.0.0.1";  // the address to listen on (loopback by default)
  int port = 8490;                 // 0: any free port (server::bind says which)
  std::string token;  // when not empty, every request but GET /healthz needs "Authorization: Bearer <token>"
  clock_mode mode = clock_mode::system;
  // The machine's clock (required): when alerts fall due (system mode) and the instant open cases
  // are judged at (GET /v1/cases; manual mode judges them at the engine's time instead).
  std::function<std::chrono::system_clock::time_point()> clock;
  // The machine's monotonic clock (required): it times requests (the latency histogram) and ends
  // long polls. The service reads no clock of its own.
  std::function<std::chrono::steady_clock::time_point()> monotonic;
  // HTTP worker threads: requests served at once. A long poll holds one for up to max_wait and a
  // kept-alive connection one until keep_alive passes idle, so a few consumers and dashboards
  // would take all of 8 (the first default); threads wait, they cost no CPU.
  std::size_t threads = 64;
  std::size_t queue = 64;              // connections accepted and waiting for a worker; then accept waits
  std::size_t max_body = 8 << 20;      // bytes of a request body, after any Content-Encoding (413)
  std::size_t max_line = 64 << 10;     // bytes of one command (a line or an array element) (413)
  std::size_t max_commands = 10'000;   // commands in one request (413)
  std::size_t max_events = 10'000;     // events in one answer (the upper bound of `limit`)
  std::chrono::seconds io_timeout{5};  // read and write timeout of a connection
  std::chrono::seconds keep_alive{2};  // an idle kept-alive connection is closed after this
  std::chrono::seconds max_wait{60};   // the longest long poll (`wait`)
  // Checkpoints written by the writer thread (0: only when it stops): once this many commands
  // were journaled after the latest, as soon as no work has come for half a second; under a load
  // that never leaves it so quiet, once checkpoint_patience times as many were. A checkpoint
  // holds up every request queued meanwhile (0.3 to 0.4 s with 125,000 open cases on a loaded
  // 2-core machine), so it waits for a quiet moment; the patience bounds the journal that opening
  // the store replays. Give the server an engine whose own automatic checkpoints are off
  // (durable_options::checkpoint_every 0), or it checkpoints in the middle of batches as well.
  std::uint64_t checkpoint_every = 100'000;
  std::uint64_t checkpoint_patience = 10;
};

class server {
 public:
  // The service over `engine` (the store's one writer), whose file `db` it also opens read-only to
  // read events. Starts the writer thread (which raises what is already due in system mode).
  // Throws dueday::error for options that cannot work (no clock or monotonic clock, zero threads).
  server(dueday::durable_engine engine, std::filesystem::path db, options o);
  server(const server&) = delete;
  server& operator=(const server&) = delete;
  ~server();  // stop(); destroy it once run() returned

  // Binds the listening socket; returns the port. Throws dueday::error "cannot listen on
  // HOST:PORT" when that fails.
  int bind();
  // Serves until stop() (any thread); then finishes the requests in flight, applies the commands
  // queued, writes a checkpoint and returns. Throws dueday::error when it cannot serve.
  void run();
  // Stops run(): returns at once; long polls answer with what they have. Thread-safe, idempotent,
  // not async-signal-safe (the CLI calls it from a thread that waits for SIGTERM and SIGINT).
  void stop();
  // Why the final checkpoint failed ("" when it did not), after run() returned.
  [[nodiscard]] std::string checkpoint_error() const;

  struct impl;  // the service's own files (impl.hpp)

 private:
  std::unique_ptr<impl> p_;
};

}  // namespace dueday::service
