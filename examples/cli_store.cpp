// Opening a durable store for the commands that read it (cli_store.hpp).
#include "cli_store.hpp"

#include <fmt/format.h>
#include <dueday/error.hpp>

#include <filesystem>
#include <system_error>

namespace dueday_cli {

std::unique_ptr<dueday::storage> open_store(const std::string& file, store_access access) {
  constexpr std::size_t max_path = 1024;
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

}  // namespace dueday_cli
