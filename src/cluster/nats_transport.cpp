#include "cluster/nats_transport.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <mutex>

#include "cluster/nats_checkpoint.hpp"
#include "cluster/nats_client.hpp"
#include "cluster/nats_kv.hpp"
#include "cluster/nats_reader.hpp"

namespace dueday::cluster {

using namespace detail;

namespace {

constexpr const char* command_stream = "DUEDAY_CMD";
constexpr const char* event_stream = "DUEDAY_EVT";

std::string command_subject(partition p) { return fmt::format("dueday.cmd.{}", p.index); }
std::string event_subject(partition p) { return fmt::format("dueday.evt.{}", p.index); }
std::string lease_key(partition p) { return fmt::format("p{}", p.index); }

// A message id fit for a header: printable ASCII but '%' kept, every other byte as %XX.
std::string message_id(partition p, std::string_view id) {
  std::string out = fmt::format("{}:", p.index);
  for (const char c : id) {
    const auto u = static_cast<unsigned char>(c);
    if (u > 0x20 && u < 0x7f && u != '%') {
      out += c;
    } else {
      out += fmt::format("%{:02X}", u);
    }
  }
  return out;
}

// Events published asynchronously at most this many at a time (the library's limit of pending
// publishes, so that no publish stalls): one window is one attempt, bounded by the timeout.
constexpr std::size_t window = 4096;

// What the acknowledgements of one window of asynchronous publishes said, by message id.
struct batch_acks {
  std::mutex mu;
  std::map<std::string, std::size_t, std::less<>> index;  // message id -> the event's place in the window
  std::vector<char> acked;  // per event: 0 not (yet) acknowledged, 1 stored, 2 dropped as a duplicate
  std::size_t failed = 0;
  natsStatus first_status = NATS_OK;
  jsErrCode first_code = static_cast<jsErrCode>(0);
  std::string first_error;
};

void on_ack(jsCtx* /*js*/, natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae, void* closure) {
  auto* acks = static_cast<batch_acks*>(closure);
  {
    const std::lock_guard lock(acks->mu);
    if (pae != nullptr) {
      if (acks->failed++ == 0) {
        acks->first_status = pae->Err;
        acks->first_code = pae->ErrCode;
        acks->first_error = pae->ErrText != nullptr ? pae->ErrText : natsStatus_GetText(pae->Err);
      }
    } else if (pa != nullptr) {
      const char* id = nullptr;
      if (natsMsgHeader_Get(msg, "Nats-Msg-Id", &id) == NATS_OK && id != nullptr) {
        const auto it = acks->index.find(std::string_view{id});
        if (it != acks->index.end()) acks->acked[it->second] = pa->Duplicate ? 2 : 1;
      }
    }
  }
  natsMsg_Destroy(msg);
}

}  // namespace

struct nats_transport::impl {
  explicit impl(nats_options o)
      : options(std::move(o)),
        client(options),
        chunk_bytes(options.chunk_bytes > 0 ? options.chunk_bytes : default_chunk()),
        streams_ready(ensure_streams()),
        config(client, "dueday_config", std::chrono::milliseconds{0}),
        leases(client, "dueday_leases", options.lease_ttl),
        workers(client, "dueday_workers", options.lease_ttl) {
    partitions = record_partitions();
    jsOptions jo;
    check(client.prefix(), "jsOptions_Init", jsOptions_Init(&jo));
    jo.Wait = options.timeout.count();
    jo.PublishAsync.AckHandler = on_ack;
    jo.PublishAsync.AckHandlerClosure = &acks;
    jo.PublishAsync.MaxPending = 4096;
    jo.PublishAsync.StallWait = options.timeout.count();
    jsCtx* js = nullptr;
    check(client.prefix(), "JetStream context", natsConnection_JetStream(&js, client.connection(), &jo));
    events_js.reset(js);
  }

  std::size_t default_chunk() const {
    const auto max = natsConnection_GetMaxPayload(client.connection());
    return max > 8192 ? static_cast<std::size_t>(max) - 4096 : 4096;
  }

  bool ensure_streams() {
    client.ensure_stream(command_stream, "dueday.cmd.*", options.duplicate_window, std::chrono::milliseconds{0});
    client.ensure_stream(event_stream, "dueday.evt.*", options.duplicate_window, std::chrono::milliseconds{0});
    client.ensure_stream(checkpoint_stream, "dueday.ckpt.>", std::chrono::milliseconds{1000},
                         std::chrono::milliseconds{0});
    return true;
  }

  std::uint32_t record_partitions() {
    const auto parse = [&](const std::string& text) {
      std::uint32_t n = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
      if (ec != std::errc{} || end != text.data() + text.size() || n == 0) {
        throw transport_error(fmt::format("{}the deployment's number of partitions is {}, not a positive number",
                                          client.prefix(), quote(text)));
      }
      return n;
    };
    if (options.partitions > 0 && config.create("partitions", std::to_string(options.partitions))) {
      return options.partitions;
    }
    const auto recorded = config.get("partitions");
    if (!recorded) {
      throw transport_error(fmt::format("{}no deployment here yet: give its number of partitions", client.prefix()));
    }
    const std::uint32_t n = parse(*recorded);
    if (options.partitions > 0 && n != options.partitions) {
      throw transport_error(
          fmt::format("{}the deployment has {} partitions, not {}", client.prefix(), n, options.partitions));
    }
    return n;
  }

  void check_partition(partition p) const {
    if (p.index >= partitions) {
      throw transport_error(
          fmt::format("{}partition {} is out of range (the deployment has {})", client.prefix(), p.index, partitions));
    }
  }

  // The partition's reader of commands (or events), made on first use; the lock is the reader's.
  struct reader_slot {
    reader_slot(nats_client& c, const char* stream, std::string subject) : reader(c, stream, std::move(subject)) {}
    std::mutex mu;
    log_reader reader;
  };
  reader_slot& slot(std::map<std::uint32_t, std::unique_ptr<reader_slot>>& slots, const char* stream, partition p,
                    std::string subject) {
    const std::lock_guard lock(slots_mu);
    auto& s = slots[p.index];
    if (!s) s = std::make_unique<reader_slot>(client, stream, std::move(subject));
    return *s;
  }
  std::vector<logged_command> read(std::map<std::uint32_t, std::unique_ptr<reader_slot>>& slots, const char* stream,
                                   partition p, std::string subject, std::uint64_t after, std::size_t max,
                                   std::chrono::milliseconds wait, const call_limit& limit) {
    check_partition(p);
    client.check_limit(limit, fmt::format("read {} after {}", subject, after));
    auto& s = slot(slots, stream, p, std::move(subject));
    const std::lock_guard lock(s.mu);
    return client.retry([&] { return s.reader.read(after, max, wait); }, limit);
  }

  // Publishes one window of events (at most `window`) asynchronously and waits for their
  // acknowledgements; returns how many of them, from the first, the log has (stored or dropped as
  // duplicates), adding the duplicates among those to `dropped`. A failure of any is thrown after
  // that count is known (in `done`): the retry starts at the first event not acknowledged. (Those
  // acknowledged after it come again as duplicates.)
  std::size_t publish_window(partition p, std::span<const keyed_event> events, std::size_t& dropped,
                             std::size_t& done) {
    {
      const std::lock_guard lock(acks.mu);
      acks.index.clear();
      acks.acked.assign(events.size(), 0);
      acks.failed = 0;
      acks.first_error.clear();
    }
    const std::string subject = event_subject(p);
    const auto abandon = [&] {  // forget what is still unacknowledged: it is published again
      natsMsgList pending{};
      if (js_PublishAsyncGetPendingList(&pending, events_js.get()) == NATS_OK) natsMsgList_Destroy(&pending);
    };
    const auto acknowledged = [&] {  // the events acknowledged in order from the first
      const std::lock_guard lock(acks.mu);
      std::size_t n = 0;
      for (; n < acks.acked.size() && acks.acked[n] != 0; ++n) {
        if (acks.acked[n] == 2) ++dropped;
      }
      done = n;
      return n;
    };
    for (std::size_t i = 0; i < events.size(); ++i) {
      const keyed_event& e = events[i];
      natsMsg* raw = nullptr;
      check(client.prefix(), "natsMsg_Create",
            natsMsg_Create(&raw, subject.c_str(), nullptr, e.json.data(), static_cast<int>(e.json.size())));
      msg_ptr msg{raw};
      const std::string id = message_id(p, e.key);
      {
        const std::lock_guard lock(acks.mu);
        acks.index.emplace(id, i);
      }
      jsPubOptions po;
      check(client.prefix(), "jsPubOptions_Init", jsPubOptions_Init(&po));
      po.MsgId = id.c_str();
      po.MaxWait = options.timeout.count();
      natsMsg* handed = msg.release();
      const natsStatus s = js_PublishMsgAsync(events_js.get(), &handed, &po);
      msg.reset(handed);  // null when the library took it
      if (s != NATS_OK) {
        const std::string text = nats_message(client.prefix(), fmt::format("publish events on {}", subject), s);
        abandon();
        (void)acknowledged();
        throw nats_failure(text, s, static_cast<jsErrCode>(0));
      }
    }
    jsPubOptions co;
    check(client.prefix(), "jsPubOptions_Init", jsPubOptions_Init(&co));
    co.MaxWait = options.timeout.count();
    const natsStatus s = js_PublishAsyncComplete(events_js.get(), &co);
    if (s != NATS_OK) {
      const std::string text =
          nats_message(client.prefix(), fmt::format("acknowledgements of events on {}", subject), s);
      abandon();
      (void)acknowledged();
      throw nats_failure(text, s, static_cast<jsErrCode>(0));
    }
    const std::size_t n = acknowledged();
    const std::lock_guard lock(acks.mu);
    if (acks.failed > 0 || n < events.size()) {
      throw nats_failure(fmt::format("{}publish events on {}: {} of {} failed, the first: {}", client.prefix(), subject,
                                     events.size() - n, events.size(), acks.first_error),
                         acks.failed > 0 ? acks.first_status : NATS_TIMEOUT, acks.first_code);
    }
    return n;
  }

  nats_options options;
  nats_client client;
  std::size_t chunk_bytes;
  bool streams_ready;  // DUEDAY_CMD, DUEDAY_EVT and DUEDAY_CKPT exist
  kv_bucket config;
  kv_bucket leases;
  kv_bucket workers;
  std::uint32_t partitions = 0;
  js_ptr events_js;
  batch_acks acks;
  std::mutex events_mu;
  std::mutex slots_mu;
  std::map<std::uint32_t, std::unique_ptr<reader_slot>> command_readers;
  std::map<std::uint32_t, std::unique_ptr<reader_slot>> event_readers;
};

nats_transport::nats_transport(nats_options options) : impl_(std::make_unique<impl>(std::move(options))) {}
nats_transport::~nats_transport() = default;

const std::string& nats_transport::name() const noexcept { return impl_->options.urls; }
std::uint32_t nats_transport::partitions() const noexcept { return impl_->partitions; }
std::chrono::milliseconds nats_transport::lease_ttl() const noexcept { return impl_->leases.ttl(); }
std::string nats_transport::connected_url() const { return impl_->client.connected_url(); }
int nats_transport::replicas() const noexcept { return impl_->client.replicas(); }
std::size_t nats_transport::max_payload() const {
  return static_cast<std::size_t>(natsConnection_GetMaxPayload(impl_->client.connection()));
}

std::chrono::milliseconds nats_transport::call_timeout() const noexcept { return impl_->options.timeout; }

bool nats_transport::publish_command(partition p, std::string_view json, std::string_view id, const call_limit& limit) {
  impl_->check_partition(p);
  auto& c = impl_->client;
  c.check_limit(limit, fmt::format("publish a command on {}", command_subject(p)));
  // Without an id, a unique one, so that a retry after a lost acknowledgement stores it once ('!'
  // keeps it apart from the ids given).
  const std::string msg_id = id.empty() ? fmt::format("{}!{}", p.index, c.unique_id()) : message_id(p, id);
  const std::string subject = command_subject(p);
  return c.retry(
      [&] {
        jsPubOptions po;
        check(c.prefix(), "jsPubOptions_Init", jsPubOptions_Init(&po));
        po.MsgId = msg_id.c_str();
        return !c.publish(fmt::format("publish a command on {}", subject), subject, json, &po)->Duplicate;
      },
      limit);
}

std::vector<logged_command> nats_transport::read_commands(partition p, std::uint64_t sequence, std::size_t max,
                                                          std::chrono::milliseconds wait, const call_limit& limit) {
  return impl_->read(impl_->command_readers, command_stream, p, command_subject(p), sequence, max, wait, limit);
}

std::vector<logged_command> nats_transport::read_events(partition p, std::uint64_t sequence, std::size_t max,
                                                        std::chrono::milliseconds wait) {
  return impl_->read(impl_->event_readers, event_stream, p, event_subject(p), sequence, max, wait, call_limit{});
}

std::uint64_t nats_transport::stored(partition p, bool events) {
  impl_->check_partition(p);
  auto& c = impl_->client;
  const std::string subject = events ? event_subject(p) : command_subject(p);
  return c.retry([&] {
    jsOptions o;
    check(c.prefix(), "jsOptions_Init", jsOptions_Init(&o));
    o.Stream.Info.SubjectsFilter = subject.c_str();
    jsStreamInfo* raw = nullptr;
    jsErrCode code = static_cast<jsErrCode>(0);
    const natsStatus st = js_GetStreamInfo(&raw, c.js(), events ? event_stream : command_stream, &o, &code);
    const detail::stream_info_ptr info{raw};
    check(c.prefix(), fmt::format("count the messages on {}", subject), st, code);
    const auto* subjects = info->State.Subjects;
    for (int i = 0; subjects != nullptr && i < subjects->Count; ++i)
      if (subject == subjects->List[i].Subject) return subjects->List[i].Msgs;
    return std::uint64_t{0};
  });
}

std::size_t nats_transport::publish_events(partition p, std::span<const keyed_event> events, const call_limit& limit) {
  impl_->check_partition(p);
  if (events.empty()) return 0;
  const std::lock_guard lock(impl_->events_mu);
  std::size_t from = 0;  // the events before it are in the log, in order
  std::size_t dropped = 0;
  const std::string what = fmt::format("publish events on {}", event_subject(p));
  while (from < events.size()) {
    impl_->client.check_limit(limit, fmt::format("{} ({} of {} published)", what, from, events.size()));
    impl_->client.retry(
        [&] {
          std::size_t done = 0;
          try {
            from +=
                impl_->publish_window(p, events.subspan(from, std::min(window, events.size() - from)), dropped, done);
          } catch (const nats_failure&) {
            from += done;
            throw;
          }
        },
        limit);
  }
  return dropped;
}

bool nats_transport::write_checkpoint(partition p, const partition_checkpoint& c, lease held, const call_limit& limit) {
  impl_->check_partition(p);
  return detail::write_checkpoint(impl_->client, p.index, c, impl_->chunk_bytes, held.revision, limit);
}

std::optional<partition_checkpoint> nats_transport::read_checkpoint(partition p) {
  impl_->check_partition(p);
  return detail::read_checkpoint(impl_->client, p.index);
}

std::optional<lease> nats_transport::acquire(partition p, std::string_view worker) {
  impl_->check_partition(p);
  // A value of this worker's own is taken over by writing it again: the answer to an earlier
  // acquire may have been lost after the lease was stored.
  const auto revision = impl_->leases.create(lease_key(p), worker, worker);
  if (!revision) return std::nullopt;
  return lease{*revision};
}

std::optional<lease> nats_transport::renew(partition p, std::string_view worker, lease held, const call_limit& limit) {
  impl_->check_partition(p);
  impl_->client.check_limit(limit, fmt::format("renew {}", lease_key(p)));
  // A value of this worker's own at a newer revision: an earlier renew was stored, its answer lost.
  const auto revision = impl_->leases.update(lease_key(p), worker, held.revision, worker, limit);
  if (!revision) return std::nullopt;
  return lease{*revision};
}

void nats_transport::release(partition p, lease held) {
  impl_->check_partition(p);
  (void)impl_->leases.erase(lease_key(p), held.revision);
  const std::lock_guard lock(impl_->slots_mu);  // its reader goes too: someone else reads it now
  const auto it = impl_->command_readers.find(p.index);
  if (it != impl_->command_readers.end()) {
    const std::lock_guard slot_lock(it->second->mu);
    it->second->reader = log_reader(impl_->client, command_stream, command_subject(p));
  }
}

std::vector<std::string> nats_transport::holders() {
  std::vector<std::string> out(impl_->partitions);
  for (auto& [key, value] : impl_->leases.all()) {
    std::uint32_t index = 0;
    if (key.size() < 2 || key[0] != 'p') continue;
    const auto [end, ec] = std::from_chars(key.data() + 1, key.data() + key.size(), index);
    if (ec == std::errc{} && end == key.data() + key.size() && index < impl_->partitions) out[index] = std::move(value);
  }
  return out;
}

void nats_transport::announce(std::string_view worker) { impl_->workers.put(kv_key(worker), worker); }

std::vector<std::string> nats_transport::live_workers() {
  std::vector<std::string> out;
  for (auto& [key, value] : impl_->workers.all()) out.push_back(std::move(value));
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace dueday::cluster
