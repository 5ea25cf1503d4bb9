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
  std::uint64_t lease = 0;  // 0 in commits written before leases fenced them
};

commit parse_commit(const nats_client& client, std::uint32_t p, std::string_view text) {
  try {
    const auto j = nlohmann::json::parse(text);
    return {j.at("sequence").get<std::uint64_t>(),
            j.at("commands").get<std::uint64_t>(),
            j.at("bytes").get<std::uint64_t>(),
            j.at("fnv1a64").get<std::string>(),
            j.at("chunks").get<std::vector<std::uint64_t>>(),
            j.value("lease", std::uint64_t{0})};
  } catch (const nlohmann::json::exception& e) {
    throw transport_error(
        fmt::format("{}checkpoint commit of partition {} is malformed: {}", client.prefix(), p, quote(e.what())));
  }
}

std::string_view data_of(const msg_ptr& m) {
  const char* data = natsMsg_GetData(m.get());
  return {data == nullptr ? "" : data, static_cast<std::size_t>(natsMsg_GetDataLength(m.get()))};
}

}  // namespace

bool write_checkpoint(nats_client& client, std::uint32_t p, const partition_checkpoint& c, std::size_t chunk_bytes,
                      std::uint64_t fence, const call_limit& limit) {
  const std::string chunks_on = chunk_subject(p);
  const std::string commit_on = commit_subject(p);
  const std::string_view bytes = c.snapshot;
  const std::string what = fmt::format("checkpoint commit of partition {}", p);
  for (int round = 0; round < 5; ++round) {
    client.check_limit(limit, what);
    const msg_ptr last = client.retry([&] { return client.last_message(checkpoint_stream, commit_on); }, limit);
    const std::uint64_t expected = last ? natsMsg_GetSequence(last.get()) : 0;
    if (last && parse_commit(client, p, data_of(last)).lease > fence) return false;  // a newer owner's
    std::vector<std::uint64_t> chunks;
    for (std::size_t at = 0; at < bytes.size(); at += chunk_bytes) {
      const auto part = bytes.substr(at, chunk_bytes);
      client.check_limit(limit, fmt::format("checkpoint chunk of partition {}", p));
      // A retried chunk may be stored twice: the commit names the copy whose acknowledgement came.
      chunks.push_back(client.retry(
          [&] {
            return client.publish(fmt::format("checkpoint chunk of partition {}", p), chunks_on, part, nullptr)
                ->Sequence;
          },
          limit));
    }
    const nlohmann::json j = {{"sequence", c.sequence},        {"commands", c.commands}, {"bytes", bytes.size()},
                              {"fnv1a64", fnv1a64_hex(bytes)}, {"chunks", chunks},       {"lease", fence}};
    const std::string text = j.dump();
    client.check_limit(limit, what);
    // A retried commit whose first copy was stored finds the sequence moved: the round starts over.
    const std::optional<std::uint64_t> committed = client.retry(
        [&]() -> std::optional<std::uint64_t> {
          jsPubOptions po;
          check(client.prefix(), "jsPubOptions_Init", jsPubOptions_Init(&po));
          if (expected == 0) {
            po.ExpectNoMessage = true;
          } else {
            po.ExpectLastSubjectSeq = expected;
          }
          try {
            return client.publish(what, commit_on, text, &po)->Sequence;
          } catch (const nats_failure& f) {
            if (f.code() != JSStreamWrongLastSequenceErr) throw;
          }
          return std::nullopt;
        },
        limit);
    if (!committed) continue;
    // Now older checkpoints go: every chunk before this one's first (or before its commit when it
    // has none, an empty snapshot), chunks of writes that never committed among them; every commit
    // but this one. (Cleaning only: skipped past the limit, the next checkpoint does it.)
    const std::uint64_t first = chunks.empty() ? *committed : chunks.front();
    if (limit.passed()) return true;
    // (Nothing is below sequence 1; and nats-server 2.9 purges a subject whole when asked to purge
    // it below sequence 1.)
    if (first > 1) client.retry([&] { client.purge(checkpoint_stream, chunks_on, first, 0); }, limit);
    client.retry([&] { client.purge(checkpoint_stream, commit_on, 0, 1); }, limit);
    return true;
  }
  throw transport_error(fmt::format("{}{}: other commits kept coming between", client.prefix(), what));
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
