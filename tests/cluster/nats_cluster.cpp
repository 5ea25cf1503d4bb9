#include "nats_cluster.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "../run_process.hpp"
#include "cluster/nats_handles.hpp"

namespace dueday::test {

namespace fs = std::filesystem;
namespace nd = dueday::cluster::detail;
using namespace std::chrono_literals;

namespace {

bool skipped_flag = false;

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  ::close(fd);
  if (port <= 0) throw std::runtime_error("no free port on 127.0.0.1");
  return port;
}

bool port_answers(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

std::string tail(const fs::path& log) {
  std::ifstream in(log);
  std::stringstream s;
  s << in.rdbuf();
  const std::string text = s.str();
  return text.size() > 1500 ? text.substr(text.size() - 1500) : text;
}

// A short-lived connection and JetStream context for the harness's own questions.
struct session {
  nd::connection_ptr conn;
  nd::js_ptr js;
};

std::optional<session> connect(const std::string& urls) {
  natsOptions* raw = nullptr;
  if (natsOptions_Create(&raw) != NATS_OK) return std::nullopt;
  const nd::options_ptr opts{raw};
  std::vector<std::string> list;
  std::stringstream in(urls);
  for (std::string u; std::getline(in, u, ',');) list.push_back(u);
  std::vector<const char*> servers;
  for (const auto& u : list) servers.push_back(u.c_str());
  if (natsOptions_SetServers(opts.get(), servers.data(), static_cast<int>(servers.size())) != NATS_OK ||
      natsOptions_SetTimeout(opts.get(), 1000) != NATS_OK || natsOptions_SetMaxReconnect(opts.get(), 0) != NATS_OK) {
    return std::nullopt;
  }
  natsConnection* nc = nullptr;
  if (natsConnection_Connect(&nc, opts.get()) != NATS_OK) return std::nullopt;
  session s{nd::connection_ptr{nc}, nullptr};
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Wait = 2000;
  jsCtx* js = nullptr;
  if (natsConnection_JetStream(&js, nc, &jo) != NATS_OK) return std::nullopt;
  s.js.reset(js);
  return s;
}

bool required() { return std::getenv("DUEDAY_CLUSTER_REQUIRED") != nullptr || std::getenv("CI") != nullptr; }

}  // namespace

std::optional<fs::path> find_nats_server() {
  if (const char* given = std::getenv("DUEDAY_NATS_SERVER"); given != nullptr && *given != '\0') {
    if (::access(given, X_OK) == 0) return fs::path(given);
    return std::nullopt;
  }
  std::vector<fs::path> dirs;
  if (const char* path = std::getenv("PATH"); path != nullptr) {
    std::stringstream s(path);
    for (std::string d; std::getline(s, d, ':');) dirs.emplace_back(d);
  }
  dirs.emplace_back("/usr/sbin");
  dirs.emplace_back("/usr/local/sbin");
  for (const auto& d : dirs) {
    const fs::path p = d / "nats-server";
    if (::access(p.c_str(), X_OK) == 0) return p;
  }
  return std::nullopt;
}

bool cluster_skipped() { return skipped_flag; }

std::unique_ptr<nats_cluster> nats_cluster_or_skip(int servers) {
  const auto program = find_nats_server();
  if (!program) {
    if (required()) {
      FAIL(
          "nats-server not found (on PATH, /usr/sbin, or $DUEDAY_NATS_SERVER) although DUEDAY_CLUSTER_REQUIRED or CI "
          "is set: ./build.sh installs Debian's nats-server");
    } else {
      MESSAGE(
          "SKIPPED: nats-server not found (on PATH, /usr/sbin, or $DUEDAY_NATS_SERVER); apt-get install "
          "nats-server, or ./build.sh test, to run the cluster tests");
      skipped_flag = true;
    }
    return nullptr;
  }
  return std::make_unique<nats_cluster>(*program, servers);
}

nats_cluster::nats_cluster(const fs::path& program, int servers) : program_(program) {
  std::string tmpl = (fs::temp_directory_path() / "dueday-nats-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  servers_.resize(static_cast<std::size_t>(servers));
  for (auto& s : servers_) {
    s.client_port = free_port();
    s.route_port = free_port();
  }
  for (int i = 0; i < servers; ++i) {
    auto& s = servers_[static_cast<std::size_t>(i)];
    s.config = dir_ / (name(i) + ".conf");
    std::ofstream conf(s.config);
    conf << fmt::format("server_name: {}\nlisten: \"127.0.0.1:{}\"\njetstream {{ store_dir: \"{}\" }}\n", name(i),
                        s.client_port, (dir_ / name(i)).string());
    if (servers > 1) {
      conf << fmt::format("cluster {{\n  name: \"dueday-test\"\n  listen: \"127.0.0.1:{}\"\n  routes: [\n",
                          s.route_port);
      for (const auto& other : servers_) conf << fmt::format("    \"nats-route://127.0.0.1:{}\"\n", other.route_port);
      conf << "  ]\n}\n";
    }
  }
  try {
    for (int i = 0; i < servers; ++i) start(i);
    wait_jetstream(20s);
  } catch (...) {
    stop_all();
    throw;
  }
}

nats_cluster::~nats_cluster() { stop_all(); }

void nats_cluster::stop_all() noexcept {
  for (auto& s : servers_) {
    if (s.pid > 0) {
      ::kill(s.pid, SIGKILL);
      ::waitpid(s.pid, nullptr, 0);
      s.pid = -1;
    }
  }
  std::error_code ec;
  if (!dir_.empty()) fs::remove_all(dir_, ec);
  dir_.clear();
}

std::string nats_cluster::url(int i) const {
  return fmt::format("nats://127.0.0.1:{}", servers_.at(static_cast<std::size_t>(i)).client_port);
}

std::string nats_cluster::urls() const {
  std::string out;
  for (int i = 0; i < size(); ++i) out += (i > 0 ? "," : "") + url(i);
  return out;
}

int nats_cluster::index_of(std::string_view n) const {
  for (int i = 0; i < size(); ++i) {
    if (name(i) == n) return i;
  }
  return -1;
}

void nats_cluster::start(int i) {
  auto& s = servers_.at(static_cast<std::size_t>(i));
  const fs::path log = dir_ / (name(i) + ".log");
  const std::vector<std::string> argv{program_.string(), "-c", s.config.string(), "-js"};
  s.pid = ::fork();
  if (s.pid < 0) throw std::runtime_error("fork failed");
  if (s.pid == 0) {
    const int in = ::open("/dev/null", O_RDONLY);
    const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (in < 0 || out < 0 || ::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(out, 2) < 0) ::_exit(127);
    exec_or_exit(argv);
  }
  for (int tries = 0; tries < 500; ++tries) {  // 5 s
    if (port_answers(s.client_port)) return;
    int status = 0;
    if (::waitpid(s.pid, &status, WNOHANG) == s.pid) {
      s.pid = -1;
      throw std::runtime_error(fmt::format("nats-server {} exited at start: {}", name(i), tail(log)));
    }
    std::this_thread::sleep_for(10ms);
  }
  throw std::runtime_error(
      fmt::format("nats-server {} did not listen on {} within 5 s: {}", name(i), s.client_port, tail(log)));
}

void nats_cluster::kill(int i) {
  auto& s = servers_.at(static_cast<std::size_t>(i));
  if (s.pid <= 0) return;
  ::kill(s.pid, SIGKILL);
  ::waitpid(s.pid, nullptr, 0);
  s.pid = -1;
}

void nats_cluster::restart(int i) {
  kill(i);
  start(i);
}

void nats_cluster::wait_jetstream(std::chrono::milliseconds limit) const {
  const auto end = std::chrono::steady_clock::now() + limit;
  const std::int64_t replicas = std::min(size(), 3);
  std::string last = "no connection to " + urls();
  while (std::chrono::steady_clock::now() < end) {
    if (auto s = connect(urls())) {
      jsStreamConfig sc;
      jsStreamConfig_Init(&sc);
      const char* subjects[] = {"dueday.probe"};
      sc.Name = "DUEDAY_PROBE";
      sc.Subjects = subjects;
      sc.SubjectsLen = 1;
      sc.Replicas = replicas;
      sc.Storage = js_MemoryStorage;
      jsStreamInfo* raw = nullptr;
      jsErrCode code = static_cast<jsErrCode>(0);
      const natsStatus st = js_AddStream(&raw, s->js.get(), &sc, nullptr, &code);
      const nd::stream_info_ptr info{raw};
      if (st == NATS_OK) {
        js_DeleteStream(s->js.get(), "DUEDAY_PROBE", nullptr, nullptr);
        return;
      }
      last = nd::nats_message("", "probe stream", st, code);
    }
    std::this_thread::sleep_for(100ms);
  }
  throw std::runtime_error(fmt::format("JetStream of {} server(s) not ready within {} ms: {}; {}.log ends: {}", size(),
                                       limit.count(), last, name(0), tail(dir_ / (name(0) + ".log"))));
}

std::string nats_cluster::leader(const std::string& stream) const {
  auto s = connect(urls());
  if (!s) return {};
  jsStreamInfo* raw = nullptr;
  if (js_GetStreamInfo(&raw, s->js.get(), stream.c_str(), nullptr, nullptr) != NATS_OK) return {};
  const nd::stream_info_ptr info{raw};
  return info->Cluster != nullptr && info->Cluster->Leader != nullptr ? info->Cluster->Leader : "";
}

bool nats_cluster::wait_current(const std::string& stream, std::chrono::milliseconds limit) const {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (auto s = connect(urls())) {
      jsStreamInfo* raw = nullptr;
      if (js_GetStreamInfo(&raw, s->js.get(), stream.c_str(), nullptr, nullptr) == NATS_OK) {
        const nd::stream_info_ptr info{raw};
        const auto* c = info->Cluster;
        bool current = c != nullptr && c->Leader != nullptr && c->ReplicasLen == std::min(size(), 3) - 1;
        for (int r = 0; current && r < c->ReplicasLen; ++r) {
          current = c->Replicas[r]->Current && !c->Replicas[r]->Offline;
        }
        if (current) return true;
      }
    }
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

std::uint64_t nats_cluster::count(const std::string& stream, const std::string& subject) const {
  auto s = connect(urls());
  if (!s) throw std::runtime_error("cannot connect to " + urls());
  jsOptions o;
  jsOptions_Init(&o);
  o.Stream.Info.SubjectsFilter = subject.c_str();
  jsStreamInfo* raw = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  const natsStatus st = js_GetStreamInfo(&raw, s->js.get(), stream.c_str(), &o, &code);
  const nd::stream_info_ptr info{raw};
  if (st != NATS_OK) throw std::runtime_error(nd::nats_message("", "stream info of " + stream, st, code));
  const auto* subjects = info->State.Subjects;
  for (int i = 0; subjects != nullptr && i < subjects->Count; ++i) {
    if (subject == subjects->List[i].Subject) return subjects->List[i].Msgs;
  }
  return 0;
}

void nats_cluster::publish(const std::string& subject, const std::string& data) const {
  auto s = connect(urls());
  if (!s) throw std::runtime_error("cannot connect to " + urls());
  jsErrCode code = static_cast<jsErrCode>(0);
  const natsStatus st =
      js_Publish(nullptr, s->js.get(), subject.c_str(), data.data(), static_cast<int>(data.size()), nullptr, &code);
  if (st != NATS_OK) throw std::runtime_error(nd::nats_message("", "publish on " + subject, st, code));
}

}  // namespace dueday::test
