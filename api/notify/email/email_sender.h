// The delivery half of an email notifier, shared by the one inside
// `orderly serve` and the one that runs alone (`orderly notify email`):
//
//   - the pending set, folded from notification events (requested, sent,
//     failed, retry requested) in log order, wherever they come from (the
//     log itself, or the JetStream stream);
//   - a sender thread that waits until the pending set is complete
//     (mark_ready), then renders each due email, delivers it over SMTP
//     (libcurl) or into the outbox as an .eml, and records the outcome.
//     Failures back off exponentially up to a cap, for at most
//     `max_attempts` attempts; one given up waits for an admin's retry.
//
// How an email is rendered and where outcomes are recorded is the caller's
// (EmailHooks): the command pipeline in-process, the HTTP API alone.
//
// Thread safety: track/mark_ready/stats from any thread; start/stop from one.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "api/notify/email/email.h"
#include "api/notify/requests/email_facts.h"
#include "core/envelope.h"
#include "core/uuid.h"

namespace orderly::api::notify::email {

struct EmailDeliveryOptions {
  std::string smtp_url;  // "" = write .eml files to outbox_dir
  SmtpTls smtp_tls = SmtpTls::kOpportunistic;
  std::string smtp_ca_file;  // "" = the system's CAs
  std::string outbox_dir;    // <data-dir>/outbox
  std::string mail_from = "orders@localhost";
  // Where the shop's pages are, for the links in emails ("https://shop.example.com").
  std::string public_url;
  uint32_t max_attempts = 8;
  std::chrono::milliseconds first_backoff{500};
  std::chrono::milliseconds max_backoff{60'000};
};

// A requested email, as the notification events describe it.
struct PendingEmail {
  std::string recipient, template_name;
  uint64_t source_position = 0;  // the event that caused it
  uint32_t attempts = 0;
};

struct EmailHooks {
  // The email (subject and body; from/to/message id are filled in after).
  std::function<Result<Email>(const Uuid& id, const PendingEmail& pending)> render;
  std::function<Status(const Uuid& id)> record_sent;
  std::function<Status(const Uuid& id, const std::string& error, bool will_retry)> record_failed;
  // Optional: asked just before a delivery; false when the notification is
  // known to be sent already (its Sent event not seen here yet). A notifier
  // that reads the events from elsewhere than the log may lag behind it.
  std::function<Result<bool>(const Uuid& id)> still_pending;
};

struct EmailSenderStats {
  uint64_t sent = 0, failed_attempts = 0;
  size_t pending = 0;
};

class EmailSender {
 public:
  EmailSender(EmailDeliveryOptions options, EmailHooks hooks);
  ~EmailSender();
  // Folds a notification event (others are ignored). In log order.
  void track(const EventView& event);
  // Every notification event up to now has been tracked: sending may start.
  void mark_ready();
  void start();
  void stop();
  EmailSenderStats stats() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// "12.50 USD" for 1250 in USD (the currency of the order; USD when unknown).
std::string money(int64_t cents, std::string_view currency = "USD");

// The template variables for those facts: `order_ref` names the order as
// the web pages do ("#" and the id's last 8 hex digits, upper case: shortId
// in api/web/dom.js), `order_url` links to its page (<public_url>/#/orders/<id>,
// the route in api/web/app.js).
std::map<std::string, std::string> email_vars(const requests::EmailFacts& facts,
                                              const std::string& public_url);
// "#0A1B2C3D" for an order id, as the web pages show it.
std::string order_label(const Uuid& order_id);

}  // namespace orderly::api::notify::email
