#include "cluster/nats_reader.hpp"

#include <fmt/format.h>

namespace dueday::cluster::detail {

namespace {
// The ordered consumer's heartbeat: a server gone is noticed (and the consumer recreated) after
// about two of them. The client's default is 5 s.
constexpr std::int64_t heartbeat_ns = 1'000'000'000;
}  // namespace

void log_reader::subscribe(std::uint64_t after) {
  sub_.reset();
  jsSubOptions so;
  check(client_->prefix(), "jsSubOptions_Init", jsSubOptions_Init(&so));
  so.Stream = stream_;
  so.Ordered = true;
  so.Config.DeliverPolicy = js_DeliverByStartSequence;
  so.Config.OptStartSeq = after + 1;
  so.Config.Heartbeat = heartbeat_ns;
  natsSubscription* raw = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  const natsStatus s = js_SubscribeSync(&raw, client_->js(), subject_.c_str(), nullptr, &so, &code);
  sub_ptr sub{raw};
  check(client_->prefix(), fmt::format("read {} after {}", subject_, after), s, code);
  sub_ = std::move(sub);
  last_ = after;
}

std::vector<logged_command> log_reader::read(std::uint64_t after, std::size_t max, std::chrono::milliseconds wait) {
  std::vector<logged_command> out;
  if (max == 0) return out;
  if (!sub_ || last_ != after) subscribe(after);
  std::uint64_t pending = 0;  // what the stream still had for this subject after the last message
  while (out.size() < max) {
    const std::int64_t timeout = out.empty() ? wait.count() : (pending > 0 ? client_->timeout().count() : 0);
    natsMsg* raw = nullptr;
    const natsStatus s = natsSubscription_NextMsg(&raw, sub_.get(), timeout);
    const msg_ptr msg{raw};
    if (s == NATS_TIMEOUT) break;
    if (s != NATS_OK) {
      const std::string what = fmt::format("read {} after {}", subject_, last_);
      sub_.reset();  // the next read starts a new consumer after what it returned
      if (!out.empty()) break;
      check(client_->prefix(), what, s);
    }
    jsMsgMetaData* raw_meta = nullptr;
    check(client_->prefix(), fmt::format("metadata of a message on {}", subject_),
          natsMsg_GetMetaData(&raw_meta, msg.get()));
    const meta_ptr meta{raw_meta};
    pending = meta->NumPending;
    const std::uint64_t sequence = meta->Sequence.Stream;
    if (sequence <= last_) continue;  // never expected: the consumer is ordered
    const char* data = natsMsg_GetData(msg.get());
    out.push_back({sequence, std::string(data == nullptr ? "" : data,
                                         static_cast<std::size_t>(natsMsg_GetDataLength(msg.get())))});
    last_ = sequence;
  }
  return out;
}

}  // namespace dueday::cluster::detail
