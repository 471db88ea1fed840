#include "api/rest/requests/payments.h"

#include <boost/json.hpp>

#include "api/rest/requests/parsed.h"
#include "commands/payment.h"

namespace orderly::api::rest::requests {

using namespace commands;

namespace {

// Provider ids: printable ASCII without blanks, as every provider makes them.
bool is_provider_id(std::string_view s) {
  if (s.empty() || s.size() > kMaxProviderIdBytes)
    return false;
  for (const char ch : s) {
    if (ch <= ' ' || ch > '~')
      return false;
  }
  return true;
}

void provider_id(Fields& f, const std::optional<std::string>& v, const std::string& name) {
  if (v && !is_provider_id(*v))
    f.add(name, "must be 1 to 255 printable ASCII characters without spaces");
}

bool is_web_url(std::string_view s) {
  if (!(s.starts_with("https://") || s.starts_with("http://")))
    return false;
  for (const char ch : s) {
    if (ch <= ' ' || ch > '~')
      return false;
  }
  return true;
}

}  // namespace

Result<CreatePayment> payment_from(const boost::json::object& body, const Uuid& id) {
  Fields f(body);
  f.only({"order_id"});
  const auto order = f.id("order_id", true);
  if (!f.ok())
    return invalid_fields("the payment is not valid", f);
  return CreatePayment{id, *order};
}

Result<ConfirmPayment> payment_confirmation_from(const boost::json::object& body,
                                                 const Uuid& payment) {
  Fields f(body);
  f.only({"payment_method"});
  const auto method = f.str("payment_method", true, 64);
  if (!f.ok())
    return invalid_fields("the confirmation is not valid", f);
  return ConfirmPayment{payment, *method};
}

Result<std::optional<int64_t>> refund_amount_from(const boost::json::object& body) {
  Fields f(body);
  f.only({"amount_cents"});
  const auto amount = f.integer("amount_cents", false);
  if (!f.ok())
    return invalid_fields("the refund is not valid", f);
  return amount;
}

Result<AuthenticatePayment> payment_authentication_from(const boost::json::object& body,
                                                        const Uuid& payment) {
  Fields f(body);
  f.only({"result"});
  const auto result = f.str("result", true, 16);
  if (result && *result != "approve" && *result != "fail")
    f.add("result", "must be approve or fail");
  if (!f.ok())
    return invalid_fields("the authentication is not valid", f);
  return AuthenticatePayment{payment, *result == "approve"};
}

Result<ApplyPaymentWebhook> payment_webhook_from(const boost::json::object& body) {
  Fields f(body);  // no only(): the provider's extra members are ignored
  ApplyPaymentWebhook c;
  const auto id = f.str("id", true, kMaxProviderIdBytes + 1);
  provider_id(f, id, "id");
  const auto type_text = f.str("type", true, 64);
  const auto type = type_text ? parse_payment_webhook_type(*type_text) : std::nullopt;
  if (type_text && !type) {
    f.add("type",
          "must be payment.succeeded, payment.failed, payment.requires_action, "
          "refund.succeeded, refund.failed or charge.dispute.created");
  }
  // (A plain value beside the flag: GCC 12 cannot see through the
  // optional's comparisons below and warns maybe-uninitialized.)
  const bool typed = type.has_value();
  const PaymentWebhookType t = type.value_or(PaymentWebhookType::kPaymentSucceeded);
  const auto created = f.integer("created", true);
  if (created && *created < 0)
    f.add("created", "must be a time in unix seconds");
  const auto data_it = body.find("data");
  if (data_it == body.end() || !data_it->value().is_object()) {
    f.add("data", "is required: an object");
    return invalid_fields("the webhook is not valid", f);
  }
  Fields d(data_it->value().get_object());
  const auto payment = d.id("payment_id", true);
  const bool money =
      typed &&
      (t == PaymentWebhookType::kPaymentSucceeded || t == PaymentWebhookType::kRefundSucceeded ||
       t == PaymentWebhookType::kRefundFailed || t == PaymentWebhookType::kDisputeCreated);
  const auto amount = d.integer("amount_cents", money);
  if (amount && *amount < 0)
    d.add("amount_cents", "must not be negative");
  const bool refund = typed && (t == PaymentWebhookType::kRefundSucceeded ||
                                t == PaymentWebhookType::kRefundFailed);
  const auto refund_id = d.str("refund_id", refund, kMaxProviderIdBytes + 1);
  provider_id(d, refund_id, "refund_id");
  const bool dispute = typed && t == PaymentWebhookType::kDisputeCreated;
  const auto dispute_id = d.str("dispute_id", dispute, kMaxProviderIdBytes + 1);
  provider_id(d, dispute_id, "dispute_id");
  const auto reason = d.str("reason", false, kMaxWebhookReasonBytes);
  const bool action = typed && t == PaymentWebhookType::kPaymentRequiresAction;
  const auto url = d.str("next_action_url", action, kMaxNextActionUrlBytes);
  if (url && !is_web_url(*url))
    d.add("next_action_url", "must be an http or https URL");
  for (const FieldError& e : d.errors())
    f.add("data." + e.field, e.message);
  if (!f.ok())
    return invalid_fields("the webhook is not valid", f);
  c.provider_event_id = *id;
  c.type = t;
  c.created_s = *created;
  c.payment_id = *payment;
  c.amount_cents = amount.value_or(0);
  c.refund_id = refund_id.value_or("");
  c.dispute_id = dispute_id.value_or("");
  c.reason = reason.value_or("");
  c.next_action_url = url.value_or("");
  return c;
}

}  // namespace orderly::api::rest::requests
