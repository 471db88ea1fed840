// The orders read model: GET /api/orders, /api/orders/{id} and
// /api/orders/stats answer from it.
//
// An order is shown as placed (names and prices snapshotted) with its
// current status. Lists are newest first; per-user and per-status indexes
// keep pages O(offset + page) whatever the number of orders (a user's list
// with a status filter walks that user's orders only).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/clock.h"
#include "projections/page.h"
#include "projections/projection.h"

namespace orderly::projections {

struct OrderLineRow {
  std::string product_id, name;
  int64_t unit_price_cents = 0, quantity = 0, line_total_cents = 0;
};

struct OrderRow {
  std::string id, user_id,
      status;  // "pending" | "confirmed" | "shipped" | "delivered" | "cancelled"
  std::vector<OrderLineRow> items;
  int64_t total_cents = 0;
  TimestampUs created_at = 0, updated_at = 0;
  uint64_t version = 0;
  uint64_t seq = 0;  // placement order, for newest-first lists
};

using OrderPage = Page<OrderRow>;

struct OrderStats {
  size_t total_orders = 0;
  int64_t total_spent_cents = 0;  // confirmed, shipped and delivered orders
  size_t pending_orders = 0, confirmed_orders = 0, shipped_orders = 0, completed_orders = 0,
         cancelled_orders = 0;
};

class OrdersReadModel final : public Projection {
 public:
  std::string_view name() const override { return "orders"; }
  void apply(const EventView& event) override;
  RowChanges take_changes() override;
  Status load_row(std::string_view key, std::string_view value) override;
  void clear() override;

  std::optional<OrderRow> get(std::string_view id) const;
  // A user's orders (empty user_id: everyone's, for admins), newest first,
  // optionally with one status.
  OrderPage list(std::string_view user_id, std::string_view status, int page, int per_page) const;
  OrderStats stats(std::string_view user_id) const;

 private:
  void index(const OrderRow& o);
  void unindex(const OrderRow& o);

  std::unordered_map<std::string, OrderRow> orders_;
  std::map<uint64_t, std::string> by_seq_;                         // every order
  std::unordered_map<std::string, std::set<uint64_t>> by_user_;    // user -> seqs
  std::unordered_map<std::string, std::set<uint64_t>> by_status_;  // status -> seqs
  uint64_t next_seq_ = 1;
  std::unordered_set<std::string> dirty_;
};

}  // namespace orderly::projections
