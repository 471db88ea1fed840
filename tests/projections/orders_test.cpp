// The orders read model, fed by the real writer's log.
#include <doctest/doctest.h>

#include "commands/processor.h"
#include "projections/orders.h"
#include "projections/runner.h"
#include "tests/projections/folding.h"
#include "tests/support/ids.h"
#include "tests/support/live_writer.h"

using namespace orderly;
using namespace orderly::commands;
using namespace orderly::projections;
using namespace orderly::testing;

TEST_CASE_FIXTURE(
    LiveWriter,
    "orders: per user newest first, status filters, admin view, pagination, stats, persistence") {
  const CommandMeta admin = meta_for(Role::kAdmin);
  const CreateProduct cup = espresso_cup(100);
  REQUIRE(writer->execute(cup, admin).is_ok());
  CommandMeta ada, bob;
  ada.actor = test_id(500);
  bob.actor = test_id(600);
  for (int i = 0; i < 5; ++i) {
    REQUIRE(
        writer
            ->execute(PlaceOrder{test_id(100 + i), {{cup.product_id, i + 1}}, "", 900'000'000}, ada)
            .is_ok());
  }
  REQUIRE(writer->execute(PlaceOrder{test_id(200), {{cup.product_id, 1}}, "", 900'000'000}, bob)
              .is_ok());
  REQUIRE(writer->execute(ChangeOrderStatus{test_id(101), OrderStatus::kConfirmed}, admin).is_ok());
  REQUIRE(writer->execute(ChangeOrderStatus{test_id(103), OrderStatus::kConfirmed}, admin).is_ok());
  REQUIRE(writer->execute(ChangeOrderStatus{test_id(103), OrderStatus::kShipped}, admin).is_ok());
  REQUIRE(writer->execute(CancelOrder{test_id(104)}, ada).is_ok());

  auto rows = std::move(ReadModelStore::open(dir.sub("data/readmodels")).value());
  {
    OrdersReadModel model;
    run_to_end(*store, *rows, model);

    const std::string a = test_id(500).to_string();
    auto mine = model.list(a, "", 1, 20);
    CHECK(mine.total == 5);
    CHECK(ids_of(mine).front() == test_id(104).to_string());  // newest first
    CHECK(ids_of(mine).back() == test_id(100).to_string());
    CHECK(ids_of(model.list(a, "confirmed", 1, 20)) ==
          std::vector<std::string>{test_id(101).to_string()});
    CHECK(model.list(a, "pending", 1, 20).total == 2);
    CHECK(model.list(a, "delivered", 1, 20).total == 0);
    auto page2 = model.list(a, "", 2, 2);
    CHECK(ids_of(page2) ==
          std::vector<std::string>{test_id(102).to_string(), test_id(101).to_string()});
    CHECK(model.list(a, "", 4, 2).items.empty());
    CHECK(model.list("", "", 1, 100).total == 6);  // admins: everyone's
    CHECK(ids_of(model.list("", "", 1, 1)) == std::vector<std::string>{test_id(200).to_string()});
    CHECK(model.list("", "pending", 1, 100).total == 3);

    auto o = model.get(test_id(103).to_string());
    REQUIRE(o.has_value());
    CHECK(o->status == "shipped");
    CHECK(o->version == 3);
    CHECK(o->items.at(0).name == "Espresso cup");
    CHECK(o->items.at(0).line_total_cents == 4 * 1250);
    CHECK(o->total_cents == 5000);

    const OrderStats s = model.stats(a);
    CHECK(s.total_orders == 5);
    CHECK(s.pending_orders == 2);
    CHECK(s.confirmed_orders == 1);
    CHECK(s.shipped_orders == 1);
    CHECK(s.cancelled_orders == 1);
    CHECK(s.total_spent_cents == 2 * 1250 + 4 * 1250);  // confirmed + shipped
  }
  // Reloaded from its rows: the same answers, and new orders keep newest-first.
  OrdersReadModel again;
  ProjectionRunner runner(*store, *rows, {&again});
  REQUIRE(runner.start().is_ok());
  auto placed =
      writer->execute(PlaceOrder{test_id(105), {{cup.product_id, 1}}, "", 900'000'000}, ada);
  REQUIRE(placed.is_ok());
  REQUIRE(runner.wait_for("orders", placed->last_position, std::chrono::seconds(60)));
  CHECK(ids_of(again.list(test_id(500).to_string(), "", 1, 1)) ==
        std::vector<std::string>{test_id(105).to_string()});
  CHECK(again.stats(test_id(500).to_string()).total_orders == 6);
}
