// Opening a durable store for the commands that read it (cli_store.hpp).
#include "cli_store.hpp"

#include <fmt/format.h>
#include <dueday/error.hpp>

#include <cstdio>
#include <filesystem>
#include <system_error>
#include <vector>

namespace dueday_cli {

namespace {
constexpr std::size_t max_path = 1024;
}  // namespace

std::unique_ptr<dueday::storage> open_store(const std::string& file, store_access access) {
  const auto refuse = [&](std::string_view what) {
    return dueday::store_error(fmt::format("store {}: {}", dueday::escape(file, max_path), what));
  };
  std::error_code ec;
  const auto st = std::filesystem::status(file, ec);
  if (st.type() == std::filesystem::file_type::not_found)
    throw refuse("no such file (give a store written by dueday run)");
  if (ec) throw refuse(fmt::format("cannot open: {}", ec.message()));
  if (st.type() == std::filesystem::file_type::directory) throw refuse("is a directory (expected a store file)");
  if (st.type() != std::filesystem::file_type::regular) throw refuse("is not a regular file");
  if (std::filesystem::file_size(file, ec) == 0 && !ec) throw refuse("an empty file, not a dueday store");
  dueday::sqlite_options options;
  options.read_only = access == store_access::read;
  auto store = std::make_unique<dueday::sqlite_storage>(file, options);
  if (!store->identity()) throw refuse("not a dueday store (no identity recorded)");
  return store;
}

dueday::sqlite_sync sync_arg(const std::string& text) {
  if (text == "full") return dueday::sqlite_sync::full;
  if (text == "normal") return dueday::sqlite_sync::normal;
  throw dueday::error(fmt::format("--sync: {} (expected full or normal)", dueday::quote(text)));
}

int store_failure(const std::string& db, std::string_view what, int rc) {
  std::fflush(stdout);
  const std::string line =
      what.starts_with("store ") ? std::string(what) : fmt::format("store {}: {}", dueday::escape(db, max_path), what);
  fmt::print(stderr, "dueday: {}\n", dueday::escape(line, std::string_view::npos));
  return rc;
}

std::optional<dueday::durable_engine> open_durable(const std::string& db, dueday::sqlite_sync sync,
                                                   std::uint64_t checkpoint_every, const dueday::calendar& cal,
                                                   const dueday::policy_set& policies, int& rc) {
  std::error_code ec;
  if (std::filesystem::is_directory(db, ec))
    throw dueday::error(fmt::format("{}: is a directory (expected a store file)", dueday::escape(db, max_path)));
  bool foreign = false;
  try {
    auto store = std::make_unique<dueday::sqlite_storage>(db, dueday::sqlite_options{sync});
    if (const auto id = store->identity()) {
      std::vector<std::string> mine;
      for (const auto& p : policies.all()) mine.push_back(p.id + "@" + p.version);
      foreign = id->calendar != cal.fingerprint() || id->policies != mine;
    }
    dueday::durable_options options;
    options.checkpoint_every = checkpoint_every;
    return dueday::durable_engine(std::move(store), cal, policies, options);
  } catch (const dueday::error& e) {  // store_error, or a journal entry that does not read back
    rc = store_failure(db, e.what(), foreign ? 2 : 1);
    return std::nullopt;
  }
}

}  // namespace dueday_cli
