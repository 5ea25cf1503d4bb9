// cluster/partition_runner.hpp — one partition's engine, fed from the partition's command log.
//
// A runner applies the logged commands of one partition in order and returns the events they
// raise, each with its idempotency key (store.hpp), exactly as `dueday replay` of the partition's
// commands, written one per line to a file in log order, writes them: the same events, byte for
// byte, in the same order. Each logged command is one line of that file: a blank one raises
// nothing, a malformed one the `rejected` event replay gives for it (code malformed, the parser's
// reason, no case, the engine's time), a refused one its events and then the `rejected` event
// naming its `line`, the command's ordinal in the partition (1 for the partition's first command,
// counting every command of the log, blank and malformed ones too). (A logged command is one line:
// one holding a newline would be two lines of that file; publishers never store one.) Every key's
// line is that ordinal of the command that raised the event, and its n the event's ordinal among
// the command's events, so a runner restored from a checkpoint gives the same keys.
//
// Command ids are the log's business: the log stores a command published with an id once
// (transport.hpp), and the runner applies every command the log holds, ids or not. (replay also
// skips a line whose id it saw earlier in the file; the two agree for any log in which no id is
// stored twice, which the log's de-duplication gives within its window.) That keeps the events a
// function of the checkpoint and the log alone, whoever applies them: no runner knows the ids
// applied before its checkpoint.
//
// Checkpoints: checkpoint() gives the engine's snapshot, the last sequence applied and the count
// of commands; a runner built from it continues exactly as this one would.
//
// Not thread-safe; move-only. After a throw from apply (an allocation failure) the runner is of no
// further use: build it again from the last checkpoint.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "cluster/transport.hpp"
#include "dueday/calendar.hpp"
#include "dueday/engine.hpp"
#include "dueday/policy.hpp"

namespace dueday::cluster {

class partition_runner {
 public:
  // A partition with no cases and no commands applied (sequence 0, commands 0).
  partition_runner(calendar cal, policy_set policies, engine_options options = {});
  // A partition as a checkpoint left it. Throws dueday::error, "not a valid snapshot: <where>:
  // <what>", for snapshot bytes that restore() refuses (snapshot.hpp).
  partition_runner(const partition_checkpoint& from, calendar cal, policy_set policies, engine_options options = {});
  partition_runner(partition_runner&&) noexcept;
  partition_runner& operator=(partition_runner&&) noexcept;
  ~partition_runner();

  // Applies the commands in order and returns their events with their keys, in order (to_json
  // lines). Commands at or before sequence() were applied already and are skipped (not counted).
  [[nodiscard]] std::vector<keyed_event> apply(std::span<const logged_command> commands);

  // The state after the last command applied: snapshot, sequence() and commands().
  [[nodiscard]] partition_checkpoint checkpoint() const;
  // The last sequence applied (0: none), and how many commands the partition has applied in all.
  [[nodiscard]] std::uint64_t sequence() const noexcept;
  [[nodiscard]] std::uint64_t commands() const noexcept;
  // The engine, for queries (now(), next_due()).
  [[nodiscard]] const dueday::engine& engine() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> p_;
};

}  // namespace dueday::cluster
