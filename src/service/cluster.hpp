// dueday serve in cluster mode (`dueday serve --nats URLS`): the HTTP front of a cluster (issue 12).
// POST /v1/commands takes the bodies single mode takes, with the same limits, token and guards,
// and publishes each command to its partition's command log (cluster/publisher.hpp) rather than
// applying it: the workers apply them asynchronously, so an answer says where a command went,
// never what its engine made of it. README.md, "serve in cluster mode", has the contract.
//
//   dueday::cluster::nats_transport log(nats_options);       // the CLI connects (cli_serve.cpp)
//   dueday::service::cluster_server s(log, [&] { return !log.connected_url().empty(); }, o);
//   s.bind();
//   s.run();                                                  // until stop()
//
// Nothing here needs a clock (options::clock and monotonic may be empty); the paths that need a
// local engine (cases, events, reports, acknowledgements, ticks, metrics, the dashboard) answer
// 501 with where to look instead.
#pragma once

#include <functional>
#include <memory>

#include "cluster/transport.hpp"
#include "service/service.hpp"

namespace dueday::service {

class cluster_server {
 public:
  // Serves `log` (kept by reference: it must outlive the server); `reachable` says whether the
  // log answers now (GET /healthz; called on each, so it must be quick). Throws dueday::error for
  // options that cannot work (zero threads).
  cluster_server(dueday::cluster::transport& log, std::function<bool()> reachable, options o);
  cluster_server(const cluster_server&) = delete;
  cluster_server& operator=(const cluster_server&) = delete;
  ~cluster_server();  // stop(); destroy it once run() returned

  // As server's: bind() returns the port (throws dueday::error "cannot listen on HOST:PORT"); run()
  // serves until stop(), finishing the requests in flight; stop() is thread-safe and idempotent.
  int bind();
  void run();
  void stop();

  struct impl;

 private:
  std::unique_ptr<impl> p_;
};

}  // namespace dueday::service
