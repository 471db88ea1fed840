// Everything the single writer knows: every aggregate's decision state,
// the uniqueness indexes, and the reservation expiry queue. Built by folding
// the log through apply(); changed only by apply().
//
// Thread safety: none. Owned by the writer thread.
#pragma once

#include <deque>
#include <functional>
#include <queue>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "commands/cart.h"
#include "commands/category.h"
#include "commands/event_sink.h"
#include "commands/notification.h"
#include "commands/order.h"
#include "commands/payment.h"
#include "commands/product.h"
#include "commands/user.h"
#include "core/envelope.h"

namespace orderly::commands {

struct ShopState {
  // The shop's one currency (configuration, not folded from the log: set
  // before the first apply; --currency).
  std::string currency = "USD";
  // What one customer may hold unpaid (configuration too: --hold-max-*).
  HoldLimits hold_limits;
  ProductMap products;
  std::unordered_map<std::string, Uuid> skus;
  // Categories; their active_products counts are derived from the products
  // (recounted when a snapshot is loaded).
  Categories categories;
  OrderMap orders;
  // Pending orders by reservation expiry. Entries go stale when an order is
  // confirmed or cancelled first; whoever pops one checks the order.
  // A deque underneath: it grows in chunks, where a vector would copy every
  // pending order at each doubling (a pause on the writer's path).
  std::priority_queue<std::pair<TimestampUs, Uuid>, std::deque<std::pair<TimestampUs, Uuid>>,
                      std::greater<>>
      expiries;
  // What each customer's pending orders hold (order.h), by user; a customer
  // without pending orders has no entry. Derived from `orders`: not
  // snapshotted, rebuilt from them at load (rebuild_holds).
  UuidMap<CustomerHolds> holds;
  CartMap carts;
  PaymentMap payments;
  // Each order's payment not finished yet (payment_is_closed: false).
  BigUuidMap<Uuid> open_payment_by_order;
  // Whether card payments go to a payment provider (configuration, like the
  // currency: --payment-provider-url; payment.h).
  bool payment_provider = false;
  // Every provider event (webhook) recorded, by provider_event_key: the
  // payment it was recorded on, or nil and the version of its own
  // "webhook-<key>" stream when the payment was unknown. A replayed
  // webhook finds its id here and changes nothing.
  struct ProviderEvent {
    Uuid payment_id;
    uint32_t version = 0;
  };
  BigUuidMap<ProviderEvent> provider_events;
  UserMap users;
  std::unordered_map<std::string, Uuid> usernames;  // lower-case
  std::unordered_map<std::string, Uuid> emails;
  // identity_key(issuer, subject) -> user. Derived from the users: rebuilt
  // when a snapshot is loaded. A closed account leaves all three indexes.
  std::unordered_map<std::string, Uuid> identities;
  // Admins whose account is active (the last one stays: user.h). Derived.
  size_t active_admins = 0;
  NotificationMap notifications;
  // Refresh tokens remembered across users (commands/user.h bounds them):
  // a gauge for /metrics. Derived: recounted when a snapshot is loaded.
  size_t refresh_tokens = 0;
  uint64_t position = 0;  // the last log position folded in
};

// Folds one event into the state: the one evolve entry point, for events read
// from the log and for events just decided. Assigns, never validates.
// REQUIRES: `payload` is a verified (or self-built) FlatBuffer of `type`.
void apply(ShopState& s, Aggregate aggregate, const Uuid& id, EventType type,
           const uint8_t* payload);

// apply() for an event from the log; events of streams the writer does not
// own (e.g. analytics) are skipped.
void apply_logged(ShopState& s, const EventView& event);

// Rebuilds `holds` from the pending orders (after loading a snapshot).
void rebuild_holds(ShopState& s);

// The stream version the state has seen (0 = no such stream).
uint32_t version_of(const ShopState& s, Aggregate aggregate, const Uuid& id);

}  // namespace orderly::commands
