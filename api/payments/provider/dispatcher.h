// The payment dispatcher (docs/design/payments.md): sends what the log
// asks of the payment provider. A log follower (eventstore/log_follower.h)
// with the durable checkpoint `payments-provider`, over
// `payment.processing` (those via the provider) and
// `payment.refund_requested`; each becomes one POST with its idempotency
// key (provider_call.h), in log order.
//
// - No answer, a 5xx, 408 or 429: the same call again after a backoff that
//   doubles to a cap, for as long as it runs (nothing after it is sent
//   before it: the log's order is kept). The provider may be down for a day;
//   the payment waits in `processing`.
// - Any other answer that is not 2xx (a 4xx: the provider refuses the
//   call): counted and reported through on_refused, and the dispatcher goes
//   on with the next event. Sending it again would be refused again.
// - A crash between the provider's answer and the checkpoint sends that
//   call again at the next start: harmless, the provider answers the same
//   key with its first answer and does nothing new.
//
// Thread safety: start/stop from one thread; stats() from any.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "api/payments/provider/provider_client.h"
#include "core/status.h"
#include "eventstore/backoff.h"
#include "eventstore/log_follower.h"
#include "eventstore/store.h"

namespace orderly::api::payments::provider {

struct DispatcherOptions {
  ProviderConfig provider;
  std::string checkpoint = "payments-provider";
  eventstore::BackoffOptions backoff{std::chrono::milliseconds(200), std::chrono::seconds(10)};
  // Called on the dispatcher's thread: a refused call (what, status, the
  // start of the provider's answer), and each failed attempt (retried).
  std::function<void(const std::string&)> on_refused;
  std::function<void(const Status&)> on_error;
};

struct DispatcherStats {
  uint64_t position = 0;  // every event up to here is sent or refused
  uint64_t sent = 0;      // calls the provider accepted (2xx)
  uint64_t refused = 0;   // calls it refused (4xx but 408 and 429), not sent again
  uint64_t failures = 0;  // failed attempts (no answer, 5xx, 408, 429), each retried
};

class PaymentDispatcher {
 public:
  PaymentDispatcher(eventstore::EventStore& log, DispatcherOptions options);
  ~PaymentDispatcher();
  PaymentDispatcher(const PaymentDispatcher&) = delete;
  PaymentDispatcher& operator=(const PaymentDispatcher&) = delete;

  // Starts following the log. `public_url`, the shop's address, begins
  // each intent's return_url (provider_call.h); it is known once the API
  // listens, after the engine opened. Errors: the checkpoint could not be
  // read; a base URL check_provider_url refuses.
  Status start(std::string public_url);
  // Cancels a call in flight (it is sent again at the next start) and saves
  // the checkpoint. Idempotent.
  void stop();
  DispatcherStats stats() const;

 private:
  Status send(const EventView& ev);

  eventstore::EventStore& log_;
  const DispatcherOptions options_;
  std::string public_url_;  // set by start() before the follower's thread runs
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> sent_{0}, refused_{0};
  std::unique_ptr<eventstore::LogFollower> follower_;
};

}  // namespace orderly::api::payments::provider
