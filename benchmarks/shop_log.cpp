#include "benchmarks/shop_log.h"

#include <chrono>
#include <random>
#include <semaphore>

#include "commands/processor.h"
#include "core/ids.h"

namespace orderly::bench {

namespace {

Uuid fresh() {
  return *Uuid::parse(new_uuid_v7());
}

}  // namespace

ShopLog generate_shop_log(const std::string& dir, int n_orders) {
  using namespace commands;
  ShopLog log;
  log.dir = dir;
  eventstore::StoreOptions so;
  so.sync = eventstore::SyncMode::kNone;
  log.store = std::move(eventstore::EventStore::open(dir, so).value());
  auto writer = std::move(CommandProcessor::start(*log.store).value());
  const auto t0 = std::chrono::steady_clock::now();
  CommandMeta admin;
  admin.role = Role::kAdmin;
  std::counting_semaphore<> window(8192);
  auto submit = [&](Command c, const CommandMeta& m) {
    window.acquire();
    writer->submit(std::move(c), m, [&](Result<CommandReply>) { window.release(); });
  };
  static const char* kWords[] = {"espresso", "cup",    "moka",  "pot",   "grinder", "kettle",
                                 "mug",      "filter", "beans", "tea",   "jar",     "tin",
                                 "spoon",    "scale",  "press", "carafe"};
  std::mt19937_64 rng(7);
  for (int i = 0; i < 10'000; ++i) {
    CreateProduct c;
    c.product_id = fresh();
    c.sku = "SKU-" + std::to_string(i);
    c.name = std::string(kWords[rng() % 16]) + " " + kWords[rng() % 16] + " " + std::to_string(i);
    c.description = std::string("A fine ") + kWords[rng() % 16] + " for the " + kWords[rng() % 16];
    c.category = "category-" + std::to_string(i % 40);
    c.price_cents = 100 + static_cast<int64_t>(rng() % 20000);
    c.stock = kMaxStock;
    log.products.push_back(c.product_id);
    submit(std::move(c), admin);
  }
  for (int i = 0; i < 10'000; ++i)
    log.users.push_back(fresh());
  for (int i = 0; i < n_orders; ++i) {
    CommandMeta user;
    user.actor = log.users[rng() % log.users.size()];
    PlaceOrder p;
    p.order_id = fresh();
    p.items = {{log.products[rng() % log.products.size()], 1 + static_cast<int64_t>(rng() % 3)}};
    // Reservations outlive the benchmarks: an engine started on this log
    // later (recovery, --shop-dir) must not begin by expiring millions of
    // them, which would also change the log it measures.
    p.reservation_ttl_us = 365LL * 24 * 3600 * 1'000'000;
    log.orders.push_back(p.order_id);
    const Uuid id = p.order_id;
    submit(std::move(p), user);
    if (i % 3 == 0)
      submit(ChangeOrderStatus{id, OrderStatus::kConfirmed}, admin);
    if (i % 10 == 0)
      submit(CancelOrder{id}, user);
  }
  for (int i = 0; i < 8192; ++i)
    window.acquire();
  writer->stop();
  log.events = log.store->last_position();
  log.generate_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return log;
}

}  // namespace orderly::bench
