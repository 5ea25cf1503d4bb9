// Opening a durable store for the commands that read it (`dueday events`, `dueday status`).
#pragma once

#include <dueday/store.hpp>

#include <memory>
#include <string>

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

}  // namespace dueday_cli
