// The asking half of an email notifier: which domain events cause an email
// (order placed, confirmed, shipped, delivered, cancelled; payment
// succeeded, refund issued), the notification id each one gets, and the
// durable JetStream consumer that feeds them in when NATS is configured.
//
// The id is derived from the event's log position, so a redelivered event
// asks for the same notification and the writer refuses it as
// already_exists: asking twice never mails twice.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "api/notify/requests/email_triggers.h"
#include "core/envelope.h"
#include "core/uuid.h"

namespace orderly::api::notify::email {

struct TriggerConsumerOptions {
  std::string nats_url;
  std::string stream = "ORDERLY";
  std::string subject_prefix = "orderly.events";
  std::string durable = "email-notifier";
  // A durable made for the first time starts after this stream sequence
  // (= log position: the fan-out publishes each position once).
  uint64_t start_after = 0;
  std::chrono::milliseconds max_backoff{60'000};
  // Told why a (re)subscription failed before each retry; may be empty.
  std::function<void(const std::string&)> on_error;
};

// Pulls from the durable consumer until `stopping()`, in stream order,
// calling `request` for every event and acking it afterwards (a crash in
// between redelivers it). `request` returns false when the request could not
// be recorded now (the engine away or overloaded): the message is then
// negatively acked and comes back a second later. Reconnects with backoff
// while NATS is away.
void consume_email_triggers(const TriggerConsumerOptions& options,
                            const std::function<bool(const EventView&)>& request,
                            const std::function<bool()>& stopping);

}  // namespace orderly::api::notify::email
