// A shop's log generated through the real command path (CommandProcessor,
// fsync off: generating, not measuring the append): 10k products, 10k
// users, `orders` orders, a third of them confirmed and a tenth cancelled.
// The read-model micro-benchmarks and orderly-bench's rebuild and recovery
// scenarios fold it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/uuid.h"
#include "eventstore/store.h"

namespace orderly::bench {

struct ShopLog {
  std::string dir;
  std::unique_ptr<eventstore::EventStore> store;  // open, on `dir`
  std::vector<Uuid> products, users, orders;
  uint64_t events = 0;
  double generate_seconds = 0;
};

// Generates into `dir` (which must not hold a store yet).
ShopLog generate_shop_log(const std::string& dir, int orders);

}  // namespace orderly::bench
