// The kill-and-resume test's victim: runs the catalog read model over a
// finished log until it is killed. Prints "started" once running.
#include <cstdio>
#include <thread>

#include "projections/catalog.h"
#include "projections/runner.h"

using namespace orderly;

int main(int argc, char** argv) {
  if (argc < 3)
    return 2;
  eventstore::StoreOptions options;
  options.read_only = true;
  auto store = eventstore::EventStore::open(argv[1], options);
  auto rows = projections::ReadModelStore::open(argv[2]);
  if (!store || !rows)
    return 3;
  projections::CatalogReadModel model;
  projections::RunnerOptions ro;
  ro.chunk = 64;
  // Many snapshots, so a kill lands between them and inside their saves.
  ro.snapshot_every = 256;
  ro.snapshot_interval = std::chrono::milliseconds(0);
  projections::ProjectionRunner runner(**store, **rows, {&model}, ro);
  if (!runner.start().is_ok())
    return 4;
  std::printf("started\n");
  std::fflush(stdout);
  for (;;)
    std::this_thread::sleep_for(std::chrono::seconds(1));
}
