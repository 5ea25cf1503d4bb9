// A NATS JetStream cluster on loopback for the cluster tests: N `nats-server` processes (one
// alone, or a cluster "dueday-test" of n0, n1, ... routed to each other), each with JetStream, a
// config file and its store under one temporary folder, on free 127.0.0.1 ports (client and
// cluster route). Servers can be SIGKILLed and started again (same store, same ports). The
// destructor kills what runs and removes the folder. Every wait is bounded. POSIX.
//
// Where nats-server is missing, nats_cluster_or_skip() says so in a doctest MESSAGE and marks the
// run skipped (the test program then exits 77, which ctest shows as skipped), or, with
// DUEDAY_CLUSTER_REQUIRED or CI set (./build.sh test sets it, after installing nats-server), fails.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dueday::test {

// The nats-server program: $DUEDAY_NATS_SERVER, else the first on PATH, /usr/sbin or /usr/local/sbin.
[[nodiscard]] std::optional<std::filesystem::path> find_nats_server();
// Whether some case found no nats-server and returned early (the program then exits 77).
[[nodiscard]] bool cluster_skipped();

class nats_cluster {
 public:
  // Starts `servers` servers and waits (up to 20 s) until JetStream creates a stream with
  // min(servers, 3) replicas. Throws std::runtime_error when it cannot.
  nats_cluster(const std::filesystem::path& program, int servers);
  ~nats_cluster();
  nats_cluster(const nats_cluster&) = delete;
  nats_cluster& operator=(const nats_cluster&) = delete;

  [[nodiscard]] int size() const noexcept { return static_cast<int>(servers_.size()); }
  [[nodiscard]] std::string urls() const;  // "nats://127.0.0.1:P0,nats://127.0.0.1:P1,..."
  [[nodiscard]] std::string url(int i) const;
  [[nodiscard]] std::string name(int i) const { return "n" + std::to_string(i); }
  [[nodiscard]] int index_of(std::string_view name) const;  // -1 for none
  [[nodiscard]] const std::filesystem::path& dir() const noexcept { return dir_; }

  void kill(int i);     // SIGKILL, reaped
  void restart(int i);  // started again, its client port answering within 5 s
  // The name of the server leading `stream` now ("" while it has none or on error).
  [[nodiscard]] std::string leader(const std::string& stream) const;
  // Waits (up to `limit`) until every replica of `stream` is current; false if they are not by then.
  bool wait_current(const std::string& stream, std::chrono::milliseconds limit) const;
  // How many messages `stream` holds on `subject` (no wildcards).
  [[nodiscard]] std::uint64_t count(const std::string& stream, const std::string& subject) const;
  // Publishes `data` on `subject` to JetStream (a stream takes it), e.g. a chunk without its commit.
  void publish(const std::string& subject, const std::string& data) const;

 private:
  struct server {
    int client_port = 0;
    int route_port = 0;
    std::filesystem::path config;
    pid_t pid = -1;
  };
  void start(int i);
  void stop_all() noexcept;  // every server killed and reaped, the folder removed
  void wait_jetstream(std::chrono::milliseconds limit) const;

  std::filesystem::path program_;
  std::filesystem::path dir_;
  std::vector<server> servers_;
};

// A started cluster, or null after a MESSAGE (skipped) or a FAIL (required) when nats-server is
// missing.
[[nodiscard]] std::unique_ptr<nats_cluster> nats_cluster_or_skip(int servers);

}  // namespace dueday::test
