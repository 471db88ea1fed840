// The email notifier inside `orderly serve`: turns order and payment events
// into emails, exactly once in effect.
//
//   1. A log follower (eventstore/log_follower.h) reads the log from its
//      checkpoint. For each event that
//      mails someone (email_requests.h) it records RequestNotification
//      through the command pipeline, with the recipient from the read
//      models. With `nats_url` these events come from the durable JetStream
//      consumer instead (a redelivery asks for the same id again).
//   2. The pending set follows the notification events in the log, and an
//      EmailSender (email_sender.h) delivers them, rendering from the read
//      models and recording NotificationSent/NotificationFailed through the
//      command pipeline.
//   3. At start the pending set is rebuilt from the whole log (a second
//      follower, from position 1, of the notification events only) before
//      anything is sent, so a restart neither forgets a failed email nor
//      resends a sent one; a failed read of the log is retried, and nothing
//      is sent until it has worked. (A crash between the SMTP server's acceptance and
//      the record of it resends that one email: SMTP has no idempotency key.)
//
// `orderly notify email` is the same notifier as its own process
// (standalone_email.h).
//
// Thread safety: start/stop from one thread; stats() from any.
#pragma once

#include <memory>
#include <string>

#include "api/notify/email/email_requests.h"
#include "api/notify/email/email_sender.h"
#include "api/notify/requests/email_limits.h"
#include "api/notify/requests/request_email.h"
#include "commands/processor.h"
#include "eventstore/store.h"
#include "projections/runner.h"

namespace orderly::api::notify::email {

struct EmailNotifierOptions {
  EmailDeliveryOptions delivery;
  std::string checkpoint = "notifier-email";
  std::string nats_url;  // set: step 1 reads the durable consumer `triggers.durable`
  TriggerConsumerOptions triggers;
  // Per-recipient limits, shared with the engine's notifier routes (null:
  // none).
  std::shared_ptr<requests::EmailRateLimiter> limiter;
  // The account emails' link tokens, recomputed from their events (the
  // server secret is behind it: api/auth/email_token.h). Null: no links.
  requests::ActionTokenFn action_token;
};

struct EmailNotifierStats {
  uint64_t position = 0;  // events examined
  uint64_t sent = 0, failed_attempts = 0;
  size_t pending = 0;
  bool ready = false;          // the pending set is complete (step 3): sending has begun
  uint64_t read_failures = 0;  // failed reads of the notification events (each retried)
};

class EmailNotifier {
 public:
  EmailNotifier(eventstore::EventStore& log, commands::CommandProcessor& processor,
                const projections::ProjectionRunner& models, EmailNotifierOptions options);
  ~EmailNotifier();
  Status start();
  void stop();
  EmailNotifierStats stats() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace orderly::api::notify::email
