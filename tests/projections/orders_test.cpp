// The orders read model, fed by the real writer's log.
#include <doctest/doctest.h>

#include "commands/processor.h"
#include "projections/orders.h"
#include "projections/runner.h"
#include "tests/support/temp_dir.h"

using namespace orderly;
using namespace orderly::commands;
using namespace orderly::projections;
using namespace orderly::testing;

namespace {

Uuid id_of(int n) {
  char text[40];
  std::snprintf(text, sizeof text, "0192f0c1-7e4a-7000-8000-%012d", n);
  return *Uuid::parse(text);
}

std::vector<std::string> ids(const OrderPage& page) {
  std::vector<std::string> out;
  for (const auto& o : page.items)
    out.push_back(o.id);
  return out;
}

}  // namespace

TEST_CASE(
    "orders: per user newest first, status filters, admin view, pagination, stats, persistence") {
  TempDir dir;
  auto store = std::move(eventstore::EventStore::open(dir.sub("data")).value());
  auto writer = std::move(CommandProcessor::start(*store).value());
  CommandMeta admin;
  admin.role = Role::kAdmin;
  CreateProduct cup;
  cup.product_id = id_of(1);
  cup.sku = "CUP";
  cup.name = "Espresso cup";
  cup.category = "kitchen";
  cup.price_cents = 1250;
  cup.stock = 100;
  REQUIRE(writer->execute(cup, admin).is_ok());
  CommandMeta ada, bob;
  ada.actor = id_of(500);
  bob.actor = id_of(600);
  for (int i = 0; i < 5; ++i) {
    REQUIRE(
        writer->execute(PlaceOrder{id_of(100 + i), {{cup.product_id, i + 1}}, "", 900'000'000}, ada)
            .is_ok());
  }
  REQUIRE(
      writer->execute(PlaceOrder{id_of(200), {{cup.product_id, 1}}, "", 900'000'000}, bob).is_ok());
  REQUIRE(writer->execute(ChangeOrderStatus{id_of(101), OrderStatus::kConfirmed}, admin).is_ok());
  REQUIRE(writer->execute(ChangeOrderStatus{id_of(103), OrderStatus::kConfirmed}, admin).is_ok());
  REQUIRE(writer->execute(ChangeOrderStatus{id_of(103), OrderStatus::kShipped}, admin).is_ok());
  REQUIRE(writer->execute(CancelOrder{id_of(104)}, ada).is_ok());

  auto rows = std::move(ReadModelStore::open(dir.sub("data/readmodels")).value());
  {
    OrdersReadModel model;
    ProjectionRunner runner(*store, *rows, {&model});
    REQUIRE(runner.start().is_ok());
    REQUIRE(runner.wait_for("orders", store->last_position(), std::chrono::seconds(60)));
    runner.stop();

    const std::string a = id_of(500).to_string();
    auto mine = model.list(a, "", 1, 20);
    CHECK(mine.total == 5);
    CHECK(ids(mine).front() == id_of(104).to_string());  // newest first
    CHECK(ids(mine).back() == id_of(100).to_string());
    CHECK(ids(model.list(a, "confirmed", 1, 20)) ==
          std::vector<std::string>{id_of(101).to_string()});
    CHECK(model.list(a, "pending", 1, 20).total == 2);
    CHECK(model.list(a, "delivered", 1, 20).total == 0);
    auto page2 = model.list(a, "", 2, 2);
    CHECK(ids(page2) == std::vector<std::string>{id_of(102).to_string(), id_of(101).to_string()});
    CHECK(model.list(a, "", 4, 2).items.empty());
    CHECK(model.list("", "", 1, 100).total == 6);  // admins: everyone's
    CHECK(ids(model.list("", "", 1, 1)) == std::vector<std::string>{id_of(200).to_string()});
    CHECK(model.list("", "pending", 1, 100).total == 3);

    auto o = model.get(id_of(103).to_string());
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
      writer->execute(PlaceOrder{id_of(105), {{cup.product_id, 1}}, "", 900'000'000}, ada);
  REQUIRE(placed.is_ok());
  REQUIRE(runner.wait_for("orders", placed->last_position, std::chrono::seconds(60)));
  CHECK(ids(again.list(id_of(500).to_string(), "", 1, 1)) ==
        std::vector<std::string>{id_of(105).to_string()});
  CHECK(again.stats(id_of(500).to_string()).total_orders == 6);
}
