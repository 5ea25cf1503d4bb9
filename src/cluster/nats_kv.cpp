#include "cluster/nats_kv.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <optional>

namespace dueday::cluster::detail {

namespace {

bool is_deletion(natsMsg* msg) {
  const char* op = nullptr;
  if (natsMsgHeader_Get(msg, "KV-Operation", &op) != NATS_OK || op == nullptr) return false;
  return std::strcmp(op, "DEL") == 0 || std::strcmp(op, "PURGE") == 0;
}

std::string data_of(natsMsg* msg) {
  const char* data = natsMsg_GetData(msg);
  return {data == nullptr ? "" : data, static_cast<std::size_t>(natsMsg_GetDataLength(msg))};
}

bool wrong_last_sequence(const nats_failure& f) { return f.code() == JSStreamWrongLastSequenceErr; }

// The stored message's sequence, or nullopt when JetStream refused the publish's expectation (the
// subject's last sequence was not the one expected); anything else throws.
std::optional<std::uint64_t> publish_expecting(nats_client& c, std::string_view what, const std::string& subject,
                                               std::string_view value, jsPubOptions* po) {
  try {
    return c.publish(what, subject, value, po)->Sequence;
  } catch (const nats_failure& f) {
    if (!wrong_last_sequence(f)) throw;
  }
  return std::nullopt;
}

}  // namespace

std::string kv_key(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '-' || u == '_') {
      out += c;
    } else {
      out += fmt::format("={:02X}", u);
    }
  }
  return out.empty() ? "=" : out;
}

kv_bucket::kv_bucket(nats_client& client, std::string name, std::chrono::milliseconds ttl)
    : client_(&client), name_(std::move(name)), stream_("KV_" + name_) {
  kvConfig cfg;
  check(client.prefix(), "kvConfig_Init", kvConfig_Init(&cfg));
  cfg.Bucket = name_.c_str();
  cfg.History = 1;
  cfg.TTL = std::chrono::nanoseconds{ttl}.count();
  cfg.Replicas = client.replicas();
  cfg.StorageType = js_FileStorage;
  // An existing bucket is taken as it is (its TTL included); one created by another process at the
  // same time with another configuration makes js_CreateKeyValue fail, and the retry binds to it.
  kv_ = client.retry([&] {
    kvStore* kv = nullptr;
    natsStatus s = js_KeyValue(&kv, client.js(), name_.c_str());
    if (s == NATS_NOT_FOUND) s = js_CreateKeyValue(&kv, client.js(), &cfg);
    kv_ptr owned{kv};
    check(client.prefix(), fmt::format("key-value bucket {}", name_), s);
    return owned;
  });
  ttl_ = client.retry([&] {
    kvStatus* raw = nullptr;
    check(client.prefix(), fmt::format("status of key-value bucket {}", name_), kvStore_Status(&raw, kv_.get()));
    const status_ptr status{raw};
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::nanoseconds{kvStatus_TTL(raw)});
  });
}

std::string kv_bucket::subject(std::string_view key) const { return fmt::format("$KV.{}.{}", name_, key); }

std::optional<std::uint64_t> kv_bucket::create(std::string_view key, std::string_view value,
                                               std::string_view reclaim_if) {
  const std::string subj = subject(key);
  return client_->retry([&]() -> std::optional<std::uint64_t> {
    // At most a few rounds: the value found in the way may expire or be deleted meanwhile.
    for (int round = 0; round < 3; ++round) {
      jsPubOptions po;
      check(client_->prefix(), "jsPubOptions_Init", jsPubOptions_Init(&po));
      po.ExpectNoMessage = true;
      if (auto stored = publish_expecting(*client_, fmt::format("create {}", subj), subj, value, &po)) return stored;
      const msg_ptr last = client_->last_message(stream_.c_str(), subj);
      if (!last) continue;  // expired since
      if (!is_deletion(last.get()) && (reclaim_if.empty() || data_of(last.get()) != reclaim_if)) return std::nullopt;
      po.ExpectNoMessage = false;
      po.ExpectLastSubjectSeq = natsMsg_GetSequence(last.get());
      if (auto stored = publish_expecting(*client_, fmt::format("create {}", subj), subj, value, &po)) return stored;
    }
    return std::nullopt;
  });
}

std::optional<std::uint64_t> kv_bucket::update(std::string_view key, std::string_view value, std::uint64_t revision,
                                               std::string_view reclaim_if, const call_limit& limit) {
  const std::string subj = subject(key);
  return client_->retry(
      [&]() -> std::optional<std::uint64_t> {
        jsPubOptions po;
        check(client_->prefix(), "jsPubOptions_Init", jsPubOptions_Init(&po));
        po.ExpectLastSubjectSeq = revision;
        if (auto stored = publish_expecting(*client_, fmt::format("update {}", subj), subj, value, &po)) return stored;
        if (reclaim_if.empty()) return std::nullopt;
        // A newer revision of reclaim_if's: written by an earlier update whose answer was lost.
        const msg_ptr last = client_->last_message(stream_.c_str(), subj);
        if (!last || is_deletion(last.get()) || natsMsg_GetSequence(last.get()) <= revision ||
            data_of(last.get()) != reclaim_if) {
          return std::nullopt;
        }
        po.ExpectLastSubjectSeq = natsMsg_GetSequence(last.get());
        return publish_expecting(*client_, fmt::format("update {}", subj), subj, value, &po);
      },
      limit);
}

bool kv_bucket::erase(std::string_view key, std::uint64_t revision) {
  const std::string subj = subject(key);
  return client_->retry([&] {
    natsMsg* raw = nullptr;
    check(client_->prefix(), "natsMsg_Create", natsMsg_Create(&raw, subj.c_str(), nullptr, nullptr, 0));
    const msg_ptr msg{raw};
    check(client_->prefix(), "natsMsgHeader_Set", natsMsgHeader_Set(msg.get(), "KV-Operation", "DEL"));
    jsPubOptions po;
    check(client_->prefix(), "jsPubOptions_Init", jsPubOptions_Init(&po));
    po.ExpectLastSubjectSeq = revision;
    try {
      (void)client_->publish(fmt::format("delete {}", subj), msg.get(), &po);
      return true;
    } catch (const nats_failure& f) {
      if (wrong_last_sequence(f)) return false;
      throw;
    }
  });
}

void kv_bucket::put(std::string_view key, std::string_view value) {
  const std::string subj = subject(key);
  client_->retry([&] { (void)client_->publish(fmt::format("put {}", subj), subj, value, nullptr); });
}

std::optional<std::string> kv_bucket::get(std::string_view key) {
  const std::string subj = subject(key);
  return client_->retry([&]() -> std::optional<std::string> {
    const msg_ptr last = client_->last_message(stream_.c_str(), subj);
    if (!last || is_deletion(last.get())) return std::nullopt;
    return data_of(last.get());
  });
}

std::vector<std::pair<std::string, std::string>> kv_bucket::all() {
  // From the stream's leader (its subjects, then each one's last message): a watcher's consumer may
  // sit on a replica that has not yet applied the last writes.
  const std::string filter = fmt::format("$KV.{}.>", name_);
  const auto subjects = client_->retry([&] {
    jsOptions o;
    check(client_->prefix(), "jsOptions_Init", jsOptions_Init(&o));
    o.Wait = client_->timeout().count();
    o.Stream.Info.SubjectsFilter = filter.c_str();
    jsStreamInfo* raw = nullptr;
    jsErrCode code = static_cast<jsErrCode>(0);
    const natsStatus s = js_GetStreamInfo(&raw, client_->js(), stream_.c_str(), &o, &code);
    const stream_info_ptr info{raw};
    check(client_->prefix(), fmt::format("keys of {}", name_), s, code);
    std::vector<std::string> out;
    const auto* list = info->State.Subjects;
    for (int i = 0; list != nullptr && i < list->Count; ++i) out.emplace_back(list->List[i].Subject);
    return out;
  });
  std::vector<std::pair<std::string, std::string>> entries;
  const std::size_t prefix = filter.size() - 1;
  for (const auto& subj : subjects) {
    const msg_ptr last = client_->retry([&] { return client_->last_message(stream_.c_str(), subj); });
    if (last && !is_deletion(last.get())) entries.emplace_back(subj.substr(prefix), data_of(last.get()));
  }
  std::sort(entries.begin(), entries.end());
  return entries;
}

}  // namespace dueday::cluster::detail
