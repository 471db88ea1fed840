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

TEST_CASE_FIXTURE(LiveWriter,
                  "orders: a list's version moves exactly when a page of it could change") {
  const CommandMeta admin = meta_for(Role::kAdmin);
  const CreateProduct cup = espresso_cup(100);
  REQUIRE(writer->execute(cup, admin).is_ok());
  CommandMeta ada, bob;
  ada.actor = test_id(500);
  bob.actor = test_id(600);
  const std::string a = test_id(500).to_string(), b = test_id(600).to_string();
  OrdersReadModel model;
  uint64_t applied = 0;
  auto catch_up = [&] {  // event by event, as a running server applies them
    eventstore::LogQuery from;
    from.from_position = applied + 1;
    apply_log(*store, {&model}, from);
    applied = store->last_position();
  };
  auto version = [&](const std::string& user) {
    OrdersReadModel::ListVersion v;
    (void)model.list(user, "", 1, 20, &v);
    return v;
  };
  auto run = [&](const Command& c, const CommandMeta& who) {
    REQUIRE(writer->execute(c, who).is_ok());
    catch_up();
  };
  catch_up();
  const auto ada_empty = version(a);
  run(PlaceOrder{test_id(1), {{cup.product_id, 1}}, "", 900'000'000}, ada);
  const auto ada_1 = version(a);
  CHECK(ada_1 != ada_empty);
  CHECK(ada_1.epoch == ada_empty.epoch);
  const auto bob_before = version(b);
  run(PlaceOrder{test_id(2), {{cup.product_id, 1}}, "", 900'000'000}, bob);
  CHECK(version(a) == ada_1);  // Bob's order is not on Ada's pages
  CHECK(version(b) != bob_before);
  const auto everyone = version("");
  run(ChangeOrderStatus{test_id(1), OrderStatus::kConfirmed}, admin);
  const auto ada_2 = version(a);
  CHECK(ada_2 != ada_1);
  CHECK(version("") != everyone);
  // A payment changes the payment shown with the order.
  run(CreatePayment{test_id(3), test_id(2)}, bob);
  const auto bob_paying = version(b);
  run(ConfirmPayment{test_id(3), "pm_card_ok"}, bob);
  CHECK(version(b) != bob_paying);
  CHECK(version(a) == ada_2);
  // Nothing applied: nothing moves, and the same version reads the same page.
  CHECK(version(a) == ada_2);
  CHECK(ids_of(model.list(a, "", 1, 20)) == std::vector<std::string>{test_id(1).to_string()});
  // Another instance (a restart, a rebuild) has another epoch: no tag of
  // this one names its pages.
  auto loaded = through_snapshot(model);
  OrdersReadModel::ListVersion again;
  (void)loaded->list(a, "", 1, 20, &again);
  CHECK(again.epoch != ada_2.epoch);
  OrdersReadModel folded;
  apply_log(*store, {&folded});
  OrdersReadModel::ListVersion refolded;
  (void)folded.list(a, "", 1, 20, &refolded);
  CHECK(refolded.epoch != ada_2.epoch);
}
