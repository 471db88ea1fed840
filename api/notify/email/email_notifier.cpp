#include "api/notify/email/email_notifier.h"

#include <atomic>
#include <thread>

#include "core/schemas/order_events_generated.h"
#include "core/schemas/payment_events_generated.h"
#include "core/text.h"
#include "projections/orders.h"
#include "projections/users.h"

namespace orderly::api {

namespace {

commands::CommandMeta engine() {
  commands::CommandMeta m;
  m.role = commands::Role::kEngine;
  return m;
}

}  // namespace

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
      engine());
  if (done && !suppressed.empty()) {
    auto failed =
        processor.execute(commands::RecordNotificationFailed{id, suppressed, false}, engine());
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

struct EmailNotifier::Impl {
  eventstore::EventStore& log;
  commands::CommandProcessor& processor;
  const projections::ProjectionRunner& models;
  EmailNotifierOptions options;
  EmailSender sender;
  std::atomic<bool> stopping{false};
  std::atomic<uint64_t> position{0};
  std::thread follower, nats_thread;

  Impl(eventstore::EventStore& l, commands::CommandProcessor& p,
       const projections::ProjectionRunner& m, EmailNotifierOptions o)
      : log(l),
        processor(p),
        models(m),
        options(std::move(o)),
        sender(
            options.delivery,
            EmailHooks{
                [this](const Uuid& id, const PendingEmail& pe) { return render(id, pe); },
                [this](const Uuid& id) {
                  return processor.execute(commands::RecordNotificationSent{id}, engine()).status();
                },
                [this](const Uuid& id, const std::string& error, bool retry) {
                  return processor
                      .execute(commands::RecordNotificationFailed{id, error, retry}, engine())
                      .status();
                },
                // The pending set follows the log itself; what was only
                // requested to be recorded as suppressed is not sent.
                [this](const Uuid& id) -> Result<bool> {
                  return !(options.limiter && options.limiter->is_suppressed(id));
                },
            }) {}

  bool request(const EventView& ev) {
    auto done = request_email(ev, models, processor, options.limiter.get());
    return done.is_ok() || (done.status().code() != ErrorCode::kOverloaded &&
                            done.status().code() != ErrorCode::kShuttingDown);
  }

  static constexpr std::array kNotificationTypes = {
      EventType::kNotificationRequested, EventType::kNotificationRetryRequested,
      EventType::kNotificationSent, EventType::kNotificationFailed};

  void follow() {
    auto saved = log.load_checkpoint(options.checkpoint);
    uint64_t at = saved ? *saved : 0;
    // The whole log's notification state first (not just up to the
    // checkpoint: a "sent" after it must be known before the sender starts).
    const uint64_t tracked_upto = log.last_position();
    {
      eventstore::LogQuery q;
      q.to_position = tracked_upto;
      q.types.assign(kNotificationTypes.begin(), kNotificationTypes.end());
      (void)log.scan(q, [&](const EventView& ev) {
        sender.track(ev);
        return true;
      });
    }
    sender.mark_ready();
    const bool from_nats = !options.nats_url.empty();
    if (from_nats) {
      TriggerConsumerOptions t = options.triggers;
      t.nats_url = options.nats_url;
      t.start_after = at;
      nats_thread = std::thread([this, t] {
        consume_email_triggers(
            t, [this](const EventView& ev) { return request(ev); },
            [this] { return stopping.load(); });
      });
    }
    while (!stopping.load()) {
      if (log.last_position() <= at) {
        log.wait_for_position(at + 1, std::chrono::milliseconds(200));
        continue;
      }
      eventstore::LogQuery q;
      q.from_position = at + 1;
      q.limit = 256;
      bool stalled = false;
      Status st = log.scan(q, [&](const EventView& ev) {
        if (ev.position() > tracked_upto)
          sender.track(ev);  // (a trigger event, asked again below, is not tracked)
        if (!from_nats && !request(ev)) {
          stalled = true;  // asked again from here on the next round
          return false;
        }
        at = ev.position();
        return !stopping.load();
      });
      if (st.is_ok())
        (void)log.save_checkpoint(options.checkpoint, at);
      position.store(at);
      if (stalled)
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }

  Result<Email> render(const Uuid&, const PendingEmail& p) {
    auto facts = email_facts(log, models, p.source_position);
    if (!facts)
      return facts.status();
    return render_email(p.template_name, email_vars(*facts, options.delivery.public_url));
  }
};

EmailNotifier::EmailNotifier(eventstore::EventStore& log, commands::CommandProcessor& processor,
                             const projections::ProjectionRunner& models,
                             EmailNotifierOptions options)
    : impl_(std::make_unique<Impl>(log, processor, models, std::move(options))) {}

EmailNotifier::~EmailNotifier() {
  stop();
}

Status EmailNotifier::start() {
  if (impl_->follower.joinable())
    return Status::invalid_argument("the email notifier is running");
  impl_->sender.start();
  impl_->follower = std::thread([this] { impl_->follow(); });
  return Status::ok();
}

void EmailNotifier::stop() {
  impl_->stopping.store(true);
  if (impl_->follower.joinable())
    impl_->follower.join();
  if (impl_->nats_thread.joinable())
    impl_->nats_thread.join();
  impl_->sender.stop();
}

EmailNotifierStats EmailNotifier::stats() const {
  const EmailSenderStats s = impl_->sender.stats();
  return {impl_->position.load(), s.sent, s.failed_attempts, s.pending};
}

}  // namespace orderly::api
