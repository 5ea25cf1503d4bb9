#include "cluster/nats_client.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <thread>
#include <vector>

namespace dueday::cluster::detail {

namespace {

std::int64_t nanos(std::chrono::milliseconds d) { return std::chrono::nanoseconds{d}.count(); }

// The C client may put anything in its error text: one line it is.
std::string one_line(std::string_view text) {
  std::string out(text);
  std::replace_if(
      out.begin(), out.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  return out;
}

std::vector<std::string> split_urls(std::string_view urls) {
  std::vector<std::string> out;
  while (!urls.empty()) {
    const auto comma = urls.find(',');
    std::string_view url = urls.substr(0, comma);
    while (!url.empty() && url.front() == ' ') url.remove_prefix(1);
    while (!url.empty() && url.back() == ' ') url.remove_suffix(1);
    if (!url.empty()) out.emplace_back(url);
    if (comma == std::string_view::npos) break;
    urls.remove_prefix(comma + 1);
  }
  return out;
}

// Asynchronous errors (a slow consumer, missed heartbeats of an ordered consumer that then resets
// itself) reach the calls that care through their status; the library prints nothing.
void ignore_async_error(natsConnection*, natsSubscription*, natsStatus, void*) {}

// How many servers the connection knows (given and discovered).
int known_servers(natsConnection* nc) {
  char** servers = nullptr;
  int count = 0;
  if (natsConnection_GetServers(nc, &servers, &count) != NATS_OK) return 0;
  for (int i = 0; i < count; ++i) std::free(servers[i]);  // the C API allocated them
  std::free(static_cast<void*>(servers));
  return count;
}

}  // namespace

std::string nats_message(std::string_view prefix, std::string_view what, natsStatus s, jsErrCode code) {
  std::string text = fmt::format("{}{}: {}", prefix, what, natsStatus_GetText(s));
  const char* last = nats_GetLastError(nullptr);
  if (last != nullptr && *last != '\0' && std::string_view{last} != natsStatus_GetText(s)) {
    text += fmt::format(" ({})", one_line(last));
  }
  if (code != 0) text += fmt::format(" [JetStream error {}]", static_cast<int>(code));
  return text;
}

bool may_pass(const nats_failure& f) noexcept {
  switch (f.status()) {
    case NATS_TIMEOUT:
    case NATS_NO_RESPONDERS:
    case NATS_CONNECTION_DISCONNECTED:
    case NATS_NOT_YET_CONNECTED:
    case NATS_IO_ERROR:
    case NATS_STALE_CONNECTION:
    case NATS_NO_SERVER:
    case NATS_SLOW_CONSUMER:
    case NATS_MISMATCH:
    case NATS_MISSED_HEARTBEAT:
      return true;
    case NATS_ERR:
      if (static_cast<int>(f.code()) == 0) return true;  // no JetStream code, e.g. while a leader is elected
      switch (f.code()) {
        case JSClusterNoPeersErr:
        case JSClusterNotAvailErr:
        case JSClusterNotLeaderErr:
        case JSClusterNotAssignedErr:
        case JSRaftGeneralErr:
        case JSStreamNotFoundErr:  // a restarted server recovering its streams
        case JSStreamOfflineErr:
        case JSConsumerOfflineErr:
          return true;
        default:
          return false;
      }
    default:
      return false;
  }
}

std::string fnv1a64_hex(std::string_view bytes) {
  std::uint64_t h = 14695981039346656037ULL;
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return fmt::format("{:016x}", h);
}

nats_client::nats_client(const nats_options& o)
    : prefix_(fmt::format("transport {}: ", o.urls)), timeout_(o.timeout), retry_for_(o.retry_for) {
  const auto urls = split_urls(o.urls);
  if (urls.empty()) throw transport_error(prefix_ + "no server URL given");
  std::vector<const char*> servers;
  servers.reserve(urls.size());
  for (const auto& u : urls) servers.push_back(u.c_str());

  natsOptions* raw_options = nullptr;
  check(prefix_, "natsOptions_Create", natsOptions_Create(&raw_options));
  const options_ptr options{raw_options};
  natsOptions* opts = options.get();
  check(prefix_, "server URLs", natsOptions_SetServers(opts, servers.data(), static_cast<int>(servers.size())));
  check(prefix_, "options", natsOptions_SetName(opts, o.connection_name.c_str()));
  check(prefix_, "options", natsOptions_SetMaxReconnect(opts, -1));  // for ever
  check(prefix_, "options", natsOptions_SetReconnectWait(opts, o.reconnect_wait.count()));
  check(prefix_, "options", natsOptions_SetTimeout(opts, o.timeout.count()));
  check(prefix_, "options", natsOptions_SetPingInterval(opts, 2000));
  check(prefix_, "options", natsOptions_SetMaxPingsOut(opts, 2));
  check(prefix_, "options", natsOptions_SetErrorHandler(opts, ignore_async_error, nullptr));

  conn_ = retry([&] {
    natsConnection* nc = nullptr;
    check(prefix_, "connect", natsConnection_Connect(&nc, opts));
    return connection_ptr{nc};
  });
  jsOptions jo;
  check(prefix_, "jsOptions_Init", jsOptions_Init(&jo));
  jo.Wait = o.timeout.count();
  jsCtx* js = nullptr;
  check(prefix_, "JetStream context", natsConnection_JetStream(&js, conn_.get(), &jo));
  js_.reset(js);

  replicas_ = o.replicas > 0 ? o.replicas : (known_servers(conn_.get()) >= 3 ? 3 : 1);
  natsInbox* inbox = nullptr;
  check(prefix_, "natsInbox_Create", natsInbox_Create(&inbox));
  nuid_ = inbox;  // "_INBOX.<nuid>"
  natsInbox_Destroy(inbox);
  nuid_.erase(0, nuid_.rfind('.') + 1);
}

nats_client::~nats_client() = default;

std::string nats_client::connected_url() const {
  char buffer[256] = {};
  if (natsConnection_GetConnectedUrl(conn_.get(), buffer, sizeof buffer) != NATS_OK) return {};
  return buffer;
}

std::string nats_client::unique_id() { return fmt::format("{}.{}", nuid_, ++counter_); }

void nats_client::check_limit(const call_limit& limit, std::string_view what) const {
  if (limit.passed())
    throw transport_error(fmt::format("{}{}: not started, past the caller's deadline", prefix_, what));
}

bool nats_client::pause_before_retry(int attempt, std::chrono::milliseconds& paused) const {
  const auto pause = std::chrono::milliseconds{std::min(250, 10 << std::min(attempt, 5))};
  if (paused + pause > retry_for_) return false;
  std::this_thread::sleep_for(pause);
  paused += pause;
  return true;
}

void nats_client::ensure_stream(const char* name, const char* subjects, std::chrono::milliseconds duplicate_window,
                                std::chrono::milliseconds max_age) {
  jsStreamConfig sc;
  check(prefix_, "jsStreamConfig_Init", jsStreamConfig_Init(&sc));
  const char* subject_list[] = {subjects};
  sc.Name = name;
  sc.Subjects = subject_list;
  sc.SubjectsLen = 1;
  sc.Storage = js_FileStorage;
  sc.Replicas = replicas_;
  sc.Duplicates = nanos(duplicate_window);
  sc.MaxAge = nanos(max_age);
  retry([&] {
    jsStreamInfo* info = nullptr;
    jsErrCode code = static_cast<jsErrCode>(0);
    const natsStatus s = js_AddStream(&info, js_.get(), &sc, nullptr, &code);
    const stream_info_ptr owned{info};
    if (s != NATS_OK && code == JSStreamNameExistErr) return;  // created by someone else, maybe otherwise
    check(prefix_, fmt::format("create stream {}", name), s, code);
  });
}

pub_ack_ptr nats_client::publish(std::string_view what, natsMsg* msg, jsPubOptions* opts) {
  jsPubAck* ack = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  const natsStatus s = js_PublishMsg(&ack, js_.get(), msg, opts, &code);
  pub_ack_ptr owned{ack};
  check(prefix_, what, s, code);
  return owned;
}

pub_ack_ptr nats_client::publish(std::string_view what, const std::string& subject, std::string_view data,
                                 jsPubOptions* opts) {
  natsMsg* raw = nullptr;
  check(prefix_, what, natsMsg_Create(&raw, subject.c_str(), nullptr, data.data(), static_cast<int>(data.size())));
  const msg_ptr msg{raw};
  return publish(what, msg.get(), opts);
}

msg_ptr nats_client::last_message(const char* stream, const std::string& subject) {
  natsMsg* raw = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  const natsStatus s = js_GetLastMsg(&raw, js_.get(), stream, subject.c_str(), nullptr, &code);
  msg_ptr msg{raw};
  if (s == NATS_NOT_FOUND || code == JSNoMessageFoundErr) return nullptr;
  check(prefix_, fmt::format("last message of {} on {}", stream, subject), s, code);
  return msg;
}

msg_ptr nats_client::message(const char* stream, std::uint64_t sequence) {
  natsMsg* raw = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  const natsStatus s = js_GetMsg(&raw, js_.get(), stream, sequence, nullptr, &code);
  msg_ptr msg{raw};
  if (s == NATS_NOT_FOUND || code == JSNoMessageFoundErr) return nullptr;
  check(prefix_, fmt::format("message {} of {}", sequence, stream), s, code);
  return msg;
}

void nats_client::purge(const char* stream, const std::string& subject, std::uint64_t below_sequence,
                        std::uint64_t keep) {
  jsOptions jo;
  check(prefix_, "jsOptions_Init", jsOptions_Init(&jo));
  jo.Wait = timeout_.count();
  jo.Stream.Purge.Subject = subject.c_str();
  jo.Stream.Purge.Sequence = below_sequence;
  jo.Stream.Purge.Keep = keep;
  jsErrCode code = static_cast<jsErrCode>(0);
  check(prefix_, fmt::format("purge {} of {}", subject, stream), js_PurgeStream(js_.get(), stream, &jo, &code), code);
}

}  // namespace dueday::cluster::detail
