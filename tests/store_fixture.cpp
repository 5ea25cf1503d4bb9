// Writes a durable store from a file of JSON Lines commands through the library (not through
// `dueday run`), for the CLI tests of `dueday events` and `dueday status` (cli_store.cmake).
//
//   store_fixture DB COMMANDS [--from N] [--to N] [--checkpoint-at N] [--delay-ms D] [--break-event SEQ]
//                [--spread-event SEQ]
//
// Applies lines N..M of COMMANDS (1-based, inclusive; default all) to the store in DB (created when
// missing), each with the id "line-<n>", in batches of 100, under the bundled calendar and
// policies. --checkpoint-at N writes a checkpoint once line N is applied. --delay-ms waits that
// long before opening the store (a writer that comes while `events --follow` polls).
// --break-event SEQ then overwrites that outbox event with text that is no JSON (a damaged store);
// --spread-event SEQ breaks its line before each comma (still JSON, no longer one line: the row
// holding it then holds more lines than events).
// Exit 0, or 1 with one line on stderr.
#include <dueday/dueday.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "store_rows.hpp"

int main(int argc, char** argv) {
  try {
    if (argc < 3)
      throw std::runtime_error(
          "usage: store_fixture DB COMMANDS [--from N] [--to N] [--checkpoint-at N] [--delay-ms D] [--break-event "
          "SEQ]");
    long from = 1, to = -1, checkpoint_at = -1, delay = 0, broken = 0, spread = 0;
    for (int i = 3; i + 1 < argc; i += 2) {
      const std::string_view opt = argv[i];
      const long v = std::stol(argv[i + 1]);
      if (opt == "--from")
        from = v;
      else if (opt == "--to")
        to = v;
      else if (opt == "--checkpoint-at")
        checkpoint_at = v;
      else if (opt == "--delay-ms")
        delay = v;
      else if (opt == "--break-event")
        broken = v;
      else if (opt == "--spread-event")
        spread = v;
      else
        throw std::runtime_error("unknown option " + std::string(opt));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{delay});
    std::ifstream in(argv[2]);
    if (!in) throw std::runtime_error(std::string("cannot open ") + argv[2]);
    dueday::durable_options options;
    options.checkpoint_every = 0;
    auto d =
        std::make_optional<dueday::durable_engine>(std::make_unique<dueday::sqlite_storage>(argv[1]),
                                                   dueday::builtin_calendar(), dueday::builtin_policies(), options);
    std::vector<dueday::command> batch;
    std::vector<std::string> ids;
    const auto flush = [&] {
      (void)d->apply(batch, ids);
      batch.clear();
      ids.clear();
    };
    std::string line;
    for (long n = 1; std::getline(in, line); ++n) {
      if (n < from || (to >= 0 && n > to) || line.empty()) continue;
      batch.push_back(dueday::parse_command(line, argv[2], n));
      ids.push_back("line-" + std::to_string(n));
      if (n == checkpoint_at) {
        flush();
        d->checkpoint();
      }
      if (batch.size() == 100) flush();
    }
    flush();
    d.reset();  // closes the store (and releases its lock)
    if (broken > 0)
      dueday::test::replace_entry(argv[1], "outbox", "events", static_cast<std::uint64_t>(broken), "not json");
    if (spread > 0) {
      std::string text = dueday::test::entry(argv[1], "outbox", "events", static_cast<std::uint64_t>(spread));
      for (std::size_t at = 0; (at = text.find(',', at)) != std::string::npos; at += 2) text.insert(at, "\n");
      dueday::test::replace_entry(argv[1], "outbox", "events", static_cast<std::uint64_t>(spread), text);
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "store_fixture: %s\n", e.what());
    return 1;
  }
}
