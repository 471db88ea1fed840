// Online rebuild: a read model rebuilt beside the live one while orders keep
// arriving and queries keep reading, swapped in when caught up, its stored
// rows equal to a rebuild from scratch, and a damaged row repaired.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "commands/processor.h"
#include "projections/orders.h"
#include "projections/registry.h"
#include "projections/runner.h"
#include "projections/stats.h"
#include "tests/support/ids.h"
#include "tests/support/live_writer.h"
#include "tests/support/wait_until.h"

using namespace orderly;
using namespace orderly::commands;
using namespace orderly::projections;
using namespace orderly::testing;

namespace {

ModelStatus status_of(const ProjectionRunner& runner, std::string_view name) {
  for (auto& s : runner.status()) {
    if (s.name == name)
      return s;
  }
  FAIL("no status for " << name);
  return {};
}

// What a restart would load for `model`.
Rows stored_rows(ReadModelStore& rows, std::string_view model) {
  auto loaded = make_read_model(model);
  REQUIRE(load_model(rows, *loaded).is_ok());
  Rows out = loaded->rows();
  sort_rows(out);
  return out;
}

}  // namespace

TEST_CASE_FIXTURE(
    LiveWriter,
    "online rebuild: queries answer throughout, the rebuilt model is swapped in, rows equal") {
  auto rows = std::move(ReadModelStore::open(dir.sub("data") + "/readmodels").value());
  const CommandMeta admin = meta_for(Role::kAdmin);
  const CreateProduct cup = espresso_cup(kMaxStock);
  REQUIRE(writer->execute(cup, admin).is_ok());
  CommandMeta ada;
  ada.actor = test_id(50);
  auto place = [&](int n) {
    for (int i = 0; i < n; ++i)
      REQUIRE(writer->execute(PlaceOrder{new_id(), {{cup.product_id, 1}}, "", 900'000'000}, ada)
                  .is_ok());
  };
  place(3000);

  // A stale stats snapshot claiming the log's end: the stats model loads it
  // (and misses every order), a rebuild corrects it.
  {
    auto stale = make_read_model("stats");
    REQUIRE(fold_range(*store, *stale, 0, 1).is_ok());
    REQUIRE(save_model(*rows, *stale, store->last_position()).is_ok());
  }

  ProjectionRunner runner(*store, *rows, all_read_models_shared());
  CHECK(runner.rebuild("orders").code() == ErrorCode::kInvalidArgument);  // not running yet
  REQUIRE(runner.start().is_ok());
  REQUIRE(runner.wait_for("orders", store->last_position(), std::chrono::seconds(120)));
  const auto before = runner.current_as<OrdersReadModel>("orders");
  REQUIRE(before != nullptr);
  REQUIRE(runner.current_as<StatsReadModel>("stats")->dashboard().orders_total == 0);

  // Orders keep arriving and a reader keeps asking while both models rebuild.
  std::atomic<bool> done{false};
  std::atomic<size_t> answered{0}, went_back{0};
  std::thread reader([&] {
    size_t last_total = 0;
    while (!done.load()) {
      const auto orders = runner.current_as<OrdersReadModel>("orders");
      const size_t total = orders->list(ada.actor.to_string(), "", 1, 5).total;
      if (total < last_total)
        ++went_back;  // the swapped-in model must never be behind the old one
      last_total = total;
      ++answered;
    }
  });
  std::thread more([&] { place(1500); });
  CHECK(runner.rebuild("nope").code() == ErrorCode::kNotFound);
  REQUIRE(runner.rebuild("orders").is_ok());
  REQUIRE(runner.rebuild("stats").is_ok());
  REQUIRE(poll_until(
      [&] {
        return status_of(runner, "orders").last_rebuild == "done" &&
               status_of(runner, "stats").last_rebuild == "done";
      },
      std::chrono::seconds(120), std::chrono::milliseconds(5)));
  more.join();
  done.store(true);
  reader.join();
  CHECK(answered.load() > 0);
  CHECK(went_back.load() == 0);

  const auto after = runner.current_as<OrdersReadModel>("orders");
  CHECK(after != before);  // a new instance answers now
  REQUIRE(runner.wait_for("orders", store->last_position(), std::chrono::seconds(120)));
  REQUIRE(runner.wait_for("stats", store->last_position(), std::chrono::seconds(120)));
  CHECK(after->list(ada.actor.to_string(), "", 1, 5).total == 4500);
  CHECK(runner.current_as<StatsReadModel>("stats")->dashboard().orders_total == 4500);
  CHECK(status_of(runner, "orders").state == "live");
  REQUIRE(runner.stop().is_ok());

  // The stored rows are exactly those of a rebuild from scratch.
  for (const char* name : {"orders", "stats"}) {
    CAPTURE(name);
    auto fresh = make_read_model(name);
    auto expected = rebuild_rows(*store, *fresh);
    REQUIRE(expected.is_ok());
    sort_rows(*expected);
    CHECK(stored_rows(*rows, name) == *expected);
  }
}
