#include "api/notify/requests/request_email.h"

#include "api/notify/requests/email_triggers.h"

#include <algorithm>
#include <future>
#include "core/schemas/order_events_generated.h"
#include "core/schemas/payment_events_generated.h"
#include "core/schemas/user_events_generated.h"
#include "core/text.h"
#include "projections/orders.h"
#include "projections/users.h"

namespace orderly::api::notify::requests {

commands::CommandMeta engine_meta() {
  commands::CommandMeta m;
  m.role = commands::Role::kEngine;
  return m;
}

namespace {

// One email to `recipient`, with the limiter's verdict taken now: before the
// request is recorded, so that no sender delivers it in between
// (EmailRateLimiter::is_suppressed).
PlannedEmail plan_one(const EventView& ev, const Uuid& id, const Uuid& user,
                      const std::string& recipient, const char* template_name,
                      EmailRateLimiter* limiter) {
  PlannedEmail p{{id, user, "email", template_name, recipient, ev.position()}, ""};
  p.suppressed = limiter ? limiter->admit(recipient, ev.time_us()) : "";
  if (!p.suppressed.empty())
    limiter->mark_suppressed(id);
  return p;
}

// One email to each active admin, each with its own id: a redelivered event
// asks for the same ones (already_exists), so none is mailed twice. An
// admin made after the event is not mailed when it is asked again: the
// users read model is at the event's position first.
void plan_admin_emails(const EventView& ev, const char* template_name,
                       const projections::ProjectionRunner& models, EmailRateLimiter* limiter,
                       std::vector<PlannedEmail>& out) {
  (void)models.wait_for("users", ev.position(), std::chrono::seconds(10));
  auto users = models.current_as<projections::UsersReadModel>("users");
  if (!users)
    return;
  projections::UserQuery q;
  q.role = "admin";
  q.status = "active";
  q.per_page = 100;
  for (q.page = 1;; ++q.page) {
    const auto page = users->list(q);
    for (const projections::UserRow& admin : page.items) {
      const Uuid user = Uuid::parse(admin.id).value_or(Uuid{});
      if (user.is_nil() || admin.email.empty())
        continue;
      out.push_back(plan_one(ev, email_notification_id(ev.position(), user), user, admin.email,
                             template_name, limiter));
    }
    if (page.items.size() < static_cast<size_t>(q.per_page))
      break;
  }
}

}  // namespace

void plan_email(const EventView& ev, const projections::ProjectionRunner& models,
                EmailRateLimiter* limiter, std::vector<PlannedEmail>& out) {
  const EmailTrigger t = email_trigger(ev);
  if (t.template_name == nullptr)
    return;
  if (t.to_admins)
    return plan_admin_emails(ev, t.template_name, models, limiter, out);
  Uuid user = t.user_id;
  if (user.is_nil()) {
    // The orders read model knows the owner once it has applied this event.
    (void)models.wait_for("orders", ev.position(), std::chrono::seconds(10));
    auto orders = models.current_as<projections::OrdersReadModel>("orders");
    auto o = orders ? orders->get(t.order_id.to_string()) : std::nullopt;
    if (!o)
      return;
    user = Uuid::parse(o->user_id).value_or(Uuid{});
  }
  (void)models.wait_for("users", ev.position(), std::chrono::seconds(10));
  auto users = models.current_as<projections::UsersReadModel>("users");
  auto u = users ? users->get(user.to_string()) : std::nullopt;
  const std::string recipient = t.recipient.empty() && u ? u->email : t.recipient;
  if (!u || recipient.empty())
    return;  // nobody to write to
  out.push_back(plan_one(ev, email_notification_id(ev.position()), user, recipient, t.template_name,
                         limiter));
}

std::vector<Result<RequestedEmail>> record_email_requests(const std::vector<PlannedEmail>& planned,
                                                          commands::CommandProcessor& processor) {
  std::vector<std::future<Result<commands::CommandReply>>> asked;
  asked.reserve(planned.size());
  for (const PlannedEmail& p : planned)
    asked.push_back(processor.submit(p.request, engine_meta()));
  std::vector<Result<RequestedEmail>> out;
  out.reserve(planned.size());
  std::vector<std::pair<size_t, std::future<Result<commands::CommandReply>>>> suppressing;
  for (size_t i = 0; i < planned.size(); ++i) {
    const Uuid& id = planned[i].request.notification_id;
    auto done = asked[i].get();
    if (done) {
      const bool suppressed = !planned[i].suppressed.empty();
      if (suppressed) {
        suppressing.emplace_back(
            i,
            processor.submit(commands::RecordNotificationFailed{id, planned[i].suppressed, false},
                             engine_meta()));
      }
      out.emplace_back(RequestedEmail{id, true, suppressed});
    } else if (done.status().code() == ErrorCode::kAlreadyExists) {
      out.emplace_back(RequestedEmail{id, false, false});  // asked before (a redelivery)
    } else {
      out.emplace_back(done.status());
    }
  }
  for (auto& [i, failed] : suppressing) {
    if (auto st = failed.get(); !st)
      out[i] = st.status();
  }
  return out;
}

Result<EmailRequestOutcome> request_email(const EventView& ev,
                                          const projections::ProjectionRunner& models,
                                          commands::CommandProcessor& processor,
                                          EmailRateLimiter* limiter) {
  std::vector<PlannedEmail> planned;
  plan_email(ev, models, limiter, planned);
  EmailRequestOutcome out;
  for (auto& one : record_email_requests(planned, processor)) {
    if (!one)
      return one.status();  // asked again later: those recorded are refused as already_exists
    if (out.id.is_nil()) {
      out.id = one->id;
      out.suppressed = one->suppressed;
    }
    out.created |= one->created;
    out.ids.push_back(one->id);
  }
  return out;
}

namespace {

// "30 minutes", "48 hours", "2 days": how long a link works, for the email.
std::string duration_words(int64_t seconds) {
  auto words = [](int64_t n, const char* unit) {
    return std::to_string(n) + " " + unit + (n == 1 ? "" : "s");
  };
  if (seconds >= 86400 && seconds % 86400 == 0 && seconds > 2 * 86400)
    return words(seconds / 86400, "day");
  if (seconds >= 3600 && seconds % 3600 == 0)
    return words(seconds / 3600, "hour");
  if (seconds >= 60)
    return words(seconds / 60, "minute");
  return words(std::max<int64_t>(seconds, 0), "second");
}

// Why a refund was made, in words for its customer; "" when the event does
// not say (written before refunds had reasons).
std::string refund_words(std::string_view reason, bool order_cancelled) {
  if (reason == "order_cancelled")
    return "Your order was cancelled, so its payment went back to you.";
  if (reason == "order_not_payable") {
    return order_cancelled ? "Your payment arrived after the order was cancelled, so we returned "
                             "it in full."
                           : "The order had already been paid, so we returned this second "
                             "payment in full.";
  }
  if (reason == "provider")
    return "The refund was made at our payment provider.";
  if (reason == "admin")
    return "Our staff made this refund.";
  return "";
}

// The account events' facts: the link and its lifetime, the new email, the
// user's name. False: not an account event.
bool account_facts(const EventView& ev, const projections::ProjectionRunner& models,
                   const ActionTokenFn& action_token, EmailFacts& facts) {
  Uuid user, token_id;
  int64_t life_us = 0;
  ActionPurpose purpose = ActionPurpose::kVerifyEmail;
  if (ev.type() == EventType::kEmailVerificationIssued) {
    const auto* e = ev.as<events::EmailVerificationIssued>();
    user = fb_uuid(e->user_id());
    token_id = fb_uuid(e->token_id());
    life_us = e->expires_at_us() - e->issued_at_us();
    facts.action_page = "verify-email";
  } else if (ev.type() == EventType::kPasswordResetIssued) {
    const auto* e = ev.as<events::PasswordResetIssued>();
    user = fb_uuid(e->user_id());
    token_id = fb_uuid(e->token_id());
    life_us = e->expires_at_us() - e->issued_at_us();
    purpose = ActionPurpose::kPasswordReset;
    facts.action_page = "reset-password";
  } else if (ev.type() == EventType::kUserPasswordChanged) {
    user = fb_uuid(ev.as<events::UserPasswordChanged>()->user_id());
  } else if (ev.type() == EventType::kUserEmailChanged) {
    user = fb_uuid(ev.as<events::UserEmailChanged>()->user_id());
    facts.new_email = fb_string(ev.as<events::UserEmailChanged>()->email());
  } else {
    return false;
  }
  if (!facts.action_page.empty()) {
    // The engine decides the expiry a moment before the writer stamps the
    // event: to the nearest second, or minute beyond one.
    int64_t life_s = (life_us + 500'000) / 1'000'000;
    if (life_s >= 60)
      life_s = (life_s + 30) / 60 * 60;
    facts.expires_in = duration_words(life_s);
    if (action_token)
      facts.action_token = action_token(purpose, user, token_id);
  }
  auto users = models.current_as<projections::UsersReadModel>("users");
  if (auto u = users ? users->get(user.to_string()) : std::nullopt)
    facts.username = u->username;
  return true;
}

}  // namespace

Result<EmailFacts> email_facts(const eventstore::EventStore& log,
                               const projections::ProjectionRunner& models,
                               uint64_t source_position, const ActionTokenFn& action_token) {
  auto source = log.read_event(source_position);
  if (!source)
    return source.status();
  const EventView ev = source->view();
  EmailFacts facts;
  if (account_facts(ev, models, action_token, facts))
    return facts;
  facts.order_id = email_trigger(ev).order_id;
  if (ev.type() == EventType::kOrderCancelled)
    facts.reason = fb_string(ev.as<events::OrderCancelled>()->reason());
  if (ev.type() == EventType::kPaymentSucceeded)
    facts.amount_cents = ev.as<events::PaymentSucceeded>()->amount_cents();
  if (ev.type() == EventType::kPaymentRefunded)
    facts.amount_cents = ev.as<events::PaymentRefunded>()->amount_cents();
  if (ev.type() == EventType::kPaymentFailed)
    facts.reason = fb_string(ev.as<events::PaymentFailed>()->reason());
  if (ev.type() == EventType::kPaymentDisputed) {
    facts.amount_cents = ev.as<events::PaymentDisputed>()->amount_cents();
    facts.reason = fb_string(ev.as<events::PaymentDisputed>()->reason());
    if (facts.reason.empty())
      facts.reason = "none given";
  }
  auto orders = models.current_as<projections::OrdersReadModel>("orders");
  auto o = orders ? orders->get(facts.order_id.to_string()) : std::nullopt;
  if (ev.type() == EventType::kPaymentRefunded) {
    facts.reason = refund_words(fb_view(ev.as<events::PaymentRefunded>()->reason()),
                                o && o->status == "cancelled");
  }
  if (o) {
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
