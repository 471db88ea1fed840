#include "api/notify/requests/request_email.h"

#include "api/notify/requests/email_triggers.h"
#include "core/schemas/order_events_generated.h"
#include "core/schemas/payment_events_generated.h"
#include "core/text.h"
#include "projections/orders.h"
#include "projections/users.h"

namespace orderly::api::notify::requests {

commands::CommandMeta engine_meta() {
  commands::CommandMeta m;
  m.role = commands::Role::kEngine;
  return m;
}

Result<EmailRequestOutcome> request_email(const EventView& ev,
                                          const projections::ProjectionRunner& models,
                                          commands::CommandProcessor& processor,
                                          EmailRateLimiter* limiter) {
  const EmailTrigger t = email_trigger(ev);
  if (t.template_name == nullptr)
    return EmailRequestOutcome{};
  Uuid user = t.user_id;
  if (user.is_nil()) {
    // The orders read model knows the owner once it has applied this event.
    (void)models.wait_for("orders", ev.position(), std::chrono::seconds(10));
    auto orders = models.current_as<projections::OrdersReadModel>("orders");
    auto o = orders ? orders->get(t.order_id.to_string()) : std::nullopt;
    if (!o)
      return EmailRequestOutcome{};
    user = Uuid::parse(o->user_id).value_or(Uuid{});
  }
  (void)models.wait_for("users", ev.position(), std::chrono::seconds(10));
  auto users = models.current_as<projections::UsersReadModel>("users");
  auto u = users ? users->get(user.to_string()) : std::nullopt;
  if (!u || u->email.empty())
    return EmailRequestOutcome{};  // nobody to write to
  const Uuid id = email_notification_id(ev.position());
  // Decided before the request is recorded, so that no sender delivers it
  // in between (EmailRateLimiter::is_suppressed).
  const std::string suppressed = limiter ? limiter->admit(u->email, ev.time_us()) : "";
  if (!suppressed.empty())
    limiter->mark_suppressed(id);
  auto done = processor.execute(
      commands::RequestNotification{id, user, "email", t.template_name, u->email, ev.position()},
      engine_meta());
  if (done && !suppressed.empty()) {
    auto failed =
        processor.execute(commands::RecordNotificationFailed{id, suppressed, false}, engine_meta());
    if (!failed)
      return failed.status();
    return EmailRequestOutcome{id, true, true};
  }
  if (done)
    return EmailRequestOutcome{id, true};
  if (done.status().code() == ErrorCode::kAlreadyExists)
    return EmailRequestOutcome{id, false};  // asked before (a redelivery)
  return done.status();
}

Result<EmailFacts> email_facts(const eventstore::EventStore& log,
                               const projections::ProjectionRunner& models,
                               uint64_t source_position) {
  auto source = log.read_event(source_position);
  if (!source)
    return source.status();
  const EventView ev = source->view();
  EmailFacts facts;
  facts.order_id = email_trigger(ev).order_id;
  if (ev.type() == EventType::kOrderCancelled)
    facts.reason = fb_string(ev.as<events::OrderCancelled>()->reason());
  if (ev.type() == EventType::kPaymentSucceeded)
    facts.amount_cents = ev.as<events::PaymentSucceeded>()->amount_cents();
  if (ev.type() == EventType::kPaymentRefunded)
    facts.amount_cents = ev.as<events::PaymentRefunded>()->amount_cents();
  auto orders = models.current_as<projections::OrdersReadModel>("orders");
  if (auto o = orders ? orders->get(facts.order_id.to_string()) : std::nullopt) {
    for (const auto& l : o->items)
      facts.lines.push_back({l.name, l.quantity, l.unit_price_cents, l.line_total_cents});
    facts.total_cents = o->total_cents;
    facts.currency = o->currency;
    auto users = models.current_as<projections::UsersReadModel>("users");
    if (auto u = users ? users->get(o->user_id) : std::nullopt)
      facts.username = u->username;
  }
  return facts;
}

}  // namespace orderly::api::notify::requests
