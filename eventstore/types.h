// The vocabulary of the event store's interface: expected versions, append
// requests and results, log queries.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/event_type.h"

namespace orderly::eventstore {

// Durability of an acknowledged append.
enum class SyncMode {
  kAlways,  // fsync (fdatasync) of the WAL before append returns: the default
  kNone,    // the OS flushes when it likes: benchmarks only
};

// Optimistic concurrency check for one stream in an append.
struct ExpectedVersion {
  enum class Kind { kAny, kNoStream, kStreamExists, kExact };
  Kind kind = Kind::kAny;
  uint64_t version = 0;  // for kExact; exact(0) means the same as no_stream()

  static ExpectedVersion any() { return {Kind::kAny, 0}; }
  static ExpectedVersion no_stream() { return {Kind::kNoStream, 0}; }
  static ExpectedVersion stream_exists() { return {Kind::kStreamExists, 0}; }
  static ExpectedVersion exact(uint64_t v) { return {Kind::kExact, v}; }
};

// One event to append. Views: the bytes must outlive the append call.
struct NewEvent {
  EventType type{};
  std::span<const uint8_t> payload;  // a finished FlatBuffer of the type's table
  uint16_t schema_version = 1;
  std::string_view correlation_id;
  std::string_view causation_id;
};

// Events for one stream, with the version the writer expects it to be at.
struct StreamWrite {
  std::string_view stream;
  ExpectedVersion expected;
  std::span<const NewEvent> events;
};

// One atomic append: all its streams' events commit together or not at all.
struct AppendRequest {
  std::span<const StreamWrite> writes;
  // When set, a later request with the same id appends nothing and returns
  // the first one's positions (idempotent retry). At most 256 bytes.
  std::string_view command_id;
  // Commit time stamped on every event; 0 = the store's clock at commit.
  TimestampUs time_us = 0;
};

struct AppendResult {
  uint64_t first_position = 0;
  uint64_t last_position = 0;
  // The version of each written stream after the append, in `writes` order.
  std::vector<uint64_t> stream_versions;
  // True when the command id had already committed and nothing was appended.
  bool duplicate = false;
};

inline constexpr uint64_t kEndOfLog = std::numeric_limits<uint64_t>::max();

// A filtered range of the global log.
struct LogQuery {
  uint64_t from_position = 1;
  uint64_t to_position = kEndOfLog;  // inclusive
  std::string stream_prefix;         // "" = all streams; "order-" = all orders
  std::vector<EventType> types;      // empty = all types
  uint64_t limit = std::numeric_limits<uint64_t>::max();
};

enum class Direction { kForward, kBackward };

}  // namespace orderly::eventstore
