// Payments: making, confirming (test cards, cards through the provider,
// cash on delivery), 3-D Secure when the engine stands in for the
// provider, cash collected, refunds, reading them, and the provider's
// signed webhook (docs/design/payments.md).
#include "api/rest/requests/payments.h"
#include "api/payments/webhook_signature.h"
#include "api/rest/problem.h"
#include "api/rest/requests/payment_list.h"
#include "api/rest/routes/context.h"
#include "api/rest/routes/folded_row.h"
#include "projections/payments.h"

namespace orderly::api::rest::routes {

namespace {

using namespace commands;

std::optional<projections::PaymentRow> visible_payment(Context& ctx, const CallPtr& call,
                                                       const std::string& id) {
  auto p = ctx.model<projections::PaymentsReadModel>("payments")->get(id);
  if (!p || (!call->who->is_admin() && p->user_id != call->who->user_id_text))
    return std::nullopt;
  return p;
}

// The payment the command left (see row_as_answered).
void answer_payment(Context& ctx, const CallPtr& call, const std::string& id, int status,
                    const CommandReply& reply) {
  // (A payment row holds no version: only a retry is folded.)
  auto payment = row_as_answered<projections::PaymentsReadModel, projections::PaymentRow>(
      ctx, call, "payments", "payment-" + id, id, reply,
      [](const projections::PaymentRow&) { return false; });
  if (!payment)
    return call->fail(payment.status());
  call->answer(row_response(*payment, "payment", payment_json, id, status, reply.last_position,
                            "/api/payments/" + id));
}

void create_payment(Context& ctx, const CallPtr& call) {
  auto c = call->parsed_body(requests::payment_from, new_id_value());
  if (!c)
    return;
  ctx.run(call, *c, call->meta(), "payments",
          [&ctx, id = c->payment_id.to_string()](const CallPtr& call, const CommandReply& r) {
            answer_payment(ctx, call, created_id(r, "payment-", id), 201, r);
          });
}

void confirm_payment(Context& ctx, const CallPtr& call) {
  const auto id = parse_id(call, "id");
  if (!id)
    return;
  auto c = call->parsed_body(requests::payment_confirmation_from, *id);
  if (!c)
    return;
  ctx.run(call, *c, call->meta(), "payments",
          [&ctx, id = id->to_string()](const CallPtr& call, const CommandReply& r) {
            answer_payment(ctx, call, id, 200, r);
          });
}

void refund_payment(Context& ctx, const CallPtr& call) {
  const auto id = parse_id(call, "id");
  if (!id)
    return;
  std::optional<int64_t> amount;
  if (!call->request.body.empty()) {
    auto sent = call->parsed_body(requests::refund_amount_from);
    if (!sent)
      return;
    amount = *sent;
  }
  ctx.run(call, RefundPayment{*id, amount}, call->meta(), "payments",
          [&ctx, id = id->to_string()](const CallPtr& call, const CommandReply& r) {
            answer_payment(ctx, call, id, 200, r);
          });
}

void get_payment(Context& ctx, const CallPtr& call) {
  const auto id = parse_id(call, "id");
  if (!id)
    return;
  auto p = visible_payment(ctx, call, id->to_string());
  if (!p)
    return call->answer(problem(404, "not_found", "no such payment"));
  call->answer(json_response(200, json::object{{"payment", payment_json(*p)}}));
}

// GET /api/payments: a customer's own (user_id ignored), an admin's all,
// with the filters; newest first.
void list_payments(Context& ctx, const CallPtr& call) {
  auto paging = call->page_query();
  if (!paging)
    return call->fail(paging.status());
  auto q = requests::payment_list_query_from(
      [&call](std::string_view name) { return call->query(name); });
  if (!q)
    return call->fail(q.status());
  projections::PaymentFilter f;
  f.user_id = call->who->is_admin() ? q->user_id : call->who->user_id_text;
  f.status = q->status;
  f.order_id = q->order_id;
  f.from = q->from;
  f.to = q->to;
  auto page = ctx.model<projections::PaymentsReadModel>("payments")
                  ->list(f, paging->page, paging->per_page);
  call->answer(page_response(page, payment_json));
}

// GET /api/admin/payments/webhooks: deliveries for payments Orderly does
// not know (a provider's mistake, or another shop's secret), for the
// operator; newest first, the newest 1000 kept.
void list_unknown_webhooks(Context& ctx, const CallPtr& call) {
  auto paging = call->page_query();
  if (!paging)
    return call->fail(paging.status());
  auto page = ctx.model<projections::PaymentsReadModel>("payments")
                  ->unknown_webhooks(paging->page, paging->per_page);
  call->answer(page_response(page, payment_webhook_json));
}

void authenticate_payment(Context& ctx, const CallPtr& call) {
  const auto id = parse_id(call, "id");
  if (!id)
    return;
  auto c = call->parsed_body(requests::payment_authentication_from, *id);
  if (!c)
    return;
  ctx.run(call, *c, call->meta(), "payments",
          [&ctx, id = id->to_string()](const CallPtr& call, const CommandReply& r) {
            answer_payment(ctx, call, id, 200, r);
          });
}

void capture_payment(Context& ctx, const CallPtr& call) {
  const auto id = parse_id(call, "id");
  if (!id)
    return;
  ctx.run(call, CapturePayment{*id}, call->meta(), "payments",
          [&ctx, id = id->to_string()](const CallPtr& call, const CommandReply& r) {
            answer_payment(ctx, call, id, 200, r);
          });
}

// The provider's webhook: the signature over the raw bytes first (nothing
// is parsed before it holds), then the shape, then the writer, which
// applies each provider event id once and records every delivery.
void payment_webhook(Context& ctx, const CallPtr& call) {
  const auto& secrets = ctx.options.payment_webhook_secrets;
  if (secrets.empty()) {
    return call->answer(problem(404, "not_found",
                                "payment webhooks are off: the engine runs without "
                                "--payment-webhook-secret-file"));
  }
  const int64_t now_s = now_us() / 1'000'000;
  const Status signed_ok = payments::verify_webhook(call->request.header("orderly-signature"),
                                                    call->request.body, secrets, now_s);
  if (!signed_ok.is_ok())
    return call->fail(signed_ok);
  auto c = call->parsed_body(requests::payment_webhook_from);
  if (!c)
    return;
  CommandMeta meta;
  meta.role = Role::kEngine;  // the provider, authenticated by the signature
  const std::string payment = c->payment_id.to_string();
  ctx.run(
      call, std::move(*c), meta, "payments", [payment](const CallPtr& call, const CommandReply& r) {
        if (r.stream.starts_with("webhook-")) {
          // Recorded for the operator (GET /api/admin/payments/webhooks).
          return call->answer(
              problem(404, "not_found", "no payment " + payment + ": the delivery is recorded"));
        }
        call->answer(json_response(200, json::object{{"received", true}}));
      });
}

}  // namespace

void add_payment_routes(Context& ctx) {
  ctx.route("GET", "/api/payments", Access::kUser, list_payments);
  ctx.route("POST", "/api/payments", Access::kUser, create_payment);
  ctx.route("GET", "/api/admin/payments/webhooks", Access::kAdmin, list_unknown_webhooks);
  ctx.route("POST", "/api/payments/webhook", Access::kAnyone, payment_webhook);
  ctx.route("POST", "/api/payments/{id}/confirm", Access::kUser, confirm_payment);
  ctx.route("POST", "/api/payments/{id}/authenticate", Access::kUser, authenticate_payment);
  ctx.route("POST", "/api/payments/{id}/capture", Access::kAdmin, capture_payment);
  ctx.route("POST", "/api/payments/{id}/refund", Access::kAdmin, refund_payment);
  ctx.route("GET", "/api/payments/{id}", Access::kUser, get_payment);
}

}  // namespace orderly::api::rest::routes
