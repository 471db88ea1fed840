// Catalog and stats keep open orders as records and compact them once most
// have closed: enough orders close here (more than 65536, more than half)
// that both compact mid-log, and later events name orders whose records
// moved. Stock, revenue and counts must come out as the orders' final
// states say, and a snapshot must load back to the same rows.
#include <doctest/doctest.h>

#include <semaphore>

#include "commands/processor.h"
#include "commands/product.h"
#include "projections/catalog.h"
#include "projections/runner.h"
#include "projections/stats.h"
#include "tests/support/ids.h"
#include "tests/support/temp_dir.h"

using namespace orderly;
using namespace orderly::commands;
using namespace orderly::projections;
using namespace orderly::testing;

TEST_CASE("catalog and stats: compacting closed orders mid-log keeps stock, revenue and counts") {
  TempDir dir;
  eventstore::StoreOptions so;
  so.sync = eventstore::SyncMode::kNone;  // thousands of commands; durability is not the point
  auto store = std::move(eventstore::EventStore::open(dir.sub("data"), so).value());
  auto writer = std::move(CommandProcessor::start(*store).value());
  CommandMeta admin;
  admin.role = Role::kAdmin;
  CommandMeta ada;
  ada.actor = test_id(7);
  std::counting_semaphore<> window(4096);
  std::atomic<int> failed{0};
  auto submit = [&](Command c, const CommandMeta& meta) {
    window.acquire();
    writer->submit(std::move(c), meta, [&](Result<CommandReply> r) {
      if (!r.is_ok())
        failed.fetch_add(1);
      window.release();
    });
  };
  auto drain = [&] {
    for (int i = 0; i < 4096; ++i)
      window.acquire();
    window.release(4096);
  };
  const int64_t kPrice = 100;
  std::vector<Uuid> products;
  for (int p = 0; p < 3; ++p) {
    products.push_back(test_id(1000 + p));
    submit(CreateProduct{products.back(), "SKU-" + std::to_string(p), "Thing", "", "things", "USD",
                         kPrice, kMaxStock},
           admin);
  }
  constexpr int kOrders = 120'000;
  auto order_id = [](int i) { return test_id(100'000 + i); };
  auto product_of = [](int i) { return i % 3; };
  auto quantity_of = [](int i) { return int64_t{1} + i % 3; };
  for (int i = 0; i < kOrders; ++i) {
    PlaceOrder p;
    p.order_id = order_id(i);
    p.items = {{products[static_cast<size_t>(product_of(i))], quantity_of(i)}};
    p.reservation_ttl_us = 365LL * 24 * 3600 * 1'000'000;
    submit(std::move(p), ada);
  }
  enum State { kPending, kConfirmed, kShipped, kCancelled };
  std::vector<State> state(kOrders, kPending);
  auto move = [&](int i, OrderStatus to, State s) {
    submit(ChangeOrderStatus{order_id(i), to}, admin);
    state[static_cast<size_t>(i)] = s;
  };
  // Before compaction: a quarter confirmed, then most closed (cancelled,
  // some of them confirmed first): 75,000 closed of 120,000.
  for (int i = 0; i < kOrders; i += 4)
    move(i, OrderStatus::kConfirmed, kConfirmed);
  for (int i = 0; i < kOrders; ++i) {
    if (i % 4 == 1 || i % 4 == 2 || i % 8 == 0)
      move(i, OrderStatus::kCancelled, kCancelled);
  }
  // After it: orders whose records moved are confirmed, shipped, cancelled.
  for (int i = 0; i < kOrders; ++i) {
    if (i % 8 == 3)
      move(i, OrderStatus::kConfirmed, kConfirmed);
    else if (i % 8 == 4)
      move(i, OrderStatus::kShipped, kShipped);
    else if (i % 8 == 7)
      move(i, OrderStatus::kCancelled, kCancelled);
  }
  drain();
  REQUIRE(failed.load() == 0);
  writer->stop();

  int64_t reserved[3] = {0, 0, 0}, sold[3] = {0, 0, 0}, revenue = 0;
  uint64_t counts[4] = {0, 0, 0, 0};
  for (int i = 0; i < kOrders; ++i) {
    const State s = state[static_cast<size_t>(i)];
    ++counts[s];
    if (s == kPending)
      reserved[product_of(i)] += quantity_of(i);
    if (s == kConfirmed || s == kShipped) {
      sold[product_of(i)] += quantity_of(i);
      revenue += quantity_of(i) * kPrice;
    }
  }
  REQUIRE(counts[kCancelled] > 65536);

  CatalogReadModel catalog;
  StatsReadModel stats;
  REQUIRE(fold_from_scratch(*store, {&catalog, &stats}).is_ok());
  auto check = [&](const CatalogReadModel& c, const StatsReadModel& s) {
    for (size_t p = 0; p < 3; ++p) {
      const auto product = c.get(products[p].to_string());
      REQUIRE(product.has_value());
      CHECK(product->reserved == reserved[p]);
      CHECK(product->stock == kMaxStock - sold[p]);
    }
    const Dashboard d = s.dashboard();
    CHECK(d.orders_total == kOrders);
    CHECK(d.orders_by_status.at("pending") == counts[kPending]);
    CHECK(d.orders_by_status.at("confirmed") == counts[kConfirmed]);
    CHECK(d.orders_by_status.at("shipped") == counts[kShipped]);
    CHECK(d.orders_by_status.at("cancelled") == counts[kCancelled]);
    CHECK(d.revenue_cents == revenue);
  };
  check(catalog, stats);

  // Saved and loaded back: the same rows, the same answers.
  auto rows = std::move(ReadModelStore::open(dir.sub("readmodels")).value());
  const uint64_t end = store->last_position();
  REQUIRE(save_model(*rows, catalog, end).is_ok());
  REQUIRE(save_model(*rows, stats, end).is_ok());
  CatalogReadModel catalog_loaded;
  StatsReadModel stats_loaded;
  REQUIRE(load_model(*rows, catalog_loaded).value() == end);
  REQUIRE(load_model(*rows, stats_loaded).value() == end);
  check(catalog_loaded, stats_loaded);
  Rows a = catalog.rows(), b = catalog_loaded.rows();
  sort_rows(a);
  sort_rows(b);
  CHECK(a == b);
  a = stats.rows();
  b = stats_loaded.rows();
  sort_rows(a);
  sort_rows(b);
  CHECK(a == b);
}
