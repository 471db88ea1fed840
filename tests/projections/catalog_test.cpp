// The catalog read model, fed by the real writer's log.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>

#include "commands/processor.h"
#include "core/text.h"
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

TEST_CASE("catalog: a status filter lists active, discontinued or all products") {
  Shop shop;
  shop.product(1, "Espresso cup", "kitchen", 1299, 10, "Porcelain cup");
  const Uuid gone = shop.product(2, "Old espresso machine", "kitchen", 9999, 1);
  shop.product(3, "Garden hose", "garden", 2599, 3);
  REQUIRE(shop.writer->execute(DiscontinueProduct{gone}, shop.admin).is_ok());
  CatalogReadModel model;
  shop.fold(model);

  CatalogQuery q;
  q.sort = "name";
  CHECK(names(model.list(q)) == std::vector<std::string>{"Espresso cup", "Garden hose"});
  q.status = ProductStatusFilter::kDiscontinued;
  CHECK(names(model.list(q)) == std::vector<std::string>{"Old espresso machine"});
  CHECK(model.list(q).total == 1);
  q.status = ProductStatusFilter::kAll;
  CHECK(names(model.list(q)) ==
        std::vector<std::string>{"Espresso cup", "Garden hose", "Old espresso machine"});
  // The other filters and search still apply.
  q.category = "kitchen";
  q.q = "espresso";
  CHECK(names(model.list(q)) == std::vector<std::string>{"Espresso cup", "Old espresso machine"});
  q.status = ProductStatusFilter::kDiscontinued;
  CHECK(names(model.list(q)) == std::vector<std::string>{"Old espresso machine"});
  q.status = ProductStatusFilter::kActive;
  CHECK(names(model.list(q)) == std::vector<std::string>{"Espresso cup"});
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

namespace {

// The search as it was specified before postings were sorted slot arrays:
// every query word (the first 32) must prefix-match a word of the name,
// category or description; a word scores its best field (name 3, category
// 2, description 1); relevance sorts by score, then name, then id.
std::vector<std::string> reference_list(const std::vector<CatalogProduct>& all,
                                        const CatalogQuery& q, size_t* total) {
  std::vector<std::string> words = tokenize(q.q);
  if (words.size() > 32)
    words.resize(32);
  struct Hit {
    const CatalogProduct* p;
    int score;
  };
  std::vector<Hit> hits;
  const std::string category = ascii_lower(q.category);
  for (const CatalogProduct& p : all) {
    if (q.status != ProductStatusFilter::kAll &&
        p.discontinued != (q.status == ProductStatusFilter::kDiscontinued))
      continue;
    if (!category.empty() && p.category_slug != category && ascii_lower(p.category) != category)
      continue;
    if ((q.min_price_cents && p.price_cents < *q.min_price_cents) ||
        (q.max_price_cents && p.price_cents > *q.max_price_cents))
      continue;
    const std::vector<std::string> fields[] = {tokenize(p.name), tokenize(p.category),
                                               tokenize(p.description)};
    int score = 0;
    bool all_match = true;
    for (const std::string& w : words) {
      int best = 0;
      for (int f = 0; f < 3; ++f) {
        for (const std::string& t : fields[f]) {
          if (t.starts_with(w))
            best = std::max(best, 3 - f);
        }
      }
      all_match = all_match && best > 0;
      score += best;
    }
    if (all_match)
      hits.push_back({&p, score});
  }
  auto by_name = [](const Hit& a, const Hit& b) {
    return a.p->name != b.p->name ? a.p->name < b.p->name : a.p->id < b.p->id;
  };
  const std::string sort = !q.sort.empty() ? q.sort : words.empty() ? "-created_at" : "relevance";
  std::sort(hits.begin(), hits.end(), [&](const Hit& a, const Hit& b) {
    if (sort == "price")
      return a.p->price_cents != b.p->price_cents ? a.p->price_cents < b.p->price_cents
                                                  : by_name(a, b);
    if (sort == "-price")
      return a.p->price_cents != b.p->price_cents ? a.p->price_cents > b.p->price_cents
                                                  : by_name(a, b);
    if (sort == "name")
      return by_name(a, b);
    if (sort == "relevance")
      return a.score != b.score ? a.score > b.score : by_name(a, b);
    return a.p->created_at != b.p->created_at ? a.p->created_at > b.p->created_at
                                              : a.p->id > b.p->id;
  });
  *total = hits.size();
  const auto page = CatalogPage::of(q.page, q.per_page);
  std::vector<std::string> ids;
  for (size_t i = page.offset(); i < hits.size() && ids.size() < size_t(page.per_page); ++i)
    ids.push_back(hits[i].p->id);
  return ids;
}

}  // namespace

TEST_CASE("catalog: search, filters, sorts and pages answer as the specified ranking does") {
  Shop shop;
  std::mt19937 rng(24);
  const char* vocab[] = {"espresso", "cup",    "moka", "pot", "grinder", "grind", "kettle",
                         "tea",      "teapot", "mug",  "Mug", "12",      "120",   "1"};
  auto word = [&] { return std::string(vocab[rng() % std::size(vocab)]); };
  auto text = [&](int n) {
    std::string s = word();
    for (int i = 1; i < n; ++i)
      s += " " + word();
    return s;
  };
  std::vector<Uuid> ids;
  for (int n = 1; n <= 160; ++n) {
    // Short names, long ones sharing their first 16 bytes, and the same
    // name twice: the ties the sort breaks by name and then by id.
    std::string name = n % 7 == 0   ? "Espresso grinder deluxe"
                       : n % 5 == 0 ? "espresso grinder " + std::to_string(n % 3)
                                    : text(1 + static_cast<int>(rng() % 3));
    ids.push_back(shop.product(n, name, n % 3 == 0 ? "Tea things" : "kitchen",
                               100 * static_cast<int64_t>(rng() % 20), 5, text(3)));
  }
  for (int n = 0; n < 40; ++n) {  // changes after the products were indexed
    const Uuid& id = ids[rng() % ids.size()];
    UpdateProduct u{id, {}, {}, {}, {}};
    if (n % 2 == 0)
      u.name = text(2);
    if (n % 3 == 0)
      u.description = text(2);
    if (n % 4 == 0)
      u.price_cents = 100 * static_cast<int64_t>(rng() % 20);
    if (n % 5 == 0)
      u.category = "kettles";
    // (A change of a discontinued product may be refused: either way the
    // models and the reference see the same log.)
    (void)shop.writer->execute(u, shop.admin);
    if (n % 6 == 0)
      (void)shop.writer->execute(DiscontinueProduct{ids[rng() % ids.size()]}, shop.admin);
  }
  CatalogReadModel folded;  // from scratch
  shop.fold(folded);
  CatalogReadModel live;  // event by event, as a running server applies them
  apply_log(*shop.store, {&live});
  auto loaded = through_snapshot(folded);

  std::vector<CatalogProduct> all;
  for (const Uuid& id : ids)
    all.push_back(*folded.get(id.to_string()));
  const char* searches[] = {"",
                            "espresso",
                            "cup moka",
                            "grind",
                            "GRINDER grind",
                            "tea",
                            "mug mug",
                            "1",
                            "12 espresso",
                            "te po",
                            "kettle teapot cup",
                            "nothing",
                            "espresso nothing",
                            "e"};
  const char* sorts[] = {"", "price", "-price", "name", "-created_at"};
  int checked = 0;
  for (const char* s : searches) {
    for (const char* sort : sorts) {
      for (int variant = 0; variant < 4; ++variant) {
        CatalogQuery q;
        q.q = s;
        q.sort = sort;
        q.per_page = variant == 3 ? 100 : 7;
        q.page = variant == 1 ? 2 : variant == 2 ? 4 : 1;
        if (variant == 1)
          q.category = "KETTLES";
        if (variant == 2) {
          q.min_price_cents = 300;
          q.max_price_cents = 1500;
        }
        if (variant == 3)
          q.status = ProductStatusFilter::kAll;
        size_t total = 0;
        const std::vector<std::string> want = reference_list(all, q, &total);
        for (const CatalogReadModel* m : {&folded, &live, loaded.get()}) {
          const CatalogPage got = m->list(q);
          INFO("q=" << q.q << " sort=" << q.sort << " variant " << variant);
          CHECK(got.total == total);
          CHECK(ids_of(got) == want);
        }
        checked += total > 0;
      }
    }
  }
  CHECK(checked > 100);  // most cases list something
  // More than 32 words: the first 32 count.
  CatalogQuery many;
  for (int i = 0; i < 40; ++i)
    many.q += i < 32 ? "e " : "nothing ";
  size_t total = 0;
  CHECK(ids_of(folded.list(many)) == reference_list(all, many, &total));
  CHECK(total > 0);
}
