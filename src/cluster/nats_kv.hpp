// cluster/nats_kv.hpp — the key-value buckets of the NATS transport (leases, live workers, the
// deployment's P), written through plain JetStream publishes on $KV.<bucket>.<key> so that a failed
// expectation (JSStreamWrongLastSequenceErr) is told apart from a log that cannot be reached, which
// the C client's kvStore_Update does not do. Private to the NATS transport.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cluster/nats_client.hpp"

namespace dueday::cluster::detail {

class kv_bucket {
 public:
  // Creates the bucket if it is missing (history 1; ttl 0 keeps keys for ever).
  kv_bucket(nats_client& client, std::string name, std::chrono::milliseconds ttl);
  // How long a value lasts, as the bucket has it (it may have been created with another ttl).
  [[nodiscard]] std::chrono::milliseconds ttl() const noexcept { return ttl_; }

  // Stores value under key only when the key has no value (never written, deleted, or expired);
  // a key that holds `reclaim_if` (not empty) is written again over it. Returns the revision, or
  // nullopt when someone else's value is there.
  [[nodiscard]] std::optional<std::uint64_t> create(std::string_view key, std::string_view value,
                                                    std::string_view reclaim_if = {});
  // Stores value only when `revision` is still the key's last, or the last is a newer one holding
  // `reclaim_if` (not empty; then over that one); nullopt otherwise. Retries stop at the limit.
  [[nodiscard]] std::optional<std::uint64_t> update(std::string_view key, std::string_view value,
                                                    std::uint64_t revision, std::string_view reclaim_if = {},
                                                    const call_limit& limit = {});
  // Deletes the key only when `revision` is still its last; false otherwise.
  bool erase(std::string_view key, std::uint64_t revision);
  void put(std::string_view key, std::string_view value);
  // The key's value; nullopt for none (never written, deleted, or expired).
  [[nodiscard]] std::optional<std::string> get(std::string_view key);
  // Every key with a value, and the value, in key order, as the bucket's leader has them.
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> all();

 private:
  [[nodiscard]] std::string subject(std::string_view key) const;

  nats_client* client_;
  std::string name_;
  std::string stream_;
  kv_ptr kv_;
  std::chrono::milliseconds ttl_{0};
};

// A KV key for any text: [-_A-Za-z0-9] kept, every other byte as =XX (one-to-one).
[[nodiscard]] std::string kv_key(std::string_view text);

}  // namespace dueday::cluster::detail
