#include "api/payments/provider/dispatcher.h"

#include "api/payments/provider/provider_call.h"

namespace orderly::api::payments::provider {

namespace {

// The start of an answer, for a log line.
constexpr size_t kShownBytes = 300;

// Worth trying again: the provider is down, overloaded or asks to slow down.
bool retryable(long status) {
  return status >= 500 || status == 408 || status == 429;
}

}  // namespace

PaymentDispatcher::PaymentDispatcher(eventstore::EventStore& log, DispatcherOptions options)
    : log_(log), options_(std::move(options)) {}

PaymentDispatcher::~PaymentDispatcher() {
  stop();
}

Status PaymentDispatcher::start(std::string public_url) {
  ORDERLY_RETURN_IF_ERROR(check_provider_url(options_.provider.base_url));
  public_url_ = std::move(public_url);
  stopping_.store(false);
  eventstore::FollowerOptions follow;
  follow.checkpoints = &log_;
  follow.types = {EventType::kPaymentProcessing, EventType::kPaymentRefundRequested};
  follow.max_chunk = 64;
  follow.backoff = options_.backoff;
  // A call cancelled by stop() is no failure worth a log line.
  follow.on_error = [this](const Status& st) {
    if (!stopping_.load() && options_.on_error)
      options_.on_error(st);
  };
  follower_ = std::make_unique<eventstore::LogFollower>(
      log_, options_.checkpoint,
      eventstore::each_event([this](const EventView& ev) { return send(ev); }), follow);
  return follower_->start();
}

void PaymentDispatcher::stop() {
  stopping_.store(true);  // a call in flight is cancelled, not waited out
  if (follower_)
    follower_->stop();
}

DispatcherStats PaymentDispatcher::stats() const {
  DispatcherStats s;
  s.sent = sent_.load();
  s.refused = refused_.load();
  if (follower_) {
    s.position = follower_->position();
    s.failures = follower_->failures();
  }
  return s;
}

Status PaymentDispatcher::send(const EventView& ev) {
  const auto call = provider_call(ev, public_url_);
  if (!call)
    return Status::ok();  // processed inline: nothing to send
  auto reply = post_to_provider(options_.provider, call->path, call->body, call->idempotency_key,
                                &stopping_);
  if (!reply)
    return reply.status();
  if (reply->status >= 200 && reply->status < 300) {
    sent_.fetch_add(1);
    return Status::ok();
  }
  const std::string said = reply->body.substr(0, kShownBytes);
  if (retryable(reply->status)) {
    return Status::unavailable("the payment provider answered " + std::to_string(reply->status) +
                               " to " + call->what + ": " + said);
  }
  refused_.fetch_add(1);
  if (options_.on_refused) {
    options_.on_refused("the payment provider refused " + call->what + " with " +
                        std::to_string(reply->status) + ": " + said + " (not sent again)");
  }
  return Status::ok();
}

}  // namespace orderly::api::payments::provider
