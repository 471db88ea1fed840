// The real writer on a store in a fresh directory: the fixture of the suites
// that feed read models (or check the writer) through a log it wrote.
// Header-only, for doctest suites linking the commands library.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>

#include "commands/processor.h"
#include "eventstore/store.h"
#include "tests/support/ids.h"
#include "tests/support/temp_dir.h"

namespace orderly::testing {

// The store lives in dir/data; members are destroyed writer first, then the
// store, then the directory. Use with TEST_CASE_FIXTURE.
struct LiveWriter {
  TempDir dir;
  std::unique_ptr<eventstore::EventStore> store =
      std::move(eventstore::EventStore::open(dir.sub("data")).value());
  std::unique_ptr<commands::CommandProcessor> writer =
      std::move(commands::CommandProcessor::start(*store).value());
};

// Command metadata for `role` with no actor.
inline commands::CommandMeta meta_for(commands::Role role) {
  commands::CommandMeta m;
  m.role = role;
  return m;
}

// The espresso cup the order suites sell (id test_id(1), 12.50).
inline commands::CreateProduct espresso_cup(int64_t stock) {
  return commands::CreateProduct{test_id(1), "CUP", "Espresso cup", "", "kitchen", "", 1250, stock};
}

}  // namespace orderly::testing
