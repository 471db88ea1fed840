// The cart and orders (payments: routes/payments.cpp).
#include "projections/orders.h"

#include <cstdio>

#include "api/rest/conditional_get.h"
#include "api/rest/problem.h"
#include "api/rest/requests/orders.h"
#include "api/rest/routes/context.h"
#include "api/rest/routes/folded_row.h"
#include "projections/carts.h"
#include "projections/catalog.h"
#include "projections/users.h"

namespace orderly::api::rest::routes {

namespace {

using namespace commands;

// The cart: each line at the price it was added at, with the catalog's
// current name and price beside it (a line whose price changed since is
// flagged; checkout refuses it once with price_changed and takes the new one).
json::object cart_json(Context& ctx, const std::string& user) {
  auto catalog = ctx.model<projections::CatalogReadModel>("catalog");
  json::array items;
  int64_t total = 0;
  for (const auto& line : ctx.model<projections::CartsReadModel>("carts")->cart(user)) {
    auto p = catalog->get(line.product_id);
    const int64_t current = p ? p->price_cents : 0;
    const int64_t price = line.unit_price_cents >= 0 ? line.unit_price_cents : current;
    items.push_back(json::object{{"product_id", line.product_id},
                                 {"name", p ? p->name : ""},
                                 {"unit_price_cents", price},
                                 {"current_unit_price_cents", current},
                                 {"price_changed", p && price != current},
                                 {"quantity", line.quantity},
                                 {"line_total_cents", price * line.quantity}});
    total += price * line.quantity;
  }
  return {{"items", std::move(items)}, {"total_cents", total}, {"currency", ctx.options.currency}};
}

void answer_cart(Context& ctx, const CallPtr& call, uint64_t position) {
  http::Response r = json_response(200, cart_json(ctx, call->who->user_id_text));
  call->answer(position ? with_position(std::move(r), position) : std::move(r));
}

// An order the caller may see: their own, or any for an admin.
std::optional<projections::OrderRow> visible_order(Context& ctx, const CallPtr& call,
                                                   const std::string& id) {
  auto o = ctx.model<projections::OrdersReadModel>("orders")->get(id);
  if (!o || (!call->who->is_admin() && o->user_id != call->who->user_id_text))
    return std::nullopt;  // 404, not 403: foreign ids are not confirmed to exist
  return o;
}

// The order the command left (see row_as_answered), with its version as
// ETag (and where it lives, when it was just placed).
void answer_order(Context& ctx, const CallPtr& call, const std::string& id, int status,
                  const CommandReply& reply) {
  const std::string stream = "order-" + id;
  // Another command changed the order between this one's commit and this
  // read: answer the order as this command left it, as a retry would.
  auto moved_on = [&](const projections::OrderRow& o) {
    return reply.stream == stream && reply.stream_version != 0 && o.version > reply.stream_version;
  };
  auto order = row_as_answered<projections::OrdersReadModel, projections::OrderRow>(
      ctx, call, "orders", stream, id, reply, moved_on);
  if (!order)
    return call->fail(order.status());
  call->answer(versioned_row_response(
      *order, "order", [](const projections::OrderRow& o) { return order_json(o); }, id, status,
      reply.last_position, "/api/orders/" + id));
}

void get_cart(Context& ctx, const CallPtr& call) {
  answer_cart(ctx, call, 0);
}

// A change of the caller's cart, answered with the cart.
void run_on_cart(Context& ctx, const CallPtr& call, Command c) {
  ctx.run(call, std::move(c), call->meta(), "carts",
          [&ctx](const CallPtr& call, const CommandReply& r) {
            answer_cart(ctx, call, r.last_position);
          });
}

void cart_add(Context& ctx, const CallPtr& call) {
  if (auto c = call->parsed_body(requests::cart_line_from))
    run_on_cart(ctx, call, *c);
}

void cart_set(Context& ctx, const CallPtr& call) {
  const auto product = parse_id(call, "product_id");
  if (!product)
    return;
  if (auto c = call->parsed_body(requests::cart_quantity_from, *product))
    run_on_cart(ctx, call, *c);
}

void cart_remove(Context& ctx, const CallPtr& call) {
  if (const auto product = parse_id(call, "product_id"))
    run_on_cart(ctx, call, RemoveFromCart{*product});
}

void cart_clear(Context& ctx, const CallPtr& call) {
  ctx.run(call, ClearCart{}, call->meta(), "carts", [](const CallPtr& call, const CommandReply& r) {
    call->answer(no_content(r.last_position));
  });
}

void checkout(Context& ctx, const CallPtr& call) {
  requests::ShippingChoice shipping;
  if (!call->request.body.empty()) {
    auto sent = call->parsed_body(requests::checkout_address_from);
    if (!sent)
      return;
    shipping = std::move(*sent);
  }
  Checkout c{new_id_value(), std::move(shipping.text), ctx.options.reservation_ttl_us,
             shipping.saved_id, std::move(shipping.address)};
  ctx.run(call, c, call->meta(), "orders",
          [&ctx, id = c.order_id.to_string()](const CallPtr& call, const CommandReply& r) {
            answer_order(ctx, call, created_id(r, "order-", id), 201, r);
          });
}

void place_order(Context& ctx, const CallPtr& call) {
  auto c =
      call->parsed_body(requests::place_order_from, new_id_value(), ctx.options.reservation_ttl_us);
  if (!c)
    return;
  ctx.run(call, *c, call->meta(), "orders",
          [&ctx, id = c->order_id.to_string()](const CallPtr& call, const CommandReply& r) {
            answer_order(ctx, call, created_id(r, "order-", id), 201, r);
          });
}

// An order as its reader sees it: staff also see whether its customer's
// account is still active (from the users model; "closed" accounts keep
// their orders).
std::string user_status(Context& ctx, const projections::OrderRow& o) {
  const auto user = ctx.model<projections::UsersReadModel>("users")->get(o.user_id);
  return user ? user->status : "unknown";
}

json::object order_view(Context& ctx, const CallPtr& call, const projections::OrderRow& o) {
  json::object out = order_json(o);
  if (call->who->is_admin())
    out["user_status"] = user_status(ctx, o);
  return out;
}

// The ETag of a page of `user`'s orders read at `as_of`: the same exactly
// when the body is (the model's version moves with every change of the
// user's orders; a new epoch with every restart or rebuild).
std::string list_tag(const projections::OrdersReadModel::ListVersion& as_of,
                     const std::string& user, const std::string& status,
                     const Call::PageQuery& paging) {
  char epoch[17];
  std::snprintf(epoch, sizeof epoch, "%016llx", static_cast<unsigned long long>(as_of.epoch));
  std::string tag = "\"orders-";
  tag += epoch;
  tag += '.';
  tag += std::to_string(as_of.position);
  tag += '-';
  tag += user;
  tag += '-';
  tag += status.empty() ? "any" : status;
  tag += '-';
  tag += std::to_string(paging.page);
  tag += '-';
  tag += std::to_string(paging.per_page);
  tag += '"';
  return tag;
}

void list_orders(Context& ctx, const CallPtr& call) {
  auto paging = call->page_query();
  if (!paging)
    return call->fail(paging.status());
  const std::string status = call->query("status").value_or("");
  if (!status.empty() && !parse_order_status(status)) {
    return call->answer(
        problem(422, "validation_failed", "unknown status",
                {{"status", "must be pending, confirmed, shipped, delivered or cancelled"}}));
  }
  std::string user = call->who->user_id_text;
  if (call->who->is_admin())
    user = call->query("user_id").value_or("");  // admins: one user's, or everyone's
  projections::OrdersReadModel::ListVersion as_of;
  auto result = ctx.model<projections::OrdersReadModel>("orders")->list(user, status, paging->page,
                                                                        paging->per_page, &as_of);
  http::Response r = page_response(result, [&](std::string& out, const projections::OrderRow& o) {
    write_order(out, o, call->who->is_admin() ? user_status(ctx, o) : "");
  });
  // A customer's page is exactly the model's version of their list and the
  // query: its tag, instead of a digest of the body (conditional_get.h).
  // Staff rows also show the users' statuses, from another model: those
  // keep the digest.
  if (!call->who->is_admin())
    r.header(std::string(kExactTag), list_tag(as_of, user, status, *paging));
  call->answer(std::move(r));
}

void get_order(Context& ctx, const CallPtr& call) {
  const auto id = parse_id(call, "id");
  if (!id)
    return;
  auto o = visible_order(ctx, call, id->to_string());
  if (!o)
    return call->answer(problem(404, "not_found", "no such order"));
  call->answer(json_response(200, json::object{{"order", order_view(ctx, call, *o)}})
                   .header("ETag", etag_of(o->version)));
}

void cancel_order(Context& ctx, const CallPtr& call) {
  const auto id = parse_id(call, "id");
  if (!id)
    return;
  if (!visible_order(ctx, call, id->to_string()))
    return call->answer(problem(404, "not_found", "no such order"));
  auto meta = call->meta_with_if_match();
  if (!meta)
    return;
  ctx.run(call, CancelOrder{*id, call->who->is_admin() ? "admin" : "customer_request"}, *meta,
          "orders", [&ctx, id = id->to_string()](const CallPtr& call, const CommandReply& r) {
            answer_order(ctx, call, id, 200, r);
          });
}

void set_order_status(Context& ctx, const CallPtr& call) {
  const auto id = parse_id(call, "id");
  if (!id)
    return;
  auto c = call->parsed_body(requests::order_status_from, *id);
  if (!c)
    return;
  auto meta = call->meta_with_if_match();
  if (!meta)
    return;
  ctx.run(call, *c, *meta, "orders",
          [&ctx, id = id->to_string()](const CallPtr& call, const CommandReply& r) {
            answer_order(ctx, call, id, 200, r);
          });
}

void order_stats(Context& ctx, const CallPtr& call) {
  const auto s = ctx.model<projections::OrdersReadModel>("orders")->stats(call->who->user_id_text);
  call->answer(json_response(200, order_stats_json(s)));
}

}  // namespace

void add_order_routes(Context& ctx) {
  ctx.route("GET", "/api/cart", Access::kUser, get_cart);
  ctx.route("POST", "/api/cart/items", Access::kUser, cart_add);
  ctx.route("PUT", "/api/cart/items/{product_id}", Access::kUser, cart_set);
  ctx.route("DELETE", "/api/cart/items/{product_id}", Access::kUser, cart_remove);
  ctx.route("DELETE", "/api/cart", Access::kUser, cart_clear);
  ctx.route("POST", "/api/cart/checkout", Access::kUser, checkout);
  ctx.route("POST", "/api/orders", Access::kUser, place_order);
  ctx.route("GET", "/api/orders", Access::kUser, list_orders);
  ctx.route("GET", "/api/orders/stats", Access::kUser, order_stats);
  ctx.route("GET", "/api/orders/{id}", Access::kUser, get_order);
  ctx.route("POST", "/api/orders/{id}/cancel", Access::kUser, cancel_order);
  ctx.route("PUT", "/api/orders/{id}/status", Access::kAdmin, set_order_status);
}

}  // namespace orderly::api::rest::routes
