#include "api/notify/email/email_notifier.h"

#include <atomic>
#include <thread>

#include "core/schemas/order_events_generated.h"
#include "core/schemas/payment_events_generated.h"
#include "core/text.h"
#include "projections/orders.h"
#include "projections/users.h"

namespace orderly::api {

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
        sender(options.delivery,
               EmailHooks{
                   [this](const Uuid& id, const PendingEmail& pe) { return render(id, pe); },
                   [this](const Uuid& id) {
                     return processor.execute(commands::RecordNotificationSent{id}, engine_meta())
                         .status();
                   },
                   [this](const Uuid& id, const std::string& error, bool retry) {
                     return processor
                         .execute(commands::RecordNotificationFailed{id, error, retry},
                                  engine_meta())
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
