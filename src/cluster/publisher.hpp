// cluster/publisher.hpp — commands into the cluster's command logs, each to its partition: what
// `dueday publish`, `dueday serve --nats` and hosts that publish directly share.
//
// A command naming a case goes to partition_of(case id, P) (dueday/partition.hpp); a tick names no
// case and goes to every partition (or to the range `ticks` gives), so that every engine moves its
// time on. The log stores a command once per id and partition (transport.hpp): a command sent again
// with its id is answered as a duplicate, not stored twice, so a feeder that is unsure whether a
// publish went through sends it again. Workers apply what is stored asynchronously: an answer says
// where a command went, never what its engine made of it (a refused command raises no event).
//
// A host that publishes directly connects to the NATS servers as the workers do, joining the
// deployment (partitions 0: P as recorded when it was created; a P that differs is refused):
//
//   dueday::cluster::nats_options o;
//   o.urls = "nats://10.0.0.1:4222,nats://10.0.0.2:4222,nats://10.0.0.3:4222";
//   dueday::cluster::nats_transport log(o);            // throws transport_error when unreachable
//   dueday::cluster::publisher feed(log);
//   const auto a = feed.publish_line(R"({"type":"start","id":"f1-42","case":"W-1",...})", "feeder", 1);
//   // a.to.first: the case's partition; a.duplicate(): the log had id f1-42 there already
//
// Every call may throw transport_error (one line) when the log cannot be reached; the commands
// published before it stay published (publish them again with their ids: the log drops what it has).
#pragma once

#include <dueday/engine.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/transport.hpp"

namespace dueday::cluster {

// Partitions first .. last, both included.
struct partition_range {
  std::uint32_t first = 0;
  std::uint32_t last = 0;
  [[nodiscard]] std::uint32_t size() const noexcept { return last - first + 1; }
  friend bool operator==(const partition_range&, const partition_range&) = default;
};

// Where a command goes among `partitions`: its case's partition, or `ticks` (default: all of them)
// for a tick. Throws std::invalid_argument for 0 partitions or a `ticks` range past them.
[[nodiscard]] partition_range route(const dueday::command& c, std::uint32_t partitions,
                                    std::optional<partition_range> ticks = std::nullopt);

// What became of one command: where it went and how many of those logs dropped it as a duplicate
// (by id); or, for a line that is no command, why (`error`, "SOURCE:LINE: why"), and it went nowhere.
struct publish_answer {
  std::int64_t line = 0;  // its line number, as given
  std::string id;         // its id, "" for none (a line that is no command: as far as it was read)
  partition_range to;     // a case's command: one partition; a tick: the tick range
  bool ticks = false;     // a command naming no case (a tick), sent to the tick range
  std::uint32_t duplicates = 0;
  std::string error;
  [[nodiscard]] bool published() const noexcept { return error.empty(); }
  // A tick, however many partitions its range holds (one, when P is 1).
  [[nodiscard]] bool tick() const noexcept { return published() && ticks; }
  // Every log it went to had it already.
  [[nodiscard]] bool duplicate() const noexcept { return published() && duplicates == to.size(); }
};

class publisher {
 public:
  // Publishes into `log` (kept by reference: it must outlive the publisher); ticks go to `ticks`,
  // default every partition. Throws std::invalid_argument for a range past log.partitions().
  explicit publisher(transport& log, std::optional<partition_range> ticks = std::nullopt);

  // A command already read, its line `json` as published and its id ("" for none: never a
  // duplicate), to its partition(s). `line` is only copied into the answer.
  publish_answer publish(const dueday::command& c, std::string_view json, std::string_view id, std::int64_t line = 0);
  // One line: read as parse_command reads it (with its own id), then published; a line that is
  // no command is published nowhere and answered with its error ("SOURCE:LINE: why").
  publish_answer publish_line(std::string_view line, const std::string& source, std::int64_t line_no);
  // Every non-blank line of `text` (JSON Lines, numbered from first_line), in order. A transport
  // error stops it: transport_error "<what> (at SOURCE:LINE; the lines before it were published)".
  std::vector<publish_answer> publish_lines(std::string_view text, const std::string& source,
                                            std::int64_t first_line = 1);

  [[nodiscard]] std::uint32_t partitions() const noexcept { return partitions_; }
  [[nodiscard]] transport& log() const noexcept { return *log_; }

 private:
  transport* log_;
  std::uint32_t partitions_;
  std::optional<partition_range> ticks_;
};

}  // namespace dueday::cluster
