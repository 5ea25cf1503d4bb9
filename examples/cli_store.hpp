// Opening a durable store: as a storage for the commands that read it (`dueday events`, `dueday
// status`), as a durable_engine for those that write (`dueday run`, `tick`, `serve`).
#pragma once

#include <dueday/calendar.hpp>
#include <dueday/policy.hpp>
#include <dueday/store.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace dueday_cli {

// What a command does to the store: reads only, or also records consumers and acknowledgements.
enum class store_access : unsigned char { read, read_write };

// The store in `file`, which must exist: never created here. Throws dueday::store_error, one line
// "store <file>: <what>", for a missing file, a directory, an empty file, a file that is no SQLite
// database or a database that is no initialised dueday store, and when SQLite cannot open it
// (locked by a writer for longer than its busy timeout, say).
//
// `read` opens it as a reader (sqlite_options::read_only): beside a running writer, never
// committing or checkpointing. `read_write` opens it as its one writer, refused while another
// process writes to it (`dueday run` running): a consumer's acknowledgements are writes.
[[nodiscard]] std::unique_ptr<dueday::storage> open_store(const std::string& file, store_access access);

// "full" or "normal" (--sync); throws dueday::error for anything else.
[[nodiscard]] dueday::sqlite_sync sync_arg(const std::string& text);

// Prints a store's failure as one line on stderr, "dueday: store FILE: ..." (the store's own errors
// name it already), after flushing stdout; returns rc.
int store_failure(const std::string& db, std::string_view what, int rc);

// The durable engine over the store `db` (created when missing), its one writer; or nullopt after
// its failure was printed (store_failure), `rc` set to 2 for a store created with another calendar
// or policy set (the store's refusal says which), else 1. Throws dueday::error for a directory.
[[nodiscard]] std::optional<dueday::durable_engine> open_durable(const std::string& db, dueday::sqlite_sync sync,
                                                                 std::uint64_t checkpoint_every,
                                                                 const dueday::calendar& cal,
                                                                 const dueday::policy_set& policies, int& rc);

}  // namespace dueday_cli
