#include "api/notify/email_requests.h"

#include <thread>
#include <vector>

#include "api/nats/jetstream.h"
#include "core/digest.h"
#include "core/schemas/order_events_generated.h"
#include "core/schemas/payment_events_generated.h"
#include "core/text.h"

namespace orderly::api {

EmailTrigger email_trigger(const EventView& ev) {
  switch (ev.type()) {
    case EventType::kOrderPlaced: {
      const auto* e = ev.as<events::OrderPlaced>();
      return {"order_placed", fb_uuid(e->order_id()), fb_uuid(e->user_id())};
    }
    case EventType::kOrderConfirmed:
      return {"order_confirmed", fb_uuid(ev.as<events::OrderConfirmed>()->order_id()), {}};
    case EventType::kOrderShipped:
      return {"order_shipped", fb_uuid(ev.as<events::OrderShipped>()->order_id()), {}};
    case EventType::kOrderDelivered:
      return {"order_delivered", fb_uuid(ev.as<events::OrderDelivered>()->order_id()), {}};
    case EventType::kOrderCancelled:
      return {"order_cancelled", fb_uuid(ev.as<events::OrderCancelled>()->order_id()), {}};
    case EventType::kPaymentSucceeded:
      return {"payment_succeeded", fb_uuid(ev.as<events::PaymentSucceeded>()->order_id()), {}};
    case EventType::kPaymentRefunded:
      return {"payment_refunded", fb_uuid(ev.as<events::PaymentRefunded>()->order_id()), {}};
    default:
      return {};
  }
}

Uuid email_notification_id(uint64_t position) {
  const std::string hex = digest128_hex("email:" + std::to_string(position));
  const std::string text = hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) +
                           "-" + hex.substr(16, 4) + "-" + hex.substr(20, 12);
  return *Uuid::parse(text);
}

void consume_email_triggers(const TriggerConsumerOptions& options,
                            const std::function<bool(const EventView&)>& request,
                            const std::function<bool()>& stopping) {
  auto pause = [&](std::chrono::milliseconds d) {
    const auto until = std::chrono::steady_clock::now() + d;
    while (!stopping() && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  };
  std::chrono::milliseconds backoff(100);
  auto grow = [&] { backoff = std::min(backoff * 2, options.max_backoff); };
  std::unique_ptr<JetStreamLink> link;
  natsSubscription* sub = nullptr;
  auto drop = [&] {
    if (sub)
      natsSubscription_Destroy(sub);
    sub = nullptr;
    link.reset();
  };
  while (!stopping()) {
    if (sub == nullptr) {
      auto connected = connect_jetstream(options.nats_url);
      natsStatus s = NATS_ERR;
      if (connected) {
        jsSubOptions so;
        jsSubOptions_Init(&so);
        so.Stream = options.stream.c_str();
        // An existing durable is bound as it is: asking for another start
        // sequence than the one it was made with would be refused every
        // time (a restarted engine has moved its checkpoint since).
        jsConsumerInfo* ci = nullptr;
        if (js_GetConsumerInfo(&ci, (*connected)->js, options.stream.c_str(),
                               options.durable.c_str(), nullptr, nullptr) == NATS_OK) {
          jsConsumerInfo_Destroy(ci);
          so.Consumer = options.durable.c_str();
        } else {  // a new durable starts after what was already asked for
          so.Config.AckPolicy = js_AckExplicit;
          so.Config.DeliverPolicy = js_DeliverByStartSequence;
          so.Config.OptStartSeq = options.start_after + 1;
        }
        const std::string subject = options.subject_prefix + ".>";
        s = js_PullSubscribe(&sub, (*connected)->js, subject.c_str(), options.durable.c_str(),
                             nullptr, &so, nullptr);
      }
      if (s != NATS_OK) {
        sub = nullptr;
        if (options.on_error) {
          options.on_error(connected ? std::string("cannot subscribe the durable consumer ") +
                                           options.durable + ": " + natsStatus_GetText(s) + " (" +
                                           nats_GetLastError(nullptr) + ")"
                                     : connected.status().message());
        }
        pause(backoff);
        grow();
        continue;
      }
      link = std::move(*connected);
      backoff = std::chrono::milliseconds(100);
    }
    natsMsgList list{};
    const natsStatus s = natsSubscription_Fetch(&list, sub, 256, 500, nullptr);
    if (s == NATS_TIMEOUT)
      continue;
    if (s != NATS_OK) {
      pause(backoff);  // NATS away: the library reconnects meanwhile
      grow();
      continue;
    }
    backoff = std::chrono::milliseconds(100);
    for (int i = 0; i < list.Count && !stopping(); ++i) {
      natsMsg* msg = list.Msgs[i];
      std::vector<uint64_t> storage;
      auto view = decode_event_copy({reinterpret_cast<const uint8_t*>(natsMsg_GetData(msg)),
                                     static_cast<size_t>(natsMsg_GetDataLength(msg))},
                                    storage);
      if (!view.is_ok() || request(*view))
        natsMsg_Ack(msg, nullptr);  // an undecodable payload would never decode: dropped
      else
        natsMsg_NakWithDelay(msg, 1000, nullptr);
    }
    natsMsgList_Destroy(&list);
  }
  drop();
}

}  // namespace orderly::api
