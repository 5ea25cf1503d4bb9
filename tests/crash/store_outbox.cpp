// store_outbox DB: prints the outbox of a dueday store, one event (its JSON) per line in sequence
// order, through the library (sqlite_storage::read_events); exits 1, naming it, when the sequence
// numbers do not run 1, 2, ... without a gap. For the CLI tests of `dueday run` and `tick`.
#include <dueday/store.hpp>

#include <cstdint>
#include <cstdio>
#include <exception>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fputs("usage: store_outbox DB\n", stderr);
    return 2;
  }
  try {
    dueday::sqlite_options reader;
    reader.read_only = true;  // never creates the file, never takes the writer's lock
    dueday::sqlite_storage store(argv[1], reader);
    std::uint64_t n = 0;
    for (;;) {
      const auto events = store.read_events(n, 1000);
      if (events.empty()) break;
      for (const auto& e : events) {
        if (e.sequence != n + 1) {
          std::fprintf(stderr, "store_outbox: sequence %llu after %llu\n", static_cast<unsigned long long>(e.sequence),
                       static_cast<unsigned long long>(n));
          return 1;
        }
        std::printf("%s\n", e.json.c_str());
        ++n;
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "store_outbox: %s\n", e.what());
    return 1;
  }
  return 0;
}
