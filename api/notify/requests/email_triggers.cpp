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

Uuid email_notification_id(uint64_t position) {
  const std::string hex = digest128_hex("email:" + std::to_string(position));
  const std::string text = hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) +
                           "-" + hex.substr(16, 4) + "-" + hex.substr(20, 12);
  return *Uuid::parse(text);
}

}  // namespace orderly::api::notify::requests
