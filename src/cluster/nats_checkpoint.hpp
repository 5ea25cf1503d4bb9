// cluster/nats_checkpoint.hpp — partition checkpoints in the stream DUEDAY_CKPT, chunked to the
// server's max payload: chunks on dueday.ckpt.<p>.chunk, then one commit message on
// dueday.ckpt.<p>.commit, JSON: {"sequence":S,"commands":C,"bytes":N,"fnv1a64":"<16 hex>",
// "chunks":[stream sequences of the chunks, in order],"lease":R}. A checkpoint exists once its
// commit is stored; older chunks and commits of the partition are purged after that. Private.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "cluster/nats_client.hpp"

namespace dueday::cluster::detail {

inline constexpr const char* checkpoint_stream = "DUEDAY_CKPT";

// Writes the checkpoint under the lease revision `fence`: reads the last commit (its stream
// sequence and lease revision), returns false when that revision is newer than `fence`, else
// publishes the chunks and the commit expecting that last sequence; when another commit came
// between, starts over (a few rounds). No part starts once `limit` has passed (transport_error).
[[nodiscard]] bool write_checkpoint(nats_client& client, std::uint32_t p, const partition_checkpoint& c,
                                    std::size_t chunk_bytes, std::uint64_t fence, const call_limit& limit);
// The last committed checkpoint; nullopt for none. A commit whose chunks a newer checkpoint purged
// meanwhile is read again from the newer commit.
[[nodiscard]] std::optional<partition_checkpoint> read_checkpoint(nats_client& client, std::uint32_t p);

}  // namespace dueday::cluster::detail
