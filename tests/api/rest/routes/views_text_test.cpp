// The busiest rows written straight as JSON text (write_product,
// write_order, page_response's text pages) hold the same values as the
// contract's shapes built as JSON values (product_json, order_json,
// page_json).
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include "api/rest/routes/context.h"
#include "projections/catalog.h"
#include "projections/orders.h"

using namespace orderly;
using namespace orderly::api::rest::routes;
namespace json = boost::json;

namespace {

// Awkward text: quotes, backslashes, control characters, UTF-8.
const std::string kOdd = "caf\xc3\xa9 \"moka\" \\ tab\t line\n bell\x07 end";

projections::CatalogProduct product(bool images, bool discontinued) {
  projections::CatalogProduct p;
  p.id = "0191f3a0-0000-7000-8000-000000000001";
  p.sku = "SKU-1";
  p.name = kOdd;
  p.description = "A fine cup";
  p.currency = "USD";
  p.category = "Kitchen & more";
  p.category_slug = "kitchen-more";
  p.price_cents = 1299;
  p.stock = 3;
  p.reserved = 5;  // more reserved than in stock: available shows 0
  p.discontinued = discontinued;
  p.created_at = 1'700'000'000'123'456;
  p.updated_at = 1'700'000'100'000'000;
  p.version = 7;
  if (images) {
    for (int i = 0; i < 2; ++i) {
      projections::CatalogImage m;
      m.id = "img-" + std::to_string(i);
      m.alt = i == 0 ? kOdd : "";
      m.width = 1600;
      m.height = 1200;
      m.original = {std::string(64, 'a'), "jpg", 100};
      m.thumb = {std::string(64, 'b'), "webp", 10};
      m.medium = {std::string(64, 'c'), "webp", 50};
      p.images.push_back(m);
    }
  }
  return p;
}

projections::OrderRow order(int shipping, bool paid) {
  projections::OrderRow o;
  o.id = "0191f3a0-0000-7000-8000-0000000000aa";
  o.user_id = "0191f3a0-0000-7000-8000-0000000000bb";
  o.status = "confirmed";
  o.items = {{"0191f3a0-0000-7000-8000-000000000001", kOdd, 1299, 2, 2598},
             {"0191f3a0-0000-7000-8000-000000000002", "Moka pot", 3499, 1, 3499}};
  if (shipping == 1)
    o.shipping_address = "1 Rue " + kOdd;
  if (shipping >= 2) {
    Address a;
    a.name = "Ada";
    a.line1 = kOdd;
    a.city = "Paris";
    a.postal_code = "75001";
    a.country = "FR";
    a.phone = "+33 1";
    if (shipping == 3)
      a.address_id = Uuid::parse("0191f3a0-0000-7000-8000-0000000000cc").value();
    o.shipping = a;
  }
  o.currency = "USD";
  o.total_cents = 6097;
  o.created_at = 1'700'000'000'000'001;
  o.updated_at = 1'700'000'000'999'999;
  o.version = 3;
  if (paid) {
    o.payment_status = "succeeded";
    o.disputed = true;
  }
  return o;
}

}  // namespace

TEST_CASE("views as text: a product holds product_json's values, images and status included") {
  for (const bool images : {false, true}) {
    for (const bool discontinued : {false, true}) {
      const projections::CatalogProduct p = product(images, discontinued);
      std::string text;
      write_product(text, p, "https://shop.example/images");
      CAPTURE(text);
      CHECK(json::parse(text) == json::value(product_json(p, "https://shop.example/images")));
    }
  }
}

TEST_CASE("views as text: an order holds order_json's values, every kind of address") {
  for (int shipping = 0; shipping < 4; ++shipping) {
    for (const bool paid : {false, true}) {
      const projections::OrderRow o = order(shipping, paid);
      std::string text;
      write_order(text, o);
      CAPTURE(text);
      CHECK(json::parse(text) == json::value(order_json(o)));
      // Staff see the account's status beside it.
      std::string staff;
      write_order(staff, o, "closed");
      json::object want = order_json(o);
      want["user_status"] = "closed";
      CHECK(json::parse(staff) == json::value(want));
    }
  }
}

TEST_CASE("views as text: a text page is page_json's page, empty or not") {
  projections::Page<projections::OrderRow> page =
      projections::Page<projections::OrderRow>::of(2, 3);
  page.total = 5;
  auto as_text = [](std::string& out, const projections::OrderRow& o) { write_order(out, o); };
  auto as_values = [](const projections::OrderRow& o) { return order_json(o); };
  for (size_t rows = 0; rows < 3; ++rows) {
    if (rows > 0)
      page.items.push_back(order(static_cast<int>(rows), rows == 2));
    const auto answer = page_response(page, as_text);
    CHECK(answer.status == 200);
    CHECK(json::parse(answer.body) == json::value(page_json(page, as_values)));
    CHECK(json::parse(answer.body) == json::parse(page_response(page, as_values).body));
  }
}
