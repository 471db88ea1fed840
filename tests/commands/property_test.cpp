// Random command sequences: replaying the log from scratch gives the same
// state; stock and money invariants hold after every command.
// ORDERLY_PROPERTY_SEQUENCES scales the run (default: 2000 pure sequences,
// 8 through the processor and RocksDB).
#include <doctest/doctest.h>

#include <cstdlib>
#include <random>
#include <unordered_map>

#include "commands/processor.h"
#include "commands/shop_state_snapshot.h"
#include "core/schemas/order_events_generated.h"
#include "core/schemas/payment_events_generated.h"
#include "core/schemas/product_events_generated.h"
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
};

template <typename Rng>
const Uuid& pick(Rng& rng, const std::vector<Uuid>& v) {
  return v[rng() % v.size()];
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
    return {ConfirmPayment{pay, rng() % 4 ? "pm_card_ok" : "pm_card_declined"}, m};
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
    return {ChangeOrderStatus{pick(rng, w.orders), kTo[rng() % 4]}, m};
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
      REQUIRE(pay.refunded_cents <= pay.amount_cents);  // refunds <= captured
      if (pay.refunded_cents > 0)
        REQUIRE(pay.status == PaymentStatus::kSucceeded);
    }
    // No cancelled order keeps money: the payment that confirmed it is
    // refunded in full; and revenue (captured minus refunded over the orders
    // that count) is never negative, order by order.
    for (const auto& [id, o] : s.orders) {
      if (o.paid_by.is_nil())
        continue;
      const PaymentState& pay = s.payments.at(o.paid_by);
      REQUIRE(pay.status == PaymentStatus::kSucceeded);
      if (o.status == OrderStatus::kCancelled)
        REQUIRE(pay.refunded_cents == pay.amount_cents);
    }
    REQUIRE(revenue(s) >= 0);
  }

  // Captured minus refunded over confirmed, shipped and delivered orders.
  static int64_t revenue(const ShopState& s) {
    int64_t total = 0;
    for (const auto& [id, o] : s.orders) {
      if (o.status != OrderStatus::kConfirmed && o.status != OrderStatus::kShipped &&
          o.status != OrderStatus::kDelivered)
        continue;
      const int64_t refunded = o.paid_by.is_nil() ? 0 : s.payments.at(o.paid_by).refunded_cents;
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
  for (int s = 0; s < sequences; ++s) {
    const uint64_t seed = seeds();
    CAPTURE(seed);
    std::mt19937_64 rng(seed);
    Harness h;
    World w;
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
