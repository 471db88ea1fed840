// The email notifier: turns order and payment events into emails, exactly
// once in effect.
//
//   1. A follower reads the log from its checkpoint. For each order placed,
//      confirmed, shipped, delivered or cancelled, and each payment that
//      succeeded or was refunded, it records RequestNotification with an id
//      derived from the event's position: a redelivered event asks for the
//      same notification, which the writer refuses as already_exists.
//   2. Every requested email notification (and every one an admin re-queues)
//      is pending until the log shows it sent, or failed for good. A sender
//      thread renders it from its template (order lines and totals from the
//      read models), sends it over SMTP (libcurl) or writes it to the outbox
//      as an .eml, and records NotificationSent or NotificationFailed
//      (with will_retry) through the command pipeline. Failures back off
//      exponentially up to a cap, for at most `max_attempts` attempts.
//   With `nats_url`, step 1 reads a durable JetStream consumer instead of
//      the log (a redelivery after NATS restarts asks for the same id again).
//   3. At start the pending set is rebuilt from the notification events in
//      the log, so a restart neither forgets a failed email nor resends a
//      sent one. (A crash between the SMTP server's acceptance and the
//      record of it resends that one email: SMTP has no idempotency key.)
//
// Thread safety: start/stop from one thread; stats() from any.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "commands/processor.h"
#include "eventstore/store.h"
#include "projections/runner.h"

namespace orderly::api {

struct EmailNotifierOptions {
  std::string smtp_url;    // "" = write .eml files to outbox_dir
  std::string outbox_dir;  // <data-dir>/outbox
  std::string mail_from = "orders@localhost";
  uint32_t max_attempts = 8;
  std::chrono::milliseconds first_backoff{500};
  std::chrono::milliseconds max_backoff{60'000};
  std::string checkpoint = "notifier-email";
  // With a NATS URL the order and payment events that cause emails come from
  // a durable JetStream consumer (`durable`) on the fan-out's stream, acked
  // once their notification request is recorded; notification state still
  // follows the log.
  std::string nats_url;
  std::string stream = "ORDERLY";
  std::string subject_prefix = "orderly.events";
  std::string durable = "email-notifier";
};

struct EmailNotifierStats {
  uint64_t position = 0;  // events examined
  uint64_t sent = 0, failed_attempts = 0;
  size_t pending = 0;
};

class EmailNotifier {
 public:
  EmailNotifier(eventstore::EventStore& log, commands::CommandProcessor& processor,
                const projections::ProjectionRunner& models, EmailNotifierOptions options);
  ~EmailNotifier();
  Status start();
  void stop();
  EmailNotifierStats stats() const;

  // The notification id for the email an event at `position` causes.
  static Uuid notification_id(uint64_t position);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace orderly::api
