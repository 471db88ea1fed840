#include "api/notify/notification_feed.h"

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "api/nats/jetstream.h"

namespace orderly::api {

struct NotificationFeed::Impl {
  std::string url, subject;
  std::function<void(const EventView&)> on_event;
  std::function<void()> on_caught_up;
  std::atomic<bool> stopping{false};
  std::once_flag caught_up;
  std::thread connector;
  mutable std::mutex mu;
  std::unique_ptr<JetStreamLink> link;  // guarded by mu
  natsSubscription* sub = nullptr;      // guarded by mu

  void done_catching_up() {
    std::call_once(caught_up, [this] { on_caught_up(); });
  }

  static void on_msg(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
    auto* self = static_cast<Impl*>(closure);
    std::vector<uint64_t> storage;
    auto view = decode_event_copy({reinterpret_cast<const uint8_t*>(natsMsg_GetData(msg)),
                                   static_cast<size_t>(natsMsg_GetDataLength(msg))},
                                  storage);
    if (view.is_ok() && !self->stopping.load())
      self->on_event(*view);
    jsMsgMetaData* meta = nullptr;
    if (natsMsg_GetMetaData(&meta, msg) == NATS_OK) {
      if (meta->NumPending == 0)
        self->done_catching_up();
      jsMsgMetaData_Destroy(meta);
    }
    natsMsg_Destroy(msg);
  }

  bool subscribe() {
    auto connected = connect_jetstream(url);
    if (!connected)
      return false;
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Ordered = true;
    so.Config.DeliverPolicy = js_DeliverAll;
    natsSubscription* s = nullptr;
    if (js_Subscribe(&s, (*connected)->js, subject.c_str(), &Impl::on_msg, this, nullptr, &so,
                     nullptr) != NATS_OK) {
      return false;  // no stream yet (the engine's fan-out makes it), or NATS away
    }
    // Nothing to deliver at all: caught up now.
    jsConsumerInfo* ci = nullptr;
    if (natsSubscription_GetConsumerInfo(&ci, s, nullptr, nullptr) == NATS_OK) {
      if (ci->NumPending == 0 && ci->Delivered.Consumer == 0)
        done_catching_up();
      jsConsumerInfo_Destroy(ci);
    }
    std::lock_guard lock(mu);
    link = std::move(*connected);
    sub = s;
    return true;
  }

  void connect_loop() {
    std::chrono::milliseconds backoff(100);
    while (!stopping.load() && !subscribe()) {
      const auto until = std::chrono::steady_clock::now() + backoff;
      while (!stopping.load() && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
    }
  }
};

NotificationFeed::NotificationFeed(std::string nats_url, std::string subject,
                                   std::function<void(const EventView&)> on_event,
                                   std::function<void()> on_caught_up)
    : impl_(std::make_unique<Impl>()) {
  impl_->url = std::move(nats_url);
  impl_->subject = std::move(subject);
  impl_->on_event = std::move(on_event);
  impl_->on_caught_up = std::move(on_caught_up);
}

NotificationFeed::~NotificationFeed() {
  stop();
}

void NotificationFeed::start() {
  if (!impl_->connector.joinable())
    impl_->connector = std::thread([this] { impl_->connect_loop(); });
}

void NotificationFeed::stop() {
  impl_->stopping.store(true);
  if (impl_->connector.joinable())
    impl_->connector.join();
  std::lock_guard lock(impl_->mu);
  if (impl_->sub) {
    // Drain: the callback in progress (if any) finishes before we go.
    if (natsSubscription_Drain(impl_->sub) == NATS_OK)
      natsSubscription_WaitForDrainCompletion(impl_->sub, 5000);
    natsSubscription_Destroy(impl_->sub);
    impl_->sub = nullptr;
  }
  impl_->link.reset();
}

bool NotificationFeed::subscribed() const {
  std::lock_guard lock(impl_->mu);
  return impl_->sub != nullptr;
}

}  // namespace orderly::api
