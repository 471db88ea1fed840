// The catalog rules of issue 22 (commands/category.h, commands/product.h):
// categories keyed by slug, made on first use by a product, renamed, and
// deleted only when no active product refers to them; product images
// added, changed, reordered and removed; and that the snapshot and a fold
// of the events give the same state.
#include <doctest/doctest.h>

#include <cstdio>

#include "core/category.h"
#include "tests/commands/harness.h"
#include "tests/commands/state_diff.h"

using namespace orderly;
using namespace orderly::commands;
using namespace orderly::testing;

namespace {

// A file whose hash is made from `n` (64 hex digits).
ImageFileRef file(int n, const std::string& ext) {
  char tail[9];
  std::snprintf(tail, sizeof tail, "%08x", static_cast<unsigned>(n));
  return {std::string(56, '0') + tail, ext, 1234};
}

AddProductImage image(const Uuid& product, int n, const std::string& alt = "a cup") {
  return {product, new_id(), file(n, "jpg"), file(1000, "webp"), file(1001, "webp"), 800, 600, alt};
}

const CategoryState& category(const Harness& h, std::string_view slug) {
  return h.state.categories.by_id.at(category_id(slug));
}

}  // namespace

TEST_CASE("catalog: slugs are checked, and every name gets one") {
  CHECK(is_valid_category_slug("home-garden"));
  CHECK(is_valid_category_slug("a"));
  CHECK_FALSE(is_valid_category_slug(""));
  CHECK_FALSE(is_valid_category_slug("-a"));
  CHECK_FALSE(is_valid_category_slug("a-"));
  CHECK_FALSE(is_valid_category_slug("a--b"));
  CHECK_FALSE(is_valid_category_slug("Home"));
  CHECK_FALSE(is_valid_category_slug(std::string(65, 'a')));
  CHECK(slugify("Home & Garden!") == "home-garden");
  CHECK(slugify("  Books ") == "books");
  const std::string cyrillic = slugify("\xd0\x9a\xd0\xbd\xd0\xb8\xd0\xb3\xd0\xb8");
  CHECK(cyrillic.starts_with("c-"));
  CHECK(is_valid_category_slug(cyrillic));
  CHECK(category_id("books") == category_id("books"));
  CHECK(category_id("books") != category_id("book"));
  CHECK(category_id("books").to_string()[14] == '8');  // UUIDv8
}

TEST_CASE(
    "catalog: a product's unknown category is made in the same decision, then found by "
    "slug or name") {
  Harness h;
  CreateProduct c = new_product(500, 10);
  c.category = "Home & Garden";
  REQUIRE(h.run(c, h.as_admin()).is_ok());
  // After the product's event: a command's first event names what it made.
  REQUIRE(h.emitted() == 2);
  CHECK(h.type(0) == EventType::kProductCreated);
  CHECK(h.type(1) == EventType::kCategoryCreated);
  CHECK(category(h, "home-garden").name == "Home & Garden");
  CHECK(category(h, "home-garden").active_products == 1);

  // By slug and by name in another case: no new category.
  for (const std::string text : {"home-garden", "HOME & GARDEN"}) {
    CreateProduct more = new_product(100, 1);
    more.category = text;
    REQUIRE(h.run(more, h.as_admin()).is_ok());
    CHECK(h.emitted() == 1);
  }
  CHECK(category(h, "home-garden").active_products == 3);
  // Another name whose plain slug is taken ("Home-Garden" is home-garden
  // too) is another category, with a slug of its own.
  CreateProduct other = new_product(100, 1);
  other.category = "Home-Garden";
  REQUIRE(h.run(other, h.as_admin()).is_ok());
  REQUIRE(h.emitted() == 2);
  const std::string own = distinct_slug("Home-Garden");
  CHECK(own.starts_with("home-garden-"));
  CHECK(own.size() == std::string("home-garden-").size() + 6);
  CHECK(category(h, own).name == "Home-Garden");
  CHECK(category(h, own).active_products == 1);
  CHECK(category(h, "home-garden").active_products == 3);
  // "C#" does not join "C++" (both slugify to c).
  CreateProduct cpp = new_product(100, 1);
  cpp.category = "C++";
  CreateProduct cs = new_product(100, 1);
  cs.category = "C#";
  REQUIRE(h.run(cpp, h.as_admin()).is_ok());
  REQUIRE(h.run(cs, h.as_admin()).is_ok());
  CHECK(category(h, "c").name == "C++");
  CHECK(category(h, distinct_slug("C#")).name == "C#");

  // Moving a product and discontinuing another change the counts.
  REQUIRE(h.run(UpdateProduct{c.product_id, std::nullopt, std::nullopt, std::string("Books"),
                              std::nullopt},
                h.as_admin())
              .is_ok());
  CHECK(category(h, "books").active_products == 1);
  CHECK(category(h, "home-garden").active_products == 2);
  REQUIRE(h.run(DiscontinueProduct{other.product_id}, h.as_admin()).is_ok());
  CHECK(category(h, own).active_products == 0);
  // The writer and a fold of its events agree (the read models use the same rule).
  CHECK(diff_states(h.state, fold_events(h.sink)) == "");
}

TEST_CASE("catalog: categories are created, renamed and deleted by admins only") {
  Harness h;
  const Uuid customer = new_id();
  CHECK(h.run(CreateCategory{"tea", "Tea", ""}, h.as(customer)).code() == ErrorCode::kForbidden);
  REQUIRE(h.run(CreateCategory{"tea", "Tea", "Leaves and bags"}, h.as_admin()).is_ok());
  CHECK(h.run(CreateCategory{"tea", "Other", ""}, h.as_admin()).code() ==
        ErrorCode::kAlreadyExists);
  CHECK(h.run(CreateCategory{"tea-2", "TEA", ""}, h.as_admin()).code() ==
        ErrorCode::kAlreadyExists);  // names are unique, case aside
  CHECK(h.run(CreateCategory{"Tea!", "Teas", ""}, h.as_admin()).code() ==
        ErrorCode::kInvalidArgument);
  CHECK(h.run(CreateCategory{"coffee", "", ""}, h.as_admin()).code() ==
        ErrorCode::kInvalidArgument);
  CHECK(h.run(CreateCategory{"coffee", "Coffee", std::string(2001, 'x')}, h.as_admin()).code() ==
        ErrorCode::kInvalidArgument);

  CHECK(h.run(ChangeCategory{"tea", std::nullopt, std::nullopt}, h.as_admin()).code() ==
        ErrorCode::kInvalidArgument);
  CHECK(h.run(ChangeCategory{"nope", std::string("X"), std::nullopt}, h.as_admin()).code() ==
        ErrorCode::kNotFound);
  REQUIRE(
      h.run(ChangeCategory{"tea", std::string("Fine Tea"), std::nullopt}, h.as_admin()).is_ok());
  CHECK(category(h, "tea").name == "Fine Tea");
  CHECK(h.state.categories.by_name.count("fine tea") == 1);
  CHECK(h.state.categories.by_name.count("tea") == 0);
  // Renaming to its own name in another case is not a conflict.
  CHECK(h.run(ChangeCategory{"tea", std::string("FINE TEA"), std::nullopt}, h.as_admin()).is_ok());

  CreateProduct p = new_product(300, 5);
  p.category = "tea";
  REQUIRE(h.run(p, h.as_admin()).is_ok());
  CHECK(h.run(DeleteCategory{"tea"}, h.as_admin()).code() == ErrorCode::kCategoryInUse);
  REQUIRE(h.run(DiscontinueProduct{p.product_id}, h.as_admin()).is_ok());
  REQUIRE(h.run(DeleteCategory{"tea"}, h.as_admin()).is_ok());
  CHECK_FALSE(category(h, "tea").exists);
  CHECK(h.run(DeleteCategory{"tea"}, h.as_admin()).code() == ErrorCode::kNotFound);
  // The slug can be used again.
  CHECK(h.run(CreateCategory{"tea", "Tea", ""}, h.as_admin()).is_ok());
}

TEST_CASE("catalog: images are added, changed, reordered and removed under their rules") {
  Harness h;
  const Uuid cup = h.product(500, 10);
  const Uuid customer = new_id();
  CHECK(h.run(image(cup, 'a'), h.as(customer)).code() == ErrorCode::kForbidden);
  CHECK(h.run(image(new_id(), 'a'), h.as_admin()).code() == ErrorCode::kNotFound);
  AddProductImage first = image(cup, 'a');
  REQUIRE(h.run(first, h.as_admin()).is_ok());
  // The same picture twice on one product is refused.
  CHECK(h.run(image(cup, 'a'), h.as_admin()).code() == ErrorCode::kAlreadyExists);
  AddProductImage bad = image(cup, 'b');
  bad.thumb.ext = "png";
  CHECK(h.run(bad, h.as_admin()).code() == ErrorCode::kInvalidArgument);
  bad = image(cup, 'b');
  bad.original.hash = "not a hash";
  CHECK(h.run(bad, h.as_admin()).code() == ErrorCode::kInvalidArgument);
  CHECK(h.run(image(cup, 'b', std::string(501, 'x')), h.as_admin()).code() ==
        ErrorCode::kInvalidArgument);
  AddProductImage second = image(cup, 'b');
  AddProductImage third = image(cup, 'c');
  REQUIRE(h.run(second, h.as_admin()).is_ok());
  REQUIRE(h.run(third, h.as_admin()).is_ok());

  auto order = [&] {
    std::vector<Uuid> ids;
    for (const auto& i : h.state.products.at(cup).images)
      ids.push_back(i.id);
    return ids;
  };
  CHECK(order() == std::vector<Uuid>{first.image_id, second.image_id, third.image_id});
  REQUIRE(h.run(ChangeProductImage{cup, third.image_id, std::nullopt, 0}, h.as_admin()).is_ok());
  CHECK(h.emitted() == 1);
  CHECK(order() == std::vector<Uuid>{third.image_id, first.image_id, second.image_id});
  CHECK(h.run(ChangeProductImage{cup, third.image_id, std::nullopt, 3}, h.as_admin()).code() ==
        ErrorCode::kInvalidArgument);
  CHECK(h.run(ChangeProductImage{cup, third.image_id, std::nullopt, std::nullopt}, h.as_admin())
            .code() == ErrorCode::kInvalidArgument);
  CHECK(h.run(ChangeProductImage{cup, new_id(), std::string("x"), std::nullopt}, h.as_admin())
            .code() == ErrorCode::kNotFound);
  REQUIRE(h.run(ChangeProductImage{cup, first.image_id, std::string("the cup"), 2}, h.as_admin())
              .is_ok());
  CHECK(h.emitted() == 2);
  CHECK(order() == std::vector<Uuid>{third.image_id, second.image_id, first.image_id});

  REQUIRE(h.run(RemoveProductImage{cup, second.image_id}, h.as_admin()).is_ok());
  CHECK(order() == std::vector<Uuid>{third.image_id, first.image_id});
  CHECK(h.run(RemoveProductImage{cup, second.image_id}, h.as_admin()).code() ==
        ErrorCode::kNotFound);
  // Removed, the picture can come back.
  CHECK(h.run(image(cup, 'b'), h.as_admin()).is_ok());

  // At most 20.
  for (int n = 'd'; n < 'd' + 17; ++n)
    REQUIRE(h.run(image(cup, n), h.as_admin()).is_ok());
  CHECK(h.state.products.at(cup).images.size() == kMaxProductImages);
  CHECK(h.run(image(cup, 'z'), h.as_admin()).code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("catalog: the snapshot and a fold of the events give the same state") {
  Harness h;
  REQUIRE(h.run(CreateCategory{"tea", "Tea", "Leaves"}, h.as_admin()).is_ok());
  CreateProduct p = new_product(300, 5);
  p.category = "Garden Tools";
  REQUIRE(h.run(p, h.as_admin()).is_ok());
  const Uuid cup = h.product(500, 10);
  const Uuid gone = h.product(100, 1);
  REQUIRE(h.run(DiscontinueProduct{gone}, h.as_admin()).is_ok());
  REQUIRE(h.run(ChangeCategory{"tea", std::string("Fine Tea"), std::string("d")}, h.as_admin())
              .is_ok());
  AddProductImage a = image(cup, 'a');
  AddProductImage b = image(cup, 'b');
  REQUIRE(h.run(a, h.as_admin()).is_ok());
  REQUIRE(h.run(b, h.as_admin()).is_ok());
  REQUIRE(h.run(ChangeProductImage{cup, b.image_id, std::nullopt, 0}, h.as_admin()).is_ok());
  REQUIRE(h.run(CreateCategory{"old", "Old", ""}, h.as_admin()).is_ok());
  REQUIRE(h.run(DeleteCategory{"old"}, h.as_admin()).is_ok());

  CHECK(diff_states(h.state, fold_events(h.sink)) == "");
  auto loaded = snapshot_round_trip(h.state);
  REQUIRE(loaded.is_ok());
  CHECK(diff_states(h.state, *loaded) == "");
  CHECK(loaded->categories.by_id.at(category_id("kitchen")).active_products == 1);
  CHECK(loaded->categories.by_id.at(category_id("garden-tools")).active_products == 1);
}
