#include "api/notify/requests/email_triggers.h"

#include "core/digest.h"
#include "core/schemas/order_events_generated.h"
#include "core/schemas/payment_events_generated.h"
#include "core/schemas/user_events_generated.h"
#include "core/text.h"

namespace orderly::api::notify::requests {

EmailTrigger email_trigger(const EventView& ev) {
  switch (ev.type()) {
    case EventType::kOrderPlaced: {
      const auto* e = ev.as<events::OrderPlaced>();
      return {"order_placed", fb_uuid(e->order_id()), fb_uuid(e->user_id())};
    }
    case EventType::kOrderConfirmed:
      return {"order_confirmed", fb_uuid(ev.as<events::OrderConfirmed>()->order_id()), {}};
    case EventType::kOrderShipped:
      return {"order_shipped", fb_uuid(ev.as<events::OrderShipped>()->order_id()), {}};
    case EventType::kOrderDelivered:
      return {"order_delivered", fb_uuid(ev.as<events::OrderDelivered>()->order_id()), {}};
    case EventType::kOrderCancelled:
      return {"order_cancelled", fb_uuid(ev.as<events::OrderCancelled>()->order_id()), {}};
    case EventType::kPaymentSucceeded:
      return {"payment_succeeded", fb_uuid(ev.as<events::PaymentSucceeded>()->order_id()), {}};
    case EventType::kPaymentRefunded:
      return {"payment_refunded", fb_uuid(ev.as<events::PaymentRefunded>()->order_id()), {}};
    case EventType::kPaymentFailed: {
      // A retryable failure (a 3-D Secure check) leaves the payment open:
      // the customer is on the page already.
      const auto* e = ev.as<events::PaymentFailed>();
      if (e->retryable())
        return {};
      return {"payment_failed", fb_uuid(e->order_id()), {}};
    }
    case EventType::kPaymentDisputed:
      return {
          "dispute_opened", fb_uuid(ev.as<events::PaymentDisputed>()->order_id()), {}, "", true};
    case EventType::kEmailVerificationIssued: {
      const auto* e = ev.as<events::EmailVerificationIssued>();
      return {"verify_email", {}, fb_uuid(e->user_id()), fb_string(e->email())};
    }
    case EventType::kPasswordResetIssued:
      return {"password_reset", {}, fb_uuid(ev.as<events::PasswordResetIssued>()->user_id()), ""};
    case EventType::kUserPasswordChanged:
      return {"password_changed", {}, fb_uuid(ev.as<events::UserPasswordChanged>()->user_id()), ""};
    case EventType::kUserEmailChanged: {
      const auto* e = ev.as<events::UserEmailChanged>();
      return {"email_changed", {}, fb_uuid(e->user_id()), fb_string(e->previous_email())};
    }
    default:
      return {};
  }
}

namespace {

Uuid id_of(const std::string& name) {
  const std::string hex = digest128_hex(name);
  const std::string text = hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) +
                           "-" + hex.substr(16, 4) + "-" + hex.substr(20, 12);
  return *Uuid::parse(text);
}

}  // namespace

Uuid email_notification_id(uint64_t position) {
  return id_of("email:" + std::to_string(position));
}

Uuid email_notification_id(uint64_t position, const Uuid& user) {
  return id_of("email:" + std::to_string(position) + ":" + user.to_string());
}

}  // namespace orderly::api::notify::requests
