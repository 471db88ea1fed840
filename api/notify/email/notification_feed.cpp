#include "api/notify/email/notification_feed.h"

#include <atomic>
#include <vector>

#include "api/nats/stream_follower.h"

namespace orderly::api::notify::email {

struct NotificationFeed::Impl {
  std::atomic<bool> stopping{false};
  std::unique_ptr<nats::StreamFollower> follower;
};

NotificationFeed::NotificationFeed(std::string nats_url, std::string subject,
                                   std::function<void(const EventView&)> on_event,
                                   std::function<void()> on_caught_up)
    : impl_(std::make_unique<Impl>()) {
  nats::FollowOptions o;
  o.url = std::move(nats_url);
  o.subject = std::move(subject);
  o.from_first = true;
  o.on_message = [impl = impl_.get(), on_event = std::move(on_event)](const natsMsg* msg,
                                                                      uint64_t) {
    std::vector<uint64_t> storage;
    auto view = decode_event_copy({reinterpret_cast<const uint8_t*>(natsMsg_GetData(msg)),
                                   static_cast<size_t>(natsMsg_GetDataLength(msg))},
                                  storage);
    if (view.is_ok() && !impl->stopping.load())
      on_event(*view);
  };
  o.on_caught_up = std::move(on_caught_up);
  impl_->follower = std::make_unique<nats::StreamFollower>(std::move(o));
}

NotificationFeed::~NotificationFeed() {
  stop();
}

void NotificationFeed::start() {
  impl_->follower->start();
}

void NotificationFeed::stop() {
  impl_->stopping.store(true);
  impl_->follower->stop();
}

bool NotificationFeed::subscribed() const {
  return impl_->follower->subscribed();
}

}  // namespace orderly::api::notify::email
