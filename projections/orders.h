// The orders read model: GET /api/orders, /api/orders/{id} and
// /api/orders/stats answer from it.
//
// An order is shown as placed (names and prices snapshotted) with its
// current status. Lists are newest first; per-user and per-status indexes
// keep pages O(offset + page) whatever the number of orders (a user's list
// with a status filter walks that user's orders only).
#pragma once

#include <absl/container/btree_set.h>
#include <absl/container/flat_hash_map.h>
#include <cstdint>

#include <array>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/account.h"
#include "core/clock.h"
#include "core/order_status.h"
#include "core/uuid.h"
#include "projections/name_pool.h"
#include "projections/order_index.h"
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
  std::optional<std::string> shipping_address;  // inline text as placed; nullopt: none given
  // The address as placed when it was given whole or by a saved address's
  // id (address_id nil when inline); then shipping_address is nullopt.
  std::optional<Address> shipping;
  std::string currency;  // as placed; the shop's one currency
  int64_t total_cents = 0;
  TimestampUs created_at = 0, updated_at = 0;
  uint64_t version = 0;
  uint64_t seq = 0;  // placement order, for newest-first lists
  // The status of the payment that paid or is paying it (projections/
  // payment_status.h); empty: no payment was made for it.
  std::string payment_status;
  bool disputed = false;  // that payment's charge is disputed
};

using OrderPage = Page<OrderRow>;

struct OrderStats {
  size_t total_orders = 0;
  int64_t total_spent_cents = 0;  // confirmed, shipped and delivered orders, net of refunds
  size_t pending_orders = 0, confirmed_orders = 0, shipped_orders = 0, completed_orders = 0,
         cancelled_orders = 0;
};

class OrdersReadModel final : public Projection {
 public:
  std::string_view name() const override { return "orders"; }
  void apply(const EventView& event) override REQUIRES(mutex_);
  Rows rows() const override REQUIRES_SHARED(mutex_);
  void save(BinaryWriter& out) const override REQUIRES_SHARED(mutex_);
  Status load(BinaryReader& in) override REQUIRES(mutex_);
  void clear() override REQUIRES(mutex_);
  void expect_events(uint64_t events) override REQUIRES(mutex_);
  void finish_fold() override REQUIRES(mutex_);

  // Names the state of a list's orders: while it stays the same, so does
  // every list() of that user (any status, any page), and any change of one
  // of their orders as lists show them (placed, a status, the payment shown)
  // moves it. So a list's answer can be tagged without hashing it
  // (api/rest/routes/orders.cpp). `epoch` is drawn at random whenever the
  // model is cleared, loaded or folded from scratch (changes not tracked one
  // by one); `position` is the log position of the last event since then
  // that changed one of the user's orders (0: none).
  struct ListVersion {
    uint64_t epoch = 0, position = 0;
    bool operator==(const ListVersion&) const = default;
  };

  std::optional<OrderRow> get(std::string_view id) const;
  // A user's orders (empty user_id: everyone's, for admins), newest first,
  // optionally with one status. `as_of`, when given, receives the version
  // of the list the page was read from (of everyone's orders for an empty
  // user_id), under the same lock.
  OrderPage list(std::string_view user_id, std::string_view status, int page, int per_page,
                 ListVersion* as_of = nullptr) const;
  OrderStats stats(std::string_view user_id) const;

 private:
  // Held compactly and turned into OrderRow only for the rows a query
  // returns: a rebuild folds millions of these. Orders and lines are plain
  // records in two arrays (no allocation per order, and a snapshot loads
  // them as one copy each); line names are interned.
  struct Line {
    Uuid product_id;
    int64_t unit_price_cents = 0, quantity = 0, line_total_cents = 0;
    uint32_t name = 0;    // in names_
    uint32_t unused = 0;  // (explicit padding: records are saved as bytes)
  };
  struct Stored {
    Uuid id, user_id;  // nil id: placed with an unparsable id (not listed)
    int64_t total_cents = 0;
    TimestampUs created_at = 0, updated_at = 0;
    uint32_t version = 0;                     // of the order's stream: a handful of events
    uint32_t first_line = 0, line_count = 0;  // lines_[first_line, + line_count)
    uint8_t status = 0;                       // an OrderStatus (core/order_status.h)
    char currency[3] = {};    // ISO 4217, as placed ("USD"); zeros when the event had none
    uint64_t address_at = 0;  // the shipping address: addresses_[address_at, + address_size)
    uint32_t address_size = 0;
    uint32_t unused2 = 0;
  };
  // Reads only (the const one calls it); apply writes through the result.
  Stored* find(const Uuid& id) REQUIRES_SHARED(mutex_);
  const Stored* find(const Uuid& id) const REQUIRES_SHARED(mutex_);
  OrderRow row(const Stored& o, uint64_t seq) const REQUIRES_SHARED(mutex_);
  std::span<const Line> lines_of(const Stored& o) const REQUIRES_SHARED(mutex_) {
    return {lines_.data() + o.first_line, o.line_count};
  }
  std::string_view address_of(const Stored& o) const REQUIRES_SHARED(mutex_) {
    return {addresses_.data() + o.address_at, o.address_size};
  }
  std::string json(const Stored& o, uint64_t seq) const REQUIRES_SHARED(mutex_);
  void add_to_user(const Uuid& user, uint64_t seq) REQUIRES(mutex_);
  void remove_from_user(const Uuid& user, uint64_t seq) REQUIRES(mutex_);
  // Rebuilds seq_of_, by_user_, by_status_ and count_ from by_seq_ (about
  // `users` users). False when two slots have the same id.
  bool index_all(size_t users) REQUIRES(mutex_);
  // by_user_ and by_status_ from by_seq_ (about `users` users).
  void index_users_and_statuses(size_t users) REQUIRES(mutex_);

  // [seq - 1]: placement order, for newest-first lists.
  std::vector<Stored> by_seq_ GUARDED_BY(mutex_);
  std::vector<Line> lines_ GUARDED_BY(mutex_);      // every order's lines, in placement order
  std::vector<char> addresses_ GUARDED_BY(mutex_);  // every order's shipping address, back to back
  NamePool names_ GUARDED_BY(mutex_);
  size_t count_ GUARDED_BY(mutex_) = 0;   // stored orders: every slot
  OrderIndex seq_of_ GUARDED_BY(mutex_);  // id -> seq - 1
  // Ascending seqs.
  absl::flat_hash_map<Uuid, std::vector<uint64_t>, UuidHash> by_user_ GUARDED_BY(mutex_);
  std::array<absl::btree_set<uint64_t>, kOrderStatusCount> by_status_ GUARDED_BY(mutex_);
  bool lists_deferred_ GUARDED_BY(mutex_) = false;  // folding from scratch: see expect_events
  // Refunded cents by order (few).
  absl::flat_hash_map<Uuid, int64_t, UuidHash> refunded_ GUARDED_BY(mutex_);
  // The payment shown with an order: the one that captured its money, else
  // the latest one made, submitted or captured for it.
  struct OrderPayment {
    Uuid payment;
    int64_t amount_cents = 0;
    uint8_t status = 0;  // in kPaymentStatuses
    bool disputed = false;
  };
  void apply_payment(const EventView& ev) REQUIRES(mutex_);
  // Records that an event at `position` changed one of `user`'s orders.
  void touch(const Uuid& user, uint64_t position) REQUIRES(mutex_);
  // A new epoch_, and no change recorded in it yet.
  void new_epoch() REQUIRES(mutex_);
  // See ListVersion. Not kept while lists_deferred_ (a fold from scratch
  // draws a new epoch when it ends).
  uint64_t epoch_ GUARDED_BY(mutex_) = 0;
  absl::flat_hash_map<Uuid, uint64_t, UuidHash> changed_at_ GUARDED_BY(mutex_);
  uint64_t changed_any_ GUARDED_BY(mutex_) = 0;  // of everyone's orders
  absl::flat_hash_map<Uuid, OrderPayment, UuidHash> payment_of_ GUARDED_BY(mutex_);
};

}  // namespace orderly::projections
