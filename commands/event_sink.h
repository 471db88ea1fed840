// Collects the events one batch of commands decides, as finished FlatBuffers
// in one reused arena: deciding allocates nothing per event once warm.
//
// Thread safety: none; the writer thread owns its sinks.
#pragma once

#include <flatbuffers/flatbuffers.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/event_type.h"
#include "core/uuid.h"

namespace orderly::commands {

// The aggregates; each owns the streams "<name>-<id>".
enum class Aggregate : uint8_t {
  kUser,
  kProduct,
  kCart,
  kOrder,
  kPayment,
  kNotification,
  kAnalytics,
  kCategory,
  kWebhook  // a provider's webhook for a payment Orderly does not know (payment.h)
};
std::string_view aggregate_name(Aggregate a);

// "order-0192f0c1-..."
std::string stream_name(Aggregate aggregate, const Uuid& id);
// The same, written into `out` (reusing its capacity).
void assign_stream_name(std::string& out, Aggregate aggregate, const Uuid& id);
// The inverse; false for a stream of no known aggregate.
bool parse_stream_name(std::string_view stream, Aggregate* aggregate, Uuid* id);

class EventSink {
 public:
  struct Event {
    Aggregate aggregate{};
    Uuid id;
    std::string stream;
    EventType type{};
    size_t offset = 0;  // into the arena
    size_t size = 0;
  };

  // Builds one event: `build(fbb)` returns the root table's offset.
  template <typename BuildFn>
  void emit(Aggregate aggregate, const Uuid& id, EventType type, BuildFn&& build) {
    fbb_.Clear();
    fbb_.Finish(build(fbb_));
    push(aggregate, id, type);
  }

  // Drops every event from index `count` on (a command that failed after
  // emitting some).
  void truncate(size_t count);
  void clear() { truncate(0); }

  size_t size() const { return count_; }
  const Event& event(size_t i) const { return events_[i]; }
  // The payload bytes of event i; stable until the next emit or clear.
  std::span<const uint8_t> payload(size_t i) const {
    return {reinterpret_cast<const uint8_t*>(arena_.data()) + events_[i].offset, events_[i].size};
  }
  // The payload as its table. REQUIRES: T matches event(i).type.
  template <typename T>
  const T* table(size_t i) const {
    return flatbuffers::GetRoot<T>(payload(i).data());
  }

 private:
  void push(Aggregate aggregate, const Uuid& id, EventType type);

  flatbuffers::FlatBufferBuilder fbb_{512};
  std::vector<uint64_t> arena_;  // 8-aligned payloads, back to back
  size_t arena_used_ = 0;        // in bytes
  std::vector<Event> events_;    // [0, count_) in use; entries are reused
  size_t count_ = 0;
};

}  // namespace orderly::commands
