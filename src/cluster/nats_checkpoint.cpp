#include "cluster/nats_checkpoint.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace dueday::cluster::detail {

namespace {

std::string chunk_subject(std::uint32_t p) { return fmt::format("dueday.ckpt.{}.chunk", p); }
std::string commit_subject(std::uint32_t p) { return fmt::format("dueday.ckpt.{}.commit", p); }

struct commit {
  std::uint64_t sequence = 0;
  std::uint64_t commands = 0;
  std::uint64_t bytes = 0;
  std::string checksum;
  std::vector<std::uint64_t> chunks;
};

commit parse_commit(const nats_client& client, std::uint32_t p, std::string_view text) {
  try {
    const auto j = nlohmann::json::parse(text);
    return {j.at("sequence").get<std::uint64_t>(), j.at("commands").get<std::uint64_t>(),
            j.at("bytes").get<std::uint64_t>(), j.at("fnv1a64").get<std::string>(),
            j.at("chunks").get<std::vector<std::uint64_t>>()};
  } catch (const nlohmann::json::exception& e) {
    throw transport_error(
        fmt::format("{}checkpoint commit of partition {} is malformed: {}", client.prefix(), p, quote(e.what())));
  }
}

}  // namespace

void write_checkpoint(nats_client& client, std::uint32_t p, const partition_checkpoint& c, std::size_t chunk_bytes) {
  const std::string chunks_on = chunk_subject(p);
  const std::string commit_on = commit_subject(p);
  const std::string_view bytes = c.snapshot;
  std::vector<std::uint64_t> chunks;
  for (std::size_t at = 0; at < bytes.size(); at += chunk_bytes) {
    const auto part = bytes.substr(at, chunk_bytes);
    // A retried chunk may be stored twice: the commit names the copy whose acknowledgement came.
    chunks.push_back(client.retry([&] {
      return client.publish(fmt::format("checkpoint chunk of partition {}", p), chunks_on, part, nullptr)->Sequence;
    }));
  }
  const nlohmann::json j = {{"sequence", c.sequence},
                            {"commands", c.commands},
                            {"bytes", bytes.size()},
                            {"fnv1a64", fnv1a64_hex(bytes)},
                            {"chunks", chunks}};
  const std::string text = j.dump();
  const std::uint64_t committed = client.retry([&] {
    return client.publish(fmt::format("checkpoint commit of partition {}", p), commit_on, text, nullptr)->Sequence;
  });
  // Now older checkpoints go: every chunk before this one's first (or before its commit when it
  // has none, an empty snapshot), chunks of writes that never committed among them; every commit
  // but this one.
  const std::uint64_t first = chunks.empty() ? committed : chunks.front();
  // (Nothing is below sequence 1; and nats-server 2.9 purges a subject whole when asked to purge
  // it below sequence 1.)
  if (first > 1) client.retry([&] { client.purge(checkpoint_stream, chunks_on, first, 0); });
  client.retry([&] { client.purge(checkpoint_stream, commit_on, 0, 1); });
}

std::optional<partition_checkpoint> read_checkpoint(nats_client& client, std::uint32_t p) {
  const std::string chunks_on = chunk_subject(p);
  const std::string commit_on = commit_subject(p);
  for (int round = 0;; ++round) {
    const msg_ptr last = client.retry([&] { return client.last_message(checkpoint_stream, commit_on); });
    if (!last) return std::nullopt;
    const char* data = natsMsg_GetData(last.get());
    const commit cm = parse_commit(
        client, p, {data == nullptr ? "" : data, static_cast<std::size_t>(natsMsg_GetDataLength(last.get()))});
    partition_checkpoint out{cm.sequence, cm.commands, {}};
    out.snapshot.reserve(cm.bytes);
    bool purged = false;
    for (const std::uint64_t seq : cm.chunks) {
      const msg_ptr chunk = client.retry([&] { return client.message(checkpoint_stream, seq); });
      if (!chunk || std::string_view{natsMsg_GetSubject(chunk.get())} != chunks_on) {
        purged = true;
        break;
      }
      const char* bytes = natsMsg_GetData(chunk.get());
      out.snapshot.append(bytes == nullptr ? "" : bytes, static_cast<std::size_t>(natsMsg_GetDataLength(chunk.get())));
    }
    if (purged) {
      if (round < 5) continue;  // a newer checkpoint was committed meanwhile: read that one
      throw transport_error(
          fmt::format("{}checkpoint of partition {} after {}: chunks are missing", client.prefix(), p, cm.sequence));
    }
    if (out.snapshot.size() != cm.bytes || fnv1a64_hex(out.snapshot) != cm.checksum) {
      throw transport_error(fmt::format(
          "{}checkpoint of partition {} after {}: {} bytes with checksum {}, its commit says "
          "{} bytes with checksum {}",
          client.prefix(), p, cm.sequence, out.snapshot.size(), fnv1a64_hex(out.snapshot), cm.bytes, cm.checksum));
    }
    return out;
  }
}

}  // namespace dueday::cluster::detail
