// Random command sequences: replaying the log from scratch gives the same
// state; stock and money invariants hold after every command.
// ORDERLY_PROPERTY_SEQUENCES scales the run (default: 2000 pure sequences,
// 8 through the processor and RocksDB).
#include <doctest/doctest.h>

#include <cstdlib>
#include <map>
#include <random>
#include <unordered_map>

#include "commands/processor.h"
#include "commands/shop_state_snapshot.h"
#include "core/schemas/order_events_generated.h"
#include "core/schemas/payment_events_generated.h"
#include "core/schemas/product_events_generated.h"
#include "core/text.h"
#include "eventstore/verify.h"
#include "projections/stats.h"
#include "tests/commands/harness.h"
#include "tests/commands/state_diff.h"
#include "tests/projections/folding.h"
#include "tests/support/temp_dir.h"

using namespace orderly;
using namespace orderly::commands;
using namespace orderly::testing;

namespace {

int scale(int base) {
  const char* env = std::getenv("ORDERLY_PROPERTY_SEQUENCES");
  return env ? std::max(1, std::atoi(env) * base / 2000) : base;
}

// What the generator knows, to make commands that mostly make sense (and
// some that do not).
struct World {
  std::vector<Uuid> users, products, orders, payments;
  std::unordered_map<Uuid, Uuid, UuidHash> owner;  // order or payment -> user
  Uuid admin = new_id();
  // The writer's state when the generator may look (plain-state runs): the
  // provider's webhooks then name true amounts and refund ids.
  const ShopState* state = nullptr;
};

template <typename Rng>
const Uuid& pick(Rng& rng, const std::vector<Uuid>& v) {
  return v[rng() % v.size()];
}

// A webhook as the provider would send it, now and then twice (a small
// pool of event ids), out of order, for an unknown payment or with a wrong
// amount.
template <typename Rng>
ApplyPaymentWebhook random_webhook(Rng& rng, const World& w) {
  ApplyPaymentWebhook c;
  c.provider_event_id = "evt_" + std::to_string(rng() % 40);
  c.type = static_cast<PaymentWebhookType>(rng() % 6);
  c.created_s = 1795255200;
  c.payment_id = rng() % 10 ? pick(rng, w.payments) : new_id();
  // Mostly about payments the provider has news of: at it, or with a
  // refund asked.
  for (int tries = 0; w.state != nullptr && tries < 4; ++tries) {
    auto it = w.state->payments.find(c.payment_id);
    if (it != w.state->payments.end() && (it->second.status == PaymentStatus::kProcessing ||
                                          it->second.status == PaymentStatus::kRequiresAction ||
                                          it->second.pending_refund_cents > 0))
      break;
    c.payment_id = pick(rng, w.payments);
  }
  c.amount_cents = static_cast<int64_t>(rng() % 5000);
  c.refund_id = "re_" + std::to_string(rng() % 5);
  c.dispute_id = "dp_" + std::to_string(rng() % 3);
  c.next_action_url = "http://127.0.0.1:9/3ds/x";
  if (w.state != nullptr && rng() % 4 != 0) {
    auto it = w.state->payments.find(c.payment_id);
    if (it != w.state->payments.end()) {
      const PaymentState& p = it->second;
      c.amount_cents = p.amount_cents;
      if (!p.refunds.empty() && rng() % 3 != 0) {
        const RefundState* pending = nullptr;  // the provider's news is mostly of these
        for (const RefundState& each : p.refunds)
          pending = each.status == RefundStatus::kPending ? &each : pending;
        const RefundState& r =
            pending && rng() % 4 ? *pending : p.refunds[rng() % p.refunds.size()];
        c.refund_id = r.id;
        c.amount_cents = r.amount_cents;
        if (r.status == RefundStatus::kPending && rng() % 2 == 0) {  // the provider answers it
          c.type =
              rng() % 3 ? PaymentWebhookType::kRefundSucceeded : PaymentWebhookType::kRefundFailed;
        }
      } else if (c.type == PaymentWebhookType::kRefundSucceeded) {
        c.amount_cents = 1 + static_cast<int64_t>(rng() % std::max<int64_t>(1, p.amount_cents));
      }
    }
  }
  return c;
}

// One random command with who sends it. Advances `now` sometimes.
template <typename Rng>
std::pair<Command, CommandMeta> random_command(Rng& rng, World& w, TimestampUs& now) {
  CommandMeta m;
  m.now = now;
  auto customer = [&](const Uuid& u) {
    m.actor = u;
    m.role = Role::kCustomer;
  };
  auto admin = [&] {
    m.actor = w.admin;
    m.role = Role::kAdmin;
  };
  const int r = static_cast<int>(rng() % 100);
  if (w.products.size() < 3 || r < 5) {
    CreateProduct c;
    c.product_id = new_id();
    c.sku = "S" + std::to_string(rng() % 1000000);  // sometimes taken
    c.name = "P" + std::to_string(w.products.size());
    c.category = (rng() % 2) ? "kitchen" : "garden";
    c.price_cents = static_cast<int64_t>(rng() % 10000);
    c.stock = static_cast<int64_t>(rng() % 20);
    w.products.push_back(c.product_id);
    admin();
    return {c, m};
  }
  if (w.users.size() < 3)
    w.users.push_back(new_id());
  const Uuid& user = pick(rng, w.users);
  if (r < 35) {  // place an order of 1-3 lines
    PlaceOrder c;
    c.order_id = new_id();
    const int lines = 1 + static_cast<int>(rng() % 3);
    for (int i = 0; i < lines; ++i)
      c.items.push_back({pick(rng, w.products), 1 + static_cast<int64_t>(rng() % 4)});
    c.reservation_ttl_us = 60'000'000;
    w.orders.push_back(c.order_id);
    w.owner[c.order_id] = user;
    customer(user);
    return {c, m};
  }
  if (r < 42) {  // cart, then sometimes checkout
    customer(user);
    if (rng() % 3 == 0) {
      Checkout c;
      c.order_id = new_id();
      c.reservation_ttl_us = 60'000'000;
      w.orders.push_back(c.order_id);
      w.owner[c.order_id] = user;
      return {c, m};
    }
    return {AddToCart{pick(rng, w.products), 1 + static_cast<int64_t>(rng() % 3)}, m};
  }
  if (!w.orders.empty() && r < 55) {  // pay
    const Uuid& order = pick(rng, w.orders);
    customer(w.owner[order]);
    const Uuid pay = new_id();
    w.payments.push_back(pay);
    w.owner[pay] = w.owner[order];
    return {CreatePayment{pay, order}, m};
  }
  if (!w.payments.empty() && r < 68) {
    const Uuid& pay = pick(rng, w.payments);
    customer(w.owner[pay]);
    const uint64_t what = rng() % 10;
    if (what < 4) {
      static constexpr const char* kMethods[] = {"pm_card_ok", "pm_card_ok", "pm_card_declined",
                                                 "pm_card_3ds", "cash_on_delivery"};
      return {ConfirmPayment{pay, kMethods[rng() % 5]}, m};
    }
    if (what == 4)
      return {AuthenticatePayment{pay, rng() % 3 != 0}, m};
    if (what == 5) {
      admin();
      return {CapturePayment{pay}, m};
    }
    m.actor = Uuid{};
    m.role = Role::kEngine;
    return {random_webhook(rng, w), m};
  }
  if (!w.orders.empty() && r < 76) {
    const Uuid& order = pick(rng, w.orders);
    customer(rng() % 5 ? w.owner[order] : user);  // sometimes a stranger
    return {CancelOrder{order}, m};
  }
  if (!w.orders.empty() && r < 84) {
    admin();
    static constexpr OrderStatus kTo[] = {OrderStatus::kConfirmed, OrderStatus::kShipped,
                                          OrderStatus::kDelivered, OrderStatus::kCancelled};
    const OrderStatus to = kTo[rng() % 4];
    return {ChangeOrderStatus{pick(rng, w.orders), to, to == OrderStatus::kDelivered && rng() % 2},
            m};
  }
  if (!w.payments.empty() && r < 88) {
    admin();
    return {RefundPayment{pick(rng, w.payments),
                          rng() % 2 ? std::optional<int64_t>(1 + static_cast<int64_t>(rng() % 5000))
                                    : std::nullopt},
            m};
  }
  if (r < 91) {  // a price change: carts holding the product see price_changed
    admin();
    UpdateProduct c;
    c.product_id = pick(rng, w.products);
    c.price_cents = static_cast<int64_t>(rng() % 10000);
    return {c, m};
  }
  if (r < 94) {
    admin();
    return {AdjustStock{pick(rng, w.products), static_cast<int64_t>(rng() % 11) - 5}, m};
  }
  if (r < 97) {
    admin();
    return {SetStock{pick(rng, w.products), static_cast<int64_t>(rng() % 30)}, m};
  }
  now += 30'000'000;  // time passes: some reservations expire
  admin();
  return {AdjustStock{pick(rng, w.products), 1}, m};
}

// The invariants, checked against the state and the events recorded so far.
struct Ledger {
  std::unordered_map<Uuid, int64_t, UuidHash> added;  // stock ever added per product

  void record(const EventSink& sink, size_t from) {
    for (size_t k = from; k < sink.size(); ++k) {
      const auto& ev = sink.event(k);
      if (ev.type == EventType::kProductCreated) {
        added[ev.id] += sink.table<events::ProductCreated>(k)->stock();
      } else if (ev.type == EventType::kStockChanged) {
        added[ev.id] += std::max<int64_t>(0, sink.table<events::StockChanged>(k)->delta());
      } else if (ev.type == EventType::kOrderPlaced) {
        const auto* e = sink.table<events::OrderPlaced>(k);
        int64_t sum = 0;
        for (const auto* line : *e->lines()) {
          REQUIRE(line->line_total_cents() == line->unit_price_cents() * line->quantity());
          sum += line->line_total_cents();
        }
        REQUIRE(e->total_cents() == sum);  // order total = sum of lines
      }
    }
  }

  void check(const ShopState& s) const {
    std::unordered_map<Uuid, int64_t, UuidHash> sold;
    for (const auto& [id, o] : s.orders) {
      if (o.status == OrderStatus::kConfirmed || o.status == OrderStatus::kShipped ||
          o.status == OrderStatus::kDelivered) {
        for (const auto& l : o.lines)
          sold[l.product_id] += l.quantity;
      }
    }
    for (const auto& [id, p] : s.products) {
      REQUIRE(p.reserved >= 0);
      REQUIRE(p.reserved <= p.stock);  // available never negative
      auto a = added.find(id);
      const int64_t ever = a == added.end() ? 0 : a->second;
      REQUIRE(sold[id] <= ever);  // never sold more than was ever stocked
    }
    for (const auto& [id, pay] : s.payments) {
      REQUIRE(pay.refunded_cents >= 0);
      REQUIRE(pay.pending_refund_cents >= 0);
      // Refunds, done and asked for, never exceed what was captured.
      REQUIRE(pay.refunded_cents + pay.pending_refund_cents <= pay.amount_cents);
      if (pay.refunded_cents > 0 || pay.pending_refund_cents > 0)
        REQUIRE(pay.status == PaymentStatus::kSucceeded);
      // Money captured for an order it did not pay goes back whole (unless
      // the provider failed a refund: then it waits for the staff, who see it).
      const OrderState& o = s.orders.at(pay.order_id);
      if (pay.status == PaymentStatus::kSucceeded && o.paid_by != id)
        REQUIRE(all_back(pay));
      // An open payment is the one its order's index names.
      if (!payment_is_closed(pay.status) && pay.method != PaymentMethod::kCashOnDelivery)
        REQUIRE(s.open_payment_by_order.at(pay.order_id) == id);
    }
    // No cancelled order keeps money: the payment that confirmed it is
    // refunded in full (or asked of the provider), an uncollected cash
    // payment is canceled; and revenue (captured minus refunded over the
    // orders that count) is never negative, order by order.
    for (const auto& [id, o] : s.orders) {
      if (o.paid_by.is_nil())
        continue;
      const PaymentState& pay = s.payments.at(o.paid_by);
      if (pay.method == PaymentMethod::kCashOnDelivery && pay.status != PaymentStatus::kSucceeded) {
        REQUIRE(pay.status == (o.status == OrderStatus::kCancelled ? PaymentStatus::kCanceled
                                                                   : PaymentStatus::kProcessing));
        continue;
      }
      REQUIRE(pay.status == PaymentStatus::kSucceeded);
      if (o.status == OrderStatus::kCancelled)
        REQUIRE(all_back(pay));
    }
    REQUIRE(revenue(s) >= 0);
  }

  // Everything captured is refunded or asked back, or a refund the provider
  // failed left the rest for the staff to retry.
  static bool all_back(const PaymentState& p) {
    if (p.refunded_cents + p.pending_refund_cents == p.amount_cents)
      return true;
    for (const RefundState& r : p.refunds) {
      if (r.status == RefundStatus::kFailed)
        return true;
    }
    return false;
  }

  // Captured minus refunded over confirmed, shipped and delivered orders
  // (cash on delivery: once collected).
  static int64_t revenue(const ShopState& s) {
    int64_t total = 0;
    for (const auto& [id, o] : s.orders) {
      if (o.status != OrderStatus::kConfirmed && o.status != OrderStatus::kShipped &&
          o.status != OrderStatus::kDelivered)
        continue;
      const PaymentState* pay = o.paid_by.is_nil() ? nullptr : &s.payments.at(o.paid_by);
      if (pay != nullptr && pay->status != PaymentStatus::kSucceeded)
        continue;  // cash on delivery, not collected yet
      const int64_t refunded = pay ? pay->refunded_cents : 0;
      REQUIRE(refunded <= o.total_cents);
      total += o.total_cents - refunded;
    }
    return total;
  }
};

}  // namespace

TEST_CASE("property: random sequences on plain state, replay from scratch gives the same state") {
  const int sequences = scale(2000);
  std::mt19937_64 seeds(20261121);
  uint64_t commands_run = 0, accepted = 0;
  std::map<EventType, uint64_t> seen;  // what the sequences made, to show they reach it
  std::map<std::string, uint64_t> webhook_outcomes;
  for (int s = 0; s < sequences; ++s) {
    const uint64_t seed = seeds();
    CAPTURE(seed);
    std::mt19937_64 rng(seed);
    Harness h;
    h.state.payment_provider = rng() % 2 == 0;  // both modes of payment.h
    World w;
    w.state = &h.state;
    Ledger ledger;
    const int n = 20 + static_cast<int>(rng() % 60);
    for (int i = 0; i < n; ++i) {
      auto [command, meta] = random_command(rng, w, h.now);
      meta.now = h.now;
      const size_t before = h.sink.size();
      if (h.run(command, meta).is_ok())
        ++accepted;
      ledger.record(h.sink, before);
      while (auto expired = next_expired_order(h.state, h.now)) {
        const size_t b = h.sink.size();
        REQUIRE(h.run(ExpireOrder{*expired}, h.as_engine()).is_ok());
        ledger.record(h.sink, b);
      }
      ledger.check(h.state);
      ++commands_run;
    }
    // The events are the log: fold them into a fresh state.
    ShopState replayed;
    for (size_t k = 0; k < h.sink.size(); ++k) {
      const auto& e = h.sink.event(k);
      ++seen[e.type];
      if (e.type == EventType::kPaymentWebhookReceived)
        ++webhook_outcomes[fb_string(h.sink.table<events::PaymentWebhookReceived>(k)->outcome())];
      apply(replayed, e.aggregate, e.id, e.type, h.sink.payload(k).data());
    }
    const std::string diff = diff_states(h.state, replayed);
    REQUIRE_MESSAGE(diff.empty(), diff);
    // The writer snapshot gives back exactly the live state.
    BinaryWriter out;
    save_state(h.state, out);
    const std::string bytes = out.take();
    BinaryReader in(bytes);
    ShopState loaded;
    REQUIRE(load_state(in, loaded).is_ok());
    const std::string snapshot_diff = diff_states(h.state, loaded) + diff_expiries(h.state, loaded);
    REQUIRE_MESSAGE(snapshot_diff.empty(), snapshot_diff);
    // Damaged bytes are refused, never a crash: cut short anywhere.
    BinaryReader cut(std::string_view(bytes).substr(0, rng() % bytes.size()));
    ShopState partial;
    REQUIRE(load_state(cut, partial).code() == ErrorCode::kCorruption);
  }
  MESSAGE(sequences << " sequences, " << commands_run << " commands, " << accepted << " accepted");
  CHECK(accepted > commands_run / 4);
  // Every payment move of payment.h happened somewhere, and every webhook
  // outcome: the invariants above held through all of them.
  for (const EventType t : {EventType::kPaymentSucceeded, EventType::kPaymentFailed,
                            EventType::kPaymentRefunded, EventType::kPaymentProcessing,
                            EventType::kPaymentActionRequired, EventType::kPaymentCanceled,
                            EventType::kPaymentRefundRequested, EventType::kPaymentRefundFailed,
                            EventType::kPaymentDisputed, EventType::kPaymentWebhookReceived}) {
    CAPTURE(event_type_name(t));
    CHECK(seen[t] > 0);
  }
  for (const char* outcome : {"applied", "duplicate", "ignored", "rejected", "unknown_payment"}) {
    CAPTURE(outcome);
    CHECK(webhook_outcomes[outcome] > 0);
  }
  MESSAGE("webhooks applied " << webhook_outcomes["applied"] << ", duplicate "
                              << webhook_outcomes["duplicate"] << ", refunds asked "
                              << seen[EventType::kPaymentRefundRequested] << ", done "
                              << seen[EventType::kPaymentRefunded]);
}

TEST_CASE(
    "property: random sequences through the processor and RocksDB, the log rebuilds the state") {
  const int sequences = scale(8);
  std::mt19937_64 seeds(777);
  for (int s = 0; s < sequences; ++s) {
    const uint64_t seed = seeds();
    CAPTURE(seed);
    std::mt19937_64 rng(seed);
    TempDir dir;
    auto store = std::move(eventstore::EventStore::open(dir.path()).value());
    auto clock = std::make_shared<std::atomic<TimestampUs>>(1795255200000000);
    ProcessorOptions options;
    options.payment_provider = s % 2 == 1;
    options.clock = [clock] { return clock->load(); };
    options.expiry_check_interval = std::chrono::milliseconds(5);
    auto processor = std::move(CommandProcessor::start(*store, options).value());
    World w;
    TimestampUs now = clock->load();
    std::vector<std::future<Result<CommandReply>>> pending;
    for (int i = 0; i < 300; ++i) {
      auto [command, meta] = random_command(rng, w, now);
      clock->store(now);
      meta.now = 0;  // the processor stamps it
      pending.push_back(processor->submit(std::move(command), meta));
      if (pending.size() >= 16) {  // keep several in flight: batches form
        for (auto& f : pending)
          (void)f.get();
        pending.clear();
      }
    }
    for (auto& f : pending)
      (void)f.get();
    ShopState live;
    processor->inspect([&](const ShopState& st) { live = st; });
    processor->stop();
    auto rebuilt = rebuild_state(*store);
    REQUIRE(rebuilt.is_ok());
    const std::string diff = diff_states(live, *rebuilt);
    REQUIRE_MESSAGE(diff.empty(), diff);
    // The ledger from the log itself: stock ever added, and every order's sums.
    Ledger ledger;
    REQUIRE(store
                ->scan({},
                       [&](const EventView& ev) {
                         commands::Aggregate agg;
                         Uuid id;
                         REQUIRE(parse_stream_name(ev.stream(), &agg, &id));
                         if (ev.type() == EventType::kProductCreated) {
                           ledger.added[id] += ev.as<events::ProductCreated>()->stock();
                         } else if (ev.type() == EventType::kStockChanged) {
                           ledger.added[id] +=
                               std::max<int64_t>(0, ev.as<events::StockChanged>()->delta());
                         } else if (ev.type() == EventType::kOrderPlaced) {
                           const auto* e = ev.as<events::OrderPlaced>();
                           int64_t sum = 0;
                           for (const auto* line : *e->lines())
                             sum += line->unit_price_cents() * line->quantity();
                           REQUIRE(e->total_cents() == sum);
                         }
                         return true;
                       })
                .is_ok());
    ledger.check(live);
    // The statistics agree: revenue is captured minus refunded, the sum of
    // its days, never negative.
    projections::StatsReadModel stats;
    apply_log(*store, {&stats});
    const projections::Dashboard d = stats.dashboard();
    int64_t by_day = 0;
    for (const auto& day : d.revenue_by_day) {
      REQUIRE(day.revenue_cents >= 0);
      by_day += day.revenue_cents;
    }
    REQUIRE(d.revenue_cents == by_day);
    REQUIRE(d.revenue_cents == Ledger::revenue(live));
    REQUIRE(store->close().is_ok());
    auto report = eventstore::verify_data_dir(dir.path());
    REQUIRE(report.is_ok());
    REQUIRE(report->ok());
  }
}
