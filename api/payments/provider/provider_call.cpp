#include "api/payments/provider/provider_call.h"

#include <boost/json.hpp>

#include "core/schemas/payment_events_generated.h"

namespace orderly::api::payments::provider {

namespace {

std::string text(const flatbuffers::String* s) {
  return s == nullptr ? std::string() : s->str();
}

}  // namespace

std::string return_url(std::string_view public_url, std::string_view order_id) {
  std::string base(public_url);
  while (!base.empty() && base.back() == '/')
    base.pop_back();
  return base + "/#/orders/" + std::string(order_id);
}

std::optional<ProviderCall> provider_call(const EventView& ev, std::string_view public_url) {
  if (ev.type() == EventType::kPaymentProcessing) {
    const auto* e = ev.as<events::PaymentProcessing>();
    if (!e->via_provider())
      return std::nullopt;
    const std::string payment_id = text(e->payment_id());
    const boost::json::object body{
        {"payment_id", payment_id},
        {"attempt", e->attempt()},
        {"amount_cents", e->amount_cents()},
        {"currency", text(e->currency())},
        {"payment_method", text(e->payment_method())},
        {"return_url", return_url(public_url, text(e->order_id()))},
    };
    const std::string attempt = std::to_string(e->attempt());
    return ProviderCall{std::string(kIntentsPath), boost::json::serialize(body),
                        payment_id + ":" + attempt,
                        "the intent of payment " + payment_id + " (attempt " + attempt + ")"};
  }
  if (ev.type() == EventType::kPaymentRefundRequested) {
    const auto* e = ev.as<events::PaymentRefundRequested>();
    const std::string refund_id = text(e->refund_id());
    const std::string payment_id = text(e->payment_id());
    const boost::json::object body{
        {"payment_id", payment_id},
        {"refund_id", refund_id},
        {"amount_cents", e->amount_cents()},
    };
    return ProviderCall{std::string(kRefundsPath), boost::json::serialize(body), refund_id,
                        "refund " + refund_id + " of payment " + payment_id};
  }
  return std::nullopt;
}

}  // namespace orderly::api::payments::provider
