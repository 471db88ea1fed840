// Products, categories and analytics events.
#include "api/context.h"
#include "api/fields.h"
#include "api/folded_row.h"
#include "api/problem.h"
#include "projections/catalog.h"

namespace orderly::api {

namespace {

using namespace commands;

// The product as the read model has it now, with its version as ETag (and
// where it lives, when it was just made).
Response product_response(Context& ctx, const std::string& id, int status, uint64_t position) {
  const auto product = ctx.model<projections::CatalogReadModel>("catalog")->get(id);
  Response r =
      row_response(product, "product", product_json, id, status, position, "/api/products/" + id);
  if (product)
    r.header("ETag", etag_of(product->version));
  return r;
}

// A new product's answer: the read model's row, or for a retry (same
// Idempotency-Key) the product as created, folded from the log
// (api/folded_row.h), so that the retry gets the first answer again.
// (Changes of a product answer its current row, retried or not: its
// reserved units come from orders' events, which a fold of its stream
// does not see.)
void answer_created_product(Context& ctx, const CallPtr& call, const std::string& id,
                            const CommandReply& reply) {
  if (!reply.duplicate)
    return call->answer(product_response(ctx, id, 201, reply.last_position));
  auto folded = fold_stream_until<projections::CatalogReadModel>(ctx.store, "product-" + id,
                                                                 reply.last_position);
  if (!folded)
    return call->fail(folded.status());
  const auto product = (*folded)->get(id);
  Response r = row_response(product, "product", product_json, id, 201, reply.last_position,
                            "/api/products/" + id);
  if (product)
    r.header("ETag", etag_of(product->version));
  call->answer(std::move(r));
}

void create_product(Context& ctx, const CallPtr& call) {
  auto body = call->json_body();
  if (!body)
    return;
  Fields f(*body);
  f.only({"name", "description", "price_cents", "stock", "category", "sku", "currency"});
  CreateProduct c;
  c.product_id = new_id_value();
  c.name = f.str("name", true, 200).value_or("");
  c.description = f.str("description", false, 5000).value_or("");
  c.category = f.str("category", true, 100).value_or("");
  c.sku = f.str("sku", false, 64).value_or("");
  // The id's millisecond and its counter within it (UUIDv7): two products
  // made in one millisecond differ (the millisecond alone collided).
  if (c.sku.empty())
    c.sku = "SKU-" + c.product_id.to_string().substr(0, 18);
  c.currency = f.str("currency", false, 3).value_or("");  // "": the shop's (--currency)
  c.price_cents = f.integer("price_cents", true).value_or(0);
  c.stock = f.integer("stock", true).value_or(0);
  if (!f.ok())
    return call->answer(problem(422, "validation_failed", "the product is not valid", f.errors()));
  const std::string id = c.product_id.to_string();
  ctx.run(call, c, call->meta(), "catalog", [&ctx, id](const CallPtr& call, const CommandReply& r) {
    answer_created_product(ctx, call, created_id(r, "product-", id), r);
  });
}

void list_products(Context& ctx, const CallPtr& call) {
  projections::CatalogQuery q;
  auto paging = call->page_query();
  if (!paging)
    return call->fail(paging.status());
  auto min_price = call->query_int("min_price_cents");
  auto max_price = call->query_int("max_price_cents");
  for (auto* r : {&min_price, &max_price}) {
    if (!*r)
      return call->fail(r->status());
  }
  q.page = paging->page;
  q.per_page = paging->per_page;
  q.min_price_cents = *min_price;
  q.max_price_cents = *max_price;
  q.category = call->query("category").value_or("");
  q.q = call->query("q").value_or("");
  q.sort = call->query("sort").value_or("");
  if (!q.sort.empty() && q.sort != "price" && q.sort != "-price" && q.sort != "name" &&
      q.sort != "-created_at") {
    return call->answer(problem(422, "validation_failed", "unknown sort",
                                {{"sort", "must be price, -price, name or -created_at"}}));
  }
  if (q.q.size() > 200)
    return call->answer(
        problem(422, "validation_failed", "query too long", {{"q", "at most 200 bytes"}}));
  if (!q.q.empty())
    ctx.analytics.searched(q.q);
  auto result = ctx.model<projections::CatalogReadModel>("catalog")->list(q);
  call->answer(json_response(200, page_json(result, product_json)));
}

void get_product(Context& ctx, const CallPtr& call) {
  const auto id = parse_id(call, "id");
  if (!id)
    return;
  auto p = ctx.model<projections::CatalogReadModel>("catalog")->get(id->to_string());
  if (!p)
    return call->answer(problem(404, "not_found", "no such product"));
  ctx.analytics.product_viewed(*id);
  call->answer(json_response(200, json::object{{"product", product_json(*p)}})
                   .header("ETag", etag_of(p->version)));
}

void patch_product(Context& ctx, const CallPtr& call) {
  const auto id = parse_id(call, "id");
  if (!id)
    return;
  auto body = call->json_body();
  if (!body)
    return;
  Fields f(*body);
  f.only({"name", "description", "price_cents", "category"});
  UpdateProduct u;
  u.product_id = *id;
  u.name = f.str("name", false, 200);
  u.description = f.str("description", false, 5000);
  u.category = f.str("category", false, 100);
  u.price_cents = f.integer("price_cents", false);
  if (!f.ok())
    return call->answer(problem(422, "validation_failed", "the change is not valid", f.errors()));
  auto meta = call->meta_with_if_match();
  if (!meta)
    return;
  ctx.run(call, u, *meta, "catalog",
          [&ctx, id = id->to_string()](const CallPtr& call, const CommandReply& r) {
            call->answer(product_response(ctx, id, 200, r.last_position));
          });
}

void delete_product(Context& ctx, const CallPtr& call) {
  const auto id = parse_id(call, "id");
  if (!id)
    return;
  auto meta = call->meta_with_if_match();
  if (!meta)
    return;
  ctx.run(call, DiscontinueProduct{*id}, *meta, "catalog",
          [&ctx, id = id->to_string()](const CallPtr& call, const CommandReply& r) {
            Response res;
            res.status = 204;
            if (auto p = ctx.model<projections::CatalogReadModel>("catalog")->get(id))
              res.header("ETag", etag_of(p->version));
            call->answer(with_position(std::move(res), r.last_position));
          });
}

void put_stock(Context& ctx, const CallPtr& call) {
  const auto id = parse_id(call, "id");
  if (!id)
    return;
  auto body = call->json_body();
  if (!body)
    return;
  Fields f(*body);
  f.only({"stock", "delta"});
  const auto stock = f.integer("stock", false);
  const auto delta = f.integer("delta", false);
  if (stock.has_value() == delta.has_value())
    f.add("stock", "send exactly one of stock (absolute) or delta");
  if (!f.ok())
    return call->answer(
        problem(422, "validation_failed", "the stock change is not valid", f.errors()));
  Command c = stock ? Command(SetStock{*id, *stock}) : Command(AdjustStock{*id, *delta});
  auto meta = call->meta_with_if_match();
  if (!meta)
    return;
  ctx.run(call, c, *meta, "catalog",
          [&ctx, id = id->to_string()](const CallPtr& call, const CommandReply& r) {
            call->answer(product_response(ctx, id, 200, r.last_position));
          });
}

void categories(Context& ctx, const CallPtr& call) {
  json::array items;
  for (const auto& c : ctx.model<projections::CatalogReadModel>("catalog")->categories())
    items.push_back(json::object{{"name", c.name}, {"product_count", c.product_count}});
  call->answer(json_response(200, json::object{{"items", std::move(items)}}));
}

void analytics_event(Context& ctx, const CallPtr& call) {
  auto body = call->json_body();
  if (!body)
    return;
  Fields f(*body);
  f.only({"type", "product_id", "query"});
  const auto type = f.str("type", true, 32);
  if (type == "product_view") {
    auto id = f.id("product_id", true);
    // Only products that exist count: made-up ids would grow the stats forever.
    if (id && f.ok() && !ctx.model<projections::CatalogReadModel>("catalog")->get(id->to_string()))
      f.add("product_id", "no such product");
    if (id && f.ok())
      ctx.analytics.product_viewed(*id);
  } else if (type == "search") {
    if (auto q = f.str("query", true, 200); q && f.ok())
      ctx.analytics.searched(*q);
  } else if (type) {
    f.add("type", "must be product_view or search");
  }
  if (!f.ok())
    return call->answer(problem(422, "validation_failed", "the event is not valid", f.errors()));
  Response r;
  r.status = 202;
  r.body = R"({"status":"accepted"})";
  call->answer(std::move(r));
}

}  // namespace

void add_catalog_routes(Context& ctx) {
  Router& r = ctx.router;
  auto on = [&ctx](void (*fn)(Context&, const CallPtr&)) {
    return [&ctx, fn](const CallPtr& c) { fn(ctx, c); };
  };
  r.add("POST", "/api/products", Access::kAdmin, on(create_product));
  r.add("GET", "/api/products", Access::kAnyone, on(list_products));
  r.add("GET", "/api/products/{id}", Access::kAnyone, on(get_product));
  r.add("PATCH", "/api/products/{id}", Access::kAdmin, on(patch_product));
  r.add("DELETE", "/api/products/{id}", Access::kAdmin, on(delete_product));
  r.add("PUT", "/api/products/{id}/stock", Access::kAdmin, on(put_stock));
  r.add("GET", "/api/categories", Access::kAnyone, on(categories));
  r.add("POST", "/api/analytics/events", Access::kAnyone, on(analytics_event));
}

}  // namespace orderly::api
