// Products and analytics events (categories: categories.cpp).
#include "projections/catalog.h"
#include "api/rest/problem.h"
#include "api/rest/requests/catalog.h"
#include "api/rest/routes/context.h"
#include "api/rest/routes/folded_row.h"
#include "commands/input_limits.h"

namespace orderly::api::rest::routes {

namespace {

using namespace commands;

// The product as the read model has it now, with its version as ETag (and
// where it lives, when it was just made).
http::Response product_response(Context& ctx, const std::string& id, int status,
                                uint64_t position) {
  return versioned_row_response(ctx.model<projections::CatalogReadModel>("catalog")->get(id),
                                "product", product_view(ctx), id, status, position,
                                "/api/products/" + id);
}

// A new product's answer: the read model's row, or for a retry (same
// Idempotency-Key) the product as created, folded from the log
// (api/rest/routes/folded_row.h), so that the retry gets the first answer again.
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
  call->answer(versioned_row_response((*folded)->get(id), "product", product_view(ctx), id, 201,
                                      reply.last_position, "/api/products/" + id));
}

void create_product(Context& ctx, const CallPtr& call) {
  auto c = call->parsed_body(requests::create_product_from, new_id_value());
  if (!c)
    return;
  const std::string id = c->product_id.to_string();
  ctx.run(call, *c, call->meta(), "catalog",
          [&ctx, id](const CallPtr& call, const CommandReply& r) {
            answer_created_product(ctx, call, created_id(r, "product-", id), r);
          });
}

// ?status=active (the default), discontinued or all; the last two only for
// admins, since a discontinued product is gone from the shop for everyone
// else. The answer to refuse, when the value is unknown or not the caller's.
std::optional<http::Response> status_filter(const Call& call,
                                            projections::ProductStatusFilter& out) {
  using projections::ProductStatusFilter;
  const std::string status = call.query("status").value_or("active");
  if (status == "active") {
    out = ProductStatusFilter::kActive;
    return std::nullopt;
  }
  if (status == "discontinued")
    out = ProductStatusFilter::kDiscontinued;
  else if (status == "all")
    out = ProductStatusFilter::kAll;
  else
    return problem(422, "validation_failed", "unknown status",
                   {{"status", "must be active, discontinued or all"}});
  if (!call.who || !call.who->is_admin())
    return problem(403, "forbidden", "only admins list discontinued products");
  return std::nullopt;
}

void list_products(Context& ctx, const CallPtr& call) {
  projections::CatalogQuery q;
  if (auto refused = status_filter(*call, q.status))
    return call->answer(std::move(*refused));
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
  if (q.q.size() > kMaxSearchBytes)
    return call->answer(problem(422, "validation_failed", "query too long",
                                {{"q", "at most " + std::to_string(kMaxSearchBytes) + " bytes"}}));
  if (!q.q.empty())
    ctx.analytics.searched(q.q);
  auto result = ctx.model<projections::CatalogReadModel>("catalog")->list(q);
  call->answer(page_response(result, [base = ctx.image_base_url()](
                                         std::string& out, const projections::CatalogProduct& p) {
    write_product(out, p, base);
  }));
}

void get_product(Context& ctx, const CallPtr& call) {
  const auto id = parse_id(call, "id");
  if (!id)
    return;
  auto p = ctx.model<projections::CatalogReadModel>("catalog")->get(id->to_string());
  if (!p)
    return call->answer(problem(404, "not_found", "no such product"));
  ctx.analytics.product_viewed(*id);
  // Written straight as text, as list pages are (page_response): the
  // contract's {product} with no JSON values to build and serialise.
  http::Response r;
  r.status = 200;
  r.body.reserve(768);
  r.body += R"({"product":)";
  write_product(r.body, *p, ctx.image_base_url());
  r.body += '}';
  call->answer(std::move(r.header("ETag", etag_of(p->version))));
}

// PATCH and PUT /api/products/{id} and PUT /api/products/{id}/stock: the command
// `parse` makes of the body, under If-Match, answered with the product.
template <auto parse>
void change_product(Context& ctx, const CallPtr& call) {
  const auto id = parse_id(call, "id");
  if (!id)
    return;
  auto c = call->parsed_body(parse, *id);
  if (!c)
    return;
  auto meta = call->meta_with_if_match();
  if (!meta)
    return;
  ctx.run(call, *c, *meta, "catalog",
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
            http::Response res;
            res.status = 204;
            if (auto p = ctx.model<projections::CatalogReadModel>("catalog")->get(id))
              res.header("ETag", etag_of(p->version));
            call->answer(with_position(std::move(res), r.last_position));
          });
}

void analytics_event(Context& ctx, const CallPtr& call) {
  auto event = call->parsed_body(requests::analytics_event_from);
  if (!event)
    return;
  if (const auto& id = event->product_viewed) {
    // Only products that exist count: made-up ids would grow the stats forever.
    if (!ctx.model<projections::CatalogReadModel>("catalog")->get(id->to_string())) {
      return call->answer(problem(422, "validation_failed", "the event is not valid",
                                  {{"product_id", "no such product"}}));
    }
    ctx.analytics.product_viewed(*id);
  } else if (event->searched) {
    ctx.analytics.searched(*event->searched);
  }
  http::Response r;
  r.status = 202;
  r.body = R"({"status":"accepted"})";
  call->answer(std::move(r));
}

}  // namespace

void add_catalog_routes(Context& ctx) {
  ctx.route("POST", "/api/products", Access::kAdmin, create_product);
  ctx.route("GET", "/api/products", Access::kAnyone, list_products);
  ctx.route("GET", "/api/products/{id}", Access::kAnyone, get_product);
  ctx.route("PATCH", "/api/products/{id}", Access::kAdmin,
            change_product<requests::update_product_from>);
  ctx.route("PUT", "/api/products/{id}", Access::kAdmin,
            change_product<requests::replace_product_from>);
  ctx.route("DELETE", "/api/products/{id}", Access::kAdmin, delete_product);
  ctx.route("PUT", "/api/products/{id}/stock", Access::kAdmin,
            change_product<requests::stock_change_from>);
  ctx.route("POST", "/api/analytics/events", Access::kAnyone, analytics_event);
}

}  // namespace orderly::api::rest::routes
