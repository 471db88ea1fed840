#include "core/event_type.h"

#include <flatbuffers/flatbuffers.h>

#include "core/schemas/analytics_events_generated.h"
#include "core/schemas/cart_events_generated.h"
#include "core/schemas/category_events_generated.h"
#include "core/schemas/notification_events_generated.h"
#include "core/schemas/order_events_generated.h"
#include "core/schemas/payment_events_generated.h"
#include "core/schemas/product_events_generated.h"
#include "core/schemas/user_events_generated.h"

namespace orderly {

namespace {

// Guards against decoding hostile input: a 200-byte event has a handful of
// tables; the default limits (64 deep, 1M tables) would let a crafted
// payload burn CPU.
constexpr flatbuffers::uoffset_t kMaxDepth = 16;
constexpr flatbuffers::uoffset_t kMaxTables = 100000;

template <typename Table>
bool verify_table(std::span<const uint8_t> payload) {
  flatbuffers::Verifier v(payload.data(), payload.size(), kMaxDepth, kMaxTables);
  return v.VerifyBuffer<Table>(nullptr);
}

}  // namespace

std::string_view event_type_name(EventType type) {
  switch (type) {
#define ORDERLY_X(id, table, name) \
  case EventType::k##table:        \
    return name;
    ORDERLY_EVENT_TYPES(ORDERLY_X)
#undef ORDERLY_X
  }
  return {};
}

std::optional<EventType> event_type_from_name(std::string_view name) {
#define ORDERLY_X(id, table, text) \
  if (name == text)                \
    return EventType::k##table;
  ORDERLY_EVENT_TYPES(ORDERLY_X)
#undef ORDERLY_X
  return std::nullopt;
}

bool is_known_event_type(uint16_t id) {
  switch (id) {
#define ORDERLY_X(n, table, name) case n:
    ORDERLY_EVENT_TYPES(ORDERLY_X)
#undef ORDERLY_X
    return true;
    default:
      return false;
  }
}

uint16_t current_schema_version(EventType) {
  return 1;
}

bool verify_payload(EventType type, std::span<const uint8_t> payload) {
  switch (type) {
#define ORDERLY_X(id, table, name) \
  case EventType::k##table:        \
    return verify_table<events::table>(payload);
    ORDERLY_EVENT_TYPES(ORDERLY_X)
#undef ORDERLY_X
  }
  return false;
}

}  // namespace orderly
