#include "api/notify/email/email_notifier.h"

#include <atomic>
#include <condition_variable>
#include <thread>

#include "core/mutex.h"
#include "core/schemas/order_events_generated.h"
#include "core/schemas/payment_events_generated.h"
#include "core/text.h"
#include "eventstore/log_follower.h"
#include "projections/orders.h"
#include "projections/users.h"

namespace orderly::api::notify::email {

struct EmailNotifier::Impl {
  eventstore::EventStore& log;
  commands::CommandProcessor& processor;
  const projections::ProjectionRunner& models;
  EmailNotifierOptions options;
  EmailSender sender;
  std::atomic<bool> stopping{false};
  std::atomic<bool> ready{false};  // the pending set is complete: the sender sends
  // Two followers of the log: `pending` folds the notification events into
  // the sender's pending set (from the log's start: a "sent" after the
  // checkpoint must be known before anything is sent), and `triggers`
  // requests the emails events call for, from its durable checkpoint.
  std::unique_ptr<eventstore::LogFollower> pending, triggers;
  std::thread nats_thread;

  // A delivered email's record goes to the writer without waiting for its
  // fsync: the sender has marked it sent already and goes on to the next,
  // so records share group commits. At most kRecordsInFlight at a time: a
  // slow disk slows the sender rather than filling the writer's queue.
  // Unrecorded (refused, or the engine stopped first), the email is sent
  // again by a later run, as with any delivery whose record is lost.
  static constexpr int kRecordsInFlight = 1024;
  Mutex records_mu;
  std::condition_variable records_cv;
  int records_in_flight GUARDED_BY(records_mu) = 0;

  Status record_sent(const Uuid& id) EXCLUDES(records_mu) {
    {
      MutexLock lock(records_mu);
      while (records_in_flight >= kRecordsInFlight)
        lock.wait(records_cv);
      ++records_in_flight;
    }
    processor.submit(commands::RecordNotificationSent{id}, requests::engine_meta(),
                     [this](const Result<commands::CommandReply>&) {
                       MutexLock lock(records_mu);
                       --records_in_flight;
                       records_cv.notify_all();
                     });
    return Status::ok();
  }

  // Every record submitted has its answer (the reply callbacks use this).
  void wait_for_records() EXCLUDES(records_mu) {
    MutexLock lock(records_mu);
    while (records_in_flight > 0)
      lock.wait(records_cv);
  }

  Impl(eventstore::EventStore& l, commands::CommandProcessor& p,
       const projections::ProjectionRunner& m, EmailNotifierOptions o)
      : log(l),
        processor(p),
        models(m),
        options(std::move(o)),
        sender(options.delivery,
               EmailHooks{
                   [this](const Uuid& id, const PendingEmail& pe) { return render(id, pe); },
                   [this](const Uuid& id) { return record_sent(id); },
                   [this](const Uuid& id, const std::string& error, bool retry) {
                     return processor
                         .execute(commands::RecordNotificationFailed{id, error, retry},
                                  requests::engine_meta())
                         .status();
                   },
                   // The pending set follows the log itself; what was only
                   // requested to be recorded as suppressed is not sent.
                   [this](const Uuid& id) -> Result<bool> {
                     return !(options.limiter && options.limiter->is_suppressed(id));
                   },
               }) {}

  // Ok also for an event that mails nobody, or whose request failed for
  // good; an error only when the pipeline cannot take it now (asked again
  // after the follower's backoff).
  Status request(const EventView& ev) {
    auto done = requests::request_email(ev, models, processor, options.limiter.get());
    if (done.is_ok() || (done.status().code() != ErrorCode::kOverloaded &&
                         done.status().code() != ErrorCode::kShuttingDown)) {
      return Status::ok();
    }
    return done.status();
  }

  // A slice of the log's events, asked together:
  // through the last event whose requests are all recorded or refused for
  // good.
  eventstore::Handled request_slice(const eventstore::LogSlice& slice) {
    std::vector<requests::PlannedEmail> planned;
    for (const EventView& ev : slice.events)
      requests::plan_email(ev, models, options.limiter.get(), planned);
    const auto done = requests::record_email_requests(planned, processor);
    for (size_t i = 0; i < done.size(); ++i) {
      const Status& st = done[i].status();
      if (st.code() == ErrorCode::kOverloaded || st.code() == ErrorCode::kShuttingDown)
        return {planned[i].request.source_position - 1, st};  // the rest asked again
    }
    return {slice.last, Status::ok()};
  }

  static constexpr std::array kNotificationTypes = {
      EventType::kNotificationRequested, EventType::kNotificationRetryRequested,
      EventType::kNotificationSent, EventType::kNotificationFailed};

  Status start() {
    // Ready once everything the log held now is tracked: only then does the
    // sender know what is still pending. A failed read of the log retries
    // (the follower's backoff) and the sender waits meanwhile.
    const uint64_t ready_at = log.last_position();
    eventstore::FollowerOptions track;
    track.start_after = 0;
    track.types.assign(kNotificationTypes.begin(), kNotificationTypes.end());
    if (options.triggers.on_error) {
      track.on_error = [this](const Status& st) {
        options.triggers.on_error("reading the notification events: " + st.to_string());
      };
    }
    pending = std::make_unique<eventstore::LogFollower>(
        log, options.checkpoint + "-pending",
        [this, ready_at](const eventstore::LogSlice& slice) {
          for (const EventView& ev : slice.events)
            sender.track(ev);
          if (slice.last >= ready_at && !ready.exchange(true))
            sender.mark_ready();
          return eventstore::Handled{slice.last, Status::ok()};
        },
        track);
    if (ready_at == 0 && !ready.exchange(true))
      sender.mark_ready();
    ORDERLY_RETURN_IF_ERROR(pending->start());

    // With NATS the triggers come from the durable consumer; the follower
    // still examines the log (and keeps its checkpoint) without asking.
    const bool from_nats = !options.nats_url.empty();
    eventstore::FollowerOptions ask;
    ask.checkpoints = &log;
    ask.max_chunk = 256;
    ask.backoff = {std::chrono::milliseconds(200), std::chrono::milliseconds(2000)};
    triggers = std::make_unique<eventstore::LogFollower>(
        log, options.checkpoint,
        [this, from_nats](const eventstore::LogSlice& slice) {
          return from_nats ? eventstore::Handled{slice.last, Status::ok()} : request_slice(slice);
        },
        ask);
    ORDERLY_RETURN_IF_ERROR(triggers->start());
    if (from_nats) {
      TriggerConsumerOptions t = options.triggers;
      t.nats_url = options.nats_url;
      t.start_after = triggers->position();  // its checkpoint
      nats_thread = std::thread([this, t] {
        consume_email_triggers(
            t, [this](const EventView& ev) { return request(ev).is_ok(); },
            [this] { return stopping.load(); });
      });
    }
    return Status::ok();
  }

  Result<Email> render(const Uuid&, const PendingEmail& p) {
    auto facts = requests::email_facts(log, models, p.source_position, options.action_token);
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
  if (impl_->triggers)
    return Status::invalid_argument("the email notifier is running");
  impl_->sender.start();
  return impl_->start();
}

void EmailNotifier::stop() {
  impl_->stopping.store(true);
  if (impl_->triggers)
    impl_->triggers->stop();
  if (impl_->pending)
    impl_->pending->stop();
  if (impl_->nats_thread.joinable())
    impl_->nats_thread.join();
  impl_->sender.stop();
  impl_->wait_for_records();
}

EmailNotifierStats EmailNotifier::stats() const {
  const EmailSenderStats s = impl_->sender.stats();
  EmailNotifierStats out{impl_->triggers ? impl_->triggers->position() : 0, s.sent,
                         s.failed_attempts, s.pending};
  out.ready = impl_->ready.load();
  out.read_failures = impl_->pending ? impl_->pending->failures() : 0;
  return out;
}

}  // namespace orderly::api::notify::email
