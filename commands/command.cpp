#include "commands/command.h"

#include "core/digest.h"

namespace orderly::commands {

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
  for (auto st : {OrderStatus::kPending, OrderStatus::kConfirmed, OrderStatus::kShipped,
                  OrderStatus::kDelivered, OrderStatus::kCancelled}) {
    if (order_status_name(st) == s)
      return st;
  }
  return std::nullopt;
}

std::string_view role_name(Role r) {
  switch (r) {
    case Role::kCustomer:
      return "customer";
    case Role::kAdmin:
      return "admin";
    case Role::kEngine:
      return "engine";
  }
  return "customer";
}

std::string idempotency_scope(const CommandMeta& meta) {
  if (meta.idempotency_key.empty())
    return {};
  return meta.actor.to_string() + ":" + digest128_hex(meta.idempotency_key);
}

}  // namespace orderly::commands
