// Shared helpers for the event store tests.
#pragma once

#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "eventstore/store.h"
#include "tests/support/sample_events.h"
#include "tests/support/temp_dir.h"

namespace orderly::testing {

inline std::unique_ptr<eventstore::EventStore> open_store(const std::string& dir,
                                                          eventstore::StoreOptions options = {}) {
  auto store = eventstore::EventStore::open(dir, options);
  REQUIRE_MESSAGE(store.is_ok(), store.status().to_string());
  return std::move(store).value();
}

// `n` OrderPlaced-like events for one stream.
inline EventBatch orders(int n, const std::string& order_id = "o") {
  EventBatch b;
  for (int i = 0; i < n; ++i)
    b.add(EventType::kOrderPlaced, order_placed(order_id, "u-1"));
  return b;
}

}  // namespace orderly::testing
