// An order's status: the domain's one definition of it, for the writer
// (commands/order.h decides the moves between them) and the read models
// (projections/orders.h, projections/stats.h fold them).
//
// On-disk format: the values are stored as one byte in the writer snapshot
// and in the orders and stats read-model snapshots. DO NOT CHANGE them; a new
// status goes at the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace orderly {

enum class OrderStatus : uint8_t { kPending, kConfirmed, kShipped, kDelivered, kCancelled };
inline constexpr size_t kOrderStatusCount = 5;

// The API's word for it: "pending", "confirmed", "shipped", "delivered", "cancelled".
std::string_view order_status_name(OrderStatus s);
std::optional<OrderStatus> parse_order_status(std::string_view s);

// A status byte read back from a snapshot; nullopt when out of range.
std::optional<OrderStatus> order_status_from_byte(uint8_t b);

inline constexpr uint8_t byte_of(OrderStatus s) {
  return static_cast<uint8_t>(s);
}

// Confirmed, shipped or delivered: paid for (its total counts in revenue).
inline constexpr bool is_paid(OrderStatus s) {
  return s == OrderStatus::kConfirmed || s == OrderStatus::kShipped || s == OrderStatus::kDelivered;
}

}  // namespace orderly
