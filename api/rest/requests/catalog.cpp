#include "api/rest/requests/catalog.h"

#include "api/rest/requests/parsed.h"
#include "commands/input_limits.h"

namespace orderly::api::rest::requests {

using namespace commands;

Result<CreateProduct> create_product_from(const boost::json::object& body, const Uuid& id) {
  Fields f(body);
  f.only({"name", "description", "price_cents", "stock", "category", "sku", "currency"});
  CreateProduct c;
  c.product_id = id;
  c.name = f.str("name", true, kMaxProductNameBytes).value_or("");
  c.description = f.str("description", false, kMaxProductDescriptionBytes).value_or("");
  c.category = f.str("category", true, kMaxProductCategoryBytes).value_or("");
  c.sku = f.str("sku", false, kMaxSkuBytes).value_or("");
  // The id's millisecond and its counter within it (UUIDv7): two products
  // made in one millisecond differ (the millisecond alone collided).
  if (c.sku.empty())
    c.sku = "SKU-" + c.product_id.to_string().substr(0, 18);
  c.currency = f.str("currency", false, 3).value_or("");  // "": the shop's (--currency)
  c.price_cents = f.integer("price_cents", true).value_or(0);
  c.stock = f.integer("stock", true).value_or(0);
  if (!f.ok())
    return invalid_fields("the product is not valid", f);
  return c;
}

Result<UpdateProduct> update_product_from(const boost::json::object& body, const Uuid& id) {
  Fields f(body);
  f.only({"name", "description", "price_cents", "category"});
  UpdateProduct u;
  u.product_id = id;
  u.name = f.str("name", false, kMaxProductNameBytes);
  u.description = f.str("description", false, kMaxProductDescriptionBytes);
  u.category = f.str("category", false, kMaxProductCategoryBytes);
  u.price_cents = f.integer("price_cents", false);
  if (!f.ok())
    return invalid_fields("the change is not valid", f);
  return u;
}

Result<UpdateProduct> replace_product_from(const boost::json::object& body, const Uuid& id) {
  Fields f(body);
  f.only({"name", "description", "price_cents", "category"});
  UpdateProduct u;
  u.product_id = id;
  u.name = f.str("name", true, kMaxProductNameBytes);
  // Required, and may be "" (the create route's default): a replace says so.
  u.description = f.str("description", true, kMaxProductDescriptionBytes);
  u.category = f.str("category", true, kMaxProductCategoryBytes);
  u.price_cents = f.integer("price_cents", true);
  if (!f.ok())
    return invalid_fields("the product is not valid", f);
  return u;
}

Result<Command> stock_change_from(const boost::json::object& body, const Uuid& id) {
  Fields f(body);
  f.only({"stock", "delta"});
  const auto stock = f.integer("stock", false);
  const auto delta = f.integer("delta", false);
  if (stock.has_value() == delta.has_value())
    f.add("stock", "send exactly one of stock (absolute) or delta");
  if (!f.ok())
    return invalid_fields("the stock change is not valid", f);
  return stock ? Command(SetStock{id, *stock}) : Command(AdjustStock{id, *delta});
}

Result<AnalyticsEvent> analytics_event_from(const boost::json::object& body) {
  Fields f(body);
  f.only({"type", "product_id", "query"});
  AnalyticsEvent event;
  const auto type = f.str("type", true, 32);
  if (type == "product_view") {
    event.product_viewed = f.id("product_id", true);
  } else if (type == "search") {
    event.searched = f.str("query", true, kMaxSearchBytes);
  } else if (type) {
    f.add("type", "must be product_view or search");
  }
  if (!f.ok())
    return invalid_fields("the event is not valid", f);
  return event;
}

}  // namespace orderly::api::rest::requests
