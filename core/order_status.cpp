#include "core/order_status.h"

namespace orderly {

std::string_view order_status_name(OrderStatus s) {
  switch (s) {
    case OrderStatus::kPending:
      return "pending";
    case OrderStatus::kConfirmed:
      return "confirmed";
    case OrderStatus::kShipped:
      return "shipped";
    case OrderStatus::kDelivered:
      return "delivered";
    case OrderStatus::kCancelled:
      return "cancelled";
  }
  return "pending";
}

std::optional<OrderStatus> parse_order_status(std::string_view s) {
  for (uint8_t b = 0; b < kOrderStatusCount; ++b) {
    if (order_status_name(static_cast<OrderStatus>(b)) == s)
      return static_cast<OrderStatus>(b);
  }
  return std::nullopt;
}

std::optional<OrderStatus> order_status_from_byte(uint8_t b) {
  if (b >= kOrderStatusCount)
    return std::nullopt;
  return static_cast<OrderStatus>(b);
}

}  // namespace orderly
