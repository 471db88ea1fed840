// Decide-and-fold on plain state, as the writer does, without RocksDB.
#pragma once

#include <doctest/doctest.h>

#include "commands/decide.h"
#include "commands/shop_state.h"
#include "core/ids.h"
#include "tests/support/ids.h"

namespace orderly::testing {

// A new product (a fresh id, the sku made from it) in the kitchen category.
inline commands::CreateProduct new_product(int64_t price_cents, int64_t stock,
                                           const std::string& name = "Cup") {
  commands::CreateProduct c;
  c.product_id = new_id();
  c.sku = "SKU-" + c.product_id.to_string().substr(24);
  c.name = name;
  c.category = "kitchen";
  c.price_cents = price_cents;
  c.stock = stock;
  return c;
}

struct Harness {
  commands::ShopState state;
  commands::EventSink sink;
  TimestampUs now = 1795255200000000;  // 2026-11-21T10:00:00Z
  Uuid admin = new_id();

  commands::CommandMeta as(const Uuid& actor,
                           commands::Role role = commands::Role::kCustomer) const {
    commands::CommandMeta m;
    m.actor = actor;
    m.role = role;
    m.now = now;
    return m;
  }
  commands::CommandMeta as_admin() const { return as(admin, commands::Role::kAdmin); }
  commands::CommandMeta as_engine() const { return as(Uuid{}, commands::Role::kEngine); }

  // Decides; folds the events in when accepted. Returns the answer; the
  // command's events stay readable in `sink` from index `first_event`.
  Status run(const commands::Command& c, const commands::CommandMeta& meta) {
    first_event = sink.size();
    Status st = commands::decide(state, c, meta, sink);
    if (!st.is_ok() && !commands::keeps_events_when_refused(c, st))
      sink.truncate(first_event);
    for (size_t k = first_event; k < sink.size(); ++k) {
      const auto& e = sink.event(k);
      commands::apply(state, e.aggregate, e.id, e.type, sink.payload(k).data());
    }
    return st;
  }
  size_t emitted() const { return sink.size() - first_event; }
  EventType type(size_t i) const { return sink.event(first_event + i).type; }

  Uuid product(int64_t price_cents, int64_t stock, const std::string& name = "Cup") {
    const commands::CreateProduct c = new_product(price_cents, stock, name);
    REQUIRE(run(c, as_admin()).is_ok());
    return c.product_id;
  }

  Uuid order(const Uuid& user, std::vector<commands::OrderItem> items, Status* out = nullptr) {
    const Uuid id = new_id();
    commands::PlaceOrder c;
    c.order_id = id;
    c.items = std::move(items);
    Status st = run(c, as(user));
    if (out)
      *out = st;
    return id;
  }

  size_t first_event = 0;
};

}  // namespace orderly::testing
