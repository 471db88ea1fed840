#include "eventstore/subscription.h"

#include <algorithm>

namespace orderly::eventstore {

Subscription::Subscription(EventStore& store, std::string name, Handler handler,
                           SubscriptionOptions options)
    : store_(store), name_(std::move(name)), handler_(std::move(handler)), options_(options) {}

Subscription::~Subscription() {
  stop();
}

Status Subscription::start() {
  if (thread_.joinable())
    return Status::invalid_argument("subscription " + name_ + " already started");
  uint64_t next = options_.from_position;
  if (next == 0) {
    auto cp = store_.load_checkpoint(name_);
    if (!cp)
      return cp.status();
    next = *cp + 1;
  }
  delivered_.store(next - 1);
  stopping_.store(false);
  thread_ = std::thread([this, next] { run(next); });
  return Status::ok();
}

void Subscription::stop() {
  stopping_.store(true);
  if (thread_.joinable())
    thread_.join();
}

Status Subscription::last_error() const {
  std::lock_guard lock(error_mu_);
  return last_error_;
}

void Subscription::run(uint64_t next) {
  while (!stopping_.load()) {
    const uint64_t last = store_.last_position();
    if (next > last) {
      store_.wait_for_position(next, options_.idle_wait);
      continue;
    }
    LogQuery q;
    q.from_position = next;
    q.to_position = std::min(last, next + options_.max_chunk - 1);
    Status handler_status;
    Status st = store_.scan(q, [&](const EventView& ev) {
      if (stopping_.load())
        return false;
      handler_status = handler_(ev);
      if (!handler_status.is_ok())
        return false;
      next = ev.position() + 1;
      delivered_.store(ev.position());
      return true;
    });
    if (st.is_ok())
      st = handler_status;
    if (st.is_ok() && options_.auto_checkpoint && next - 1 > 0) {
      st = store_.save_checkpoint(name_, next - 1);
    }
    {
      std::lock_guard lock(error_mu_);
      last_error_ = st;
    }
    if (!st.is_ok() && !stopping_.load())
      std::this_thread::sleep_for(options_.retry_backoff);
  }
  if (options_.auto_checkpoint && next > 1)
    (void)store_.save_checkpoint(name_, next - 1, true);
}

}  // namespace orderly::eventstore
