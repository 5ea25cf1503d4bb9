// The NATS cluster tests' main: doctest's, then the C client's global state closed (its threads
// and memory, for the leak checker), and 77 (ctest's SKIP_RETURN_CODE) when a case found no
// nats-server and skipped, so that a skip never passes for a pass.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
#include <nats/nats.h>

#include "nats_cluster.hpp"

int main(int argc, char** argv) {
  doctest::Context context(argc, argv);
  const int result = context.run();
  nats_CloseAndWait(2000);
  if (context.shouldExit()) return result;
  if (result == 0 && dueday::test::cluster_skipped()) return 77;
  return result;
}
