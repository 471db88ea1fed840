// The catalog read model, fed by the real writer's log.
#include <doctest/doctest.h>

#include "commands/processor.h"
#include "projections/catalog.h"
#include "projections/runner.h"
#include "tests/projections/folding.h"
#include "tests/support/ids.h"
#include "tests/support/live_writer.h"

using namespace orderly;
using namespace orderly::commands;
using namespace orderly::projections;
using namespace orderly::testing;

namespace {

struct Shop : LiveWriter {
  CommandMeta admin = meta_for(Role::kAdmin);

  Uuid product(int n, const std::string& name, const std::string& category, int64_t price,
               int64_t stock, const std::string& description = "") {
    CreateProduct c;
    c.product_id = test_id(n);
    c.sku = "SKU-" + std::to_string(n);
    c.name = name;
    c.category = category;
    c.description = description;
    c.price_cents = price;
    c.stock = stock;
    REQUIRE(writer->execute(c, admin).is_ok());
    return c.product_id;
  }

  void fold(CatalogReadModel& model) {
    auto rows = rebuild_rows(*store, model);
    REQUIRE(rows.is_ok());
  }
};

std::vector<std::string> names(const CatalogPage& page) {
  std::vector<std::string> out;
  for (const auto& p : page.items)
    out.push_back(p.name);
  return out;
}

}  // namespace

TEST_CASE("catalog: stock, reserved and available follow orders exactly as the writer does") {
  Shop shop;
  const Uuid cup = shop.product(1, "Espresso cup", "kitchen", 1299, 10);
  CommandMeta user;
  user.actor = test_id(900);
  PlaceOrder a{test_id(100), {{cup, 3}}, "", 900'000'000};
  PlaceOrder b{test_id(101), {{cup, 2}}, "", 900'000'000};
  PlaceOrder c{test_id(102), {{cup, 1}}, "", 900'000'000};
  REQUIRE(shop.writer->execute(a, user).is_ok());
  REQUIRE(shop.writer->execute(b, user).is_ok());
  REQUIRE(shop.writer->execute(c, user).is_ok());
  REQUIRE(shop.writer->execute(ChangeOrderStatus{a.order_id, OrderStatus::kConfirmed}, shop.admin)
              .is_ok());
  REQUIRE(shop.writer->execute(CancelOrder{b.order_id}, user).is_ok());
  REQUIRE(shop.writer->execute(ChangeOrderStatus{c.order_id, OrderStatus::kConfirmed}, shop.admin)
              .is_ok());
  REQUIRE(shop.writer->execute(CancelOrder{c.order_id}, user)
              .is_ok());  // confirmed, then cancelled: restocked
  REQUIRE(shop.writer->execute(AdjustStock{cup, 5}, shop.admin).is_ok());
  CatalogReadModel model;
  shop.fold(model);
  auto p = model.get(cup.to_string());
  REQUIRE(p.has_value());
  ProductState truth;
  shop.writer->inspect([&](const ShopState& s) { truth = s.products.at(cup); });
  CHECK(p->stock == truth.stock);
  CHECK(p->reserved == truth.reserved);
  CHECK(p->stock == 12);  // 10 - 3 sold + 5 added
  CHECK(p->reserved == 0);
  CHECK(p->available() == 12);
  CHECK(p->version == truth.version);  // product stream version: created + stock changed
  CHECK(p->version == 2);
}

TEST_CASE("catalog: filters, ranked search, sorting, pagination edges, categories") {
  Shop shop;
  shop.product(1, "Espresso cup", "kitchen", 1299, 10, "Porcelain cup for espresso");
  shop.product(2, "Moka pot", "kitchen", 3499, 5, "Stovetop coffee maker, makes espresso");
  shop.product(3, "Garden hose", "garden", 2599, 3, "Twenty metres");
  shop.product(4, "Coffee beans", "espresso", 899, 50, "Dark roast");
  const Uuid gone = shop.product(5, "Old espresso machine", "kitchen", 9999, 1);
  REQUIRE(shop.writer->execute(DiscontinueProduct{gone}, shop.admin).is_ok());
  CatalogReadModel model;
  shop.fold(model);

  // Ranked: name match (cup) > category match (beans) > description match (pot).
  CatalogQuery q;
  q.q = "ESPRESSO";
  CHECK(names(model.list(q)) ==
        std::vector<std::string>{"Espresso cup", "Coffee beans", "Moka pot"});
  q.q = "espr coff";  // every word must match, as a prefix
  CHECK(names(model.list(q)) == std::vector<std::string>{"Coffee beans", "Moka pot"});
  q.q = "teapot";
  CHECK(model.list(q).total == 0);

  CatalogQuery k;
  k.category = "Kitchen";
  k.sort = "price";
  CHECK(names(model.list(k)) ==
        std::vector<std::string>{"Espresso cup", "Moka pot"});  // discontinued not listed
  CatalogQuery range;
  range.min_price_cents = 900;
  range.max_price_cents = 2599;
  range.sort = "-price";
  CHECK(names(model.list(range)) == std::vector<std::string>{"Garden hose", "Espresso cup"});
  CatalogQuery newest;
  CHECK(names(model.list(newest)).front() == "Coffee beans");  // -created_at by default

  CatalogQuery paged;
  paged.sort = "name";
  paged.per_page = 2;
  paged.page = 2;
  auto p2 = model.list(paged);
  CHECK(p2.total == 4);
  CHECK(names(p2) == std::vector<std::string>{"Garden hose", "Moka pot"});
  paged.page = 3;
  CHECK(model.list(paged).items.empty());
  paged.page = 0;
  paged.per_page = 1000;  // clamped
  CHECK(model.list(paged).page == 1);
  CHECK(model.list(paged).per_page == 100);

  // The categories the products' names made (commands/category.h), with
  // their counts of active products.
  CHECK(model.categories() == std::vector<CategoryRow>{{"espresso", "espresso", "", 1},
                                                       {"garden", "garden", "", 1},
                                                       {"kitchen", "kitchen", "", 2}});
  CHECK(model.get(gone.to_string())->discontinued);
  auto low = model.low_stock(5, 10);  // hose (3), pot (5); the discontinued machine is not listed
  REQUIRE(low.size() == 2);
  CHECK(low[0].name == "Garden hose");
  CHECK(low[1].name == "Moka pot");
  CHECK(model.low_stock(5, 1).size() == 1);
  CHECK_FALSE(model.get("nope").has_value());
  CHECK(tokenize("Café-au-lait, 2x!") == std::vector<std::string>{"café", "au", "lait", "2x"});
}

TEST_CASE(
    "catalog runner: saves its snapshot with its position, restarts from it, read-your-writes") {
  Shop shop;
  const Uuid cup = shop.product(1, "Espresso cup", "kitchen", 1299, 10);
  auto rows = std::move(ReadModelStore::open(shop.dir.sub("data/readmodels")).value());
  {
    CatalogReadModel model;
    ProjectionRunner runner(*shop.store, *rows, {&model});
    REQUIRE(runner.start().is_ok());
    CommandMeta user;
    user.actor = test_id(900);
    auto placed = shop.writer->execute(PlaceOrder{test_id(100), {{cup, 4}}, "", 900'000'000}, user);
    REQUIRE(placed.is_ok());
    REQUIRE(runner.wait_for("catalog", placed->last_position, std::chrono::seconds(60)));
    CHECK(model.get(cup.to_string())->reserved == 4);  // read your write
    CHECK(runner.status().at(0).lag == 0);
    CHECK(runner.status().at(0).lag_seconds == 0);
    CHECK(runner.status().at(0).state == "live");
    REQUIRE(runner.stop().is_ok());
    CHECK(*rows->position("catalog") == placed->last_position);
  }
  // Behind the log, it reports how far and how old its answers are.
  {
    auto later = shop.writer->execute(AdjustStock{cup, 1}, shop.admin);
    REQUIRE(later.is_ok());
    CatalogReadModel stale;
    ProjectionRunner not_started(*shop.store, *rows, {&stale});
    const auto st = not_started.status().at(0);  // never started: at position 0
    CHECK(st.lag == shop.store->last_position());
    CHECK(st.lag_seconds >= 0);
    CHECK(st.state == "catching_up");
  }
  // A new instance resumes from the stored snapshot, without replaying the log.
  CatalogReadModel again;
  ProjectionRunner runner(*shop.store, *rows, {&again});
  REQUIRE(runner.start().is_ok());
  CHECK(again.get(cup.to_string())->reserved == 4);
  REQUIRE(runner.wait_for("catalog", shop.store->last_position(), std::chrono::seconds(60)));
  CHECK(again.get(cup.to_string())->stock == 11);  // caught up on the stock change
}

TEST_CASE(
    "catalog: categories are renamed on every product, images follow their events, and "
    "both survive the snapshot") {
  Shop shop;
  const Uuid cup = shop.product(1, "Espresso cup", "Kitchen Ware", 1299, 10);
  const Uuid pot = shop.product(2, "Moka pot", "kitchen-ware", 2599, 5);
  REQUIRE(shop.writer->execute(CreateCategory{"tea", "Tea", "Leaves"}, shop.admin).is_ok());
  REQUIRE(
      shop.writer
          ->execute(ChangeCategory{"kitchen-ware", std::string("Cookware"), std::string("Pans")},
                    shop.admin)
          .is_ok());
  auto file = [](char c, const std::string& ext) {
    return ImageFileRef{std::string(64, c), ext, 100};
  };
  const Uuid a = test_id(500), b = test_id(501);
  REQUIRE(shop.writer
              ->execute(AddProductImage{cup, a, file('a', "jpg"), file('b', "webp"),
                                        file('c', "webp"), 1600, 1200, "front"},
                        shop.admin)
              .is_ok());
  REQUIRE(shop.writer
              ->execute(AddProductImage{cup, b, file('d', "png"), file('e', "webp"),
                                        file('f', "webp"), 640, 480, "side"},
                        shop.admin)
              .is_ok());
  REQUIRE(shop.writer->execute(ChangeProductImage{cup, b, std::string("the side"), 0}, shop.admin)
              .is_ok());
  REQUIRE(shop.writer->execute(DiscontinueProduct{pot}, shop.admin).is_ok());

  CatalogReadModel model;
  shop.fold(model);
  auto check = [&](const CatalogReadModel& m) {
    auto p = m.get(cup.to_string());
    REQUIRE(p);
    CHECK(p->category == "Cookware");
    CHECK(p->category_slug == "kitchen-ware");
    REQUIRE(p->images.size() == 2);
    CHECK(p->images[0].id == b.to_string());
    CHECK(p->images[0].alt == "the side");
    CHECK(p->images[0].original.name() == std::string(64, 'd') + ".png");
    CHECK(p->images[1].width == 1600);
    CHECK(p->images[1].medium.hash == std::string(64, 'c'));
    CHECK(m.category("kitchen-ware") == CategoryRow{"kitchen-ware", "Cookware", "Pans", 1});
    CHECK(m.categories() == std::vector<CategoryRow>{{"kitchen-ware", "Cookware", "Pans", 1},
                                                     {"tea", "Tea", "Leaves", 0}});
    // Searched and filtered under the new name, and by slug.
    CatalogQuery q;
    q.q = "cookware";
    CHECK(names(m.list(q)) == std::vector<std::string>{"Espresso cup"});
    CatalogQuery by_slug;
    by_slug.category = "kitchen-ware";
    CHECK(names(m.list(by_slug)) == std::vector<std::string>{"Espresso cup"});
    CatalogQuery by_name;
    by_name.category = "COOKWARE";
    CHECK(m.list(by_name).total == 1);
  };
  check(model);
  check(*through_snapshot(model));

  REQUIRE(shop.writer->execute(RemoveProductImage{cup, b}, shop.admin).is_ok());
  REQUIRE(shop.writer->execute(DeleteCategory{"tea"}, shop.admin).is_ok());
  CatalogReadModel after;
  shop.fold(after);
  CHECK(after.get(cup.to_string())->images.size() == 1);
  CHECK_FALSE(after.category("tea"));
}
