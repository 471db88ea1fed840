// Realistic event payloads for tests and benchmarks.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "eventstore/types.h"

namespace orderly::testing {

using Bytes = std::vector<uint8_t>;

Bytes product_created(const std::string& product_id, const std::string& name, int64_t price_cents,
                      int64_t stock);

// An OrderPlaced with `lines` lines: with 1 line it is about 200 bytes, the
// size the benchmarks use.
Bytes order_placed(const std::string& order_id, const std::string& user_id, int lines = 1);

Bytes order_confirmed(const std::string& order_id);

Bytes stock_reserved(const std::string& product_id, const std::string& order_id, int64_t quantity);

// Helper that keeps payloads alive next to the NewEvent views into them.
struct EventBatch {
  std::vector<Bytes> payloads;
  std::vector<eventstore::NewEvent> events;

  void add(EventType type, Bytes payload);
  // REQUIRES: no add() after the first call (views into `payloads`).
  std::span<const eventstore::NewEvent> span();
};

}  // namespace orderly::testing
