#include "api/notify/email/email_requests.h"

#include <thread>
#include <vector>

#include "api/nats/jetstream.h"
#include "api/nats/pull_consumer.h"
#include "core/digest.h"
#include "core/schemas/order_events_generated.h"
#include "core/schemas/payment_events_generated.h"
#include "core/text.h"

namespace orderly::api::notify::email {

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
  std::unique_ptr<nats::JetStreamLink> link;
  std::unique_ptr<nats::PullConsumer> consumer;
  std::vector<nats::PulledMessage> batch;
  while (!stopping()) {
    if (consumer == nullptr) {
      Status st = Status::ok();
      if (link == nullptr) {
        auto connected = nats::connect_jetstream(options.nats_url);
        if (connected)
          link = std::move(*connected);
        else
          st = connected.status();
      }
      if (st.is_ok()) {
        // An existing durable is used as it is: asking for another start
        // sequence than the one it was made with would be refused every
        // time (a restarted engine has moved its checkpoint since).
        jsConsumerInfo* ci = nullptr;
        const natsStatus found = js_GetConsumerInfo(&ci, link->js, options.stream.c_str(),
                                                    options.durable.c_str(), nullptr, nullptr);
        if (found == NATS_OK) {
          jsConsumerInfo_Destroy(ci);
        } else {  // a new durable starts after what was already asked for
          jsConsumerConfig cfg;
          jsConsumerConfig_Init(&cfg);
          cfg.Durable = options.durable.c_str();
          const std::string filter = options.subject_prefix + ".>";
          cfg.FilterSubject = filter.c_str();
          cfg.AckPolicy = js_AckExplicit;
          cfg.DeliverPolicy = js_DeliverByStartSequence;
          cfg.OptStartSeq = options.start_after + 1;
          auto made = nats::add_consumer(link->js, options.stream, cfg);
          if (!made)
            st = made.status();
        }
        if (st.is_ok()) {
          auto opened = nats::PullConsumer::open(link->nc, options.stream, options.durable);
          if (opened)
            consumer = std::move(*opened);
          else
            st = opened.status();
        }
      }
      if (!st.is_ok()) {
        if (options.on_error)
          options.on_error("cannot read the durable consumer " + options.durable + ": " +
                           st.to_string());
        pause(backoff);
        grow();
        continue;
      }
      backoff = std::chrono::milliseconds(100);
    }
    Status st = consumer->fetch(256, std::chrono::milliseconds(500), batch);
    if (!st.is_ok() && st.code() == ErrorCode::kNotFound) {
      if (options.on_error)
        options.on_error(st.to_string());
      consumer.reset();  // made again (or found again) on the next turn
      pause(backoff);
      grow();
      continue;
    }
    if (!st.is_ok()) {
      pause(backoff);  // NATS away: the library reconnects meanwhile
      grow();
      continue;
    }
    if (batch.empty())
      continue;
    backoff = std::chrono::milliseconds(100);
    for (const nats::PulledMessage& m : batch) {
      if (stopping())
        break;  // unacknowledged: redelivered to the next notifier
      std::vector<uint64_t> storage;
      auto view = decode_event_copy({reinterpret_cast<const uint8_t*>(natsMsg_GetData(m.msg)),
                                     static_cast<size_t>(natsMsg_GetDataLength(m.msg))},
                                    storage);
      if (!view.is_ok() || request(*view))
        (void)consumer->ack(m);  // an undecodable payload would never decode: dropped
      else
        (void)consumer->nak(m, std::chrono::seconds(1));
    }
    nats::destroy_pulled(batch);
  }
  nats::destroy_pulled(batch);
  consumer.reset();
  link.reset();
}

}  // namespace orderly::api::notify::email
