#include "api/nats/stream_follower.h"

#include <atomic>
#include <chrono>
#include <thread>

#include "api/nats/jetstream.h"
#include "api/nats/pull_consumer.h"

namespace orderly::api::nats {

namespace {

// A consumer nobody asks for any more is removed by the server after this.
constexpr int64_t kInactiveThresholdNs = 60'000'000'000;
constexpr int kBatch = 256;
constexpr int64_t kFetchWaitMs = 1000;

}  // namespace

struct StreamFollower::Impl {
  FollowOptions o;
  std::atomic<bool> stopping{false}, has_sub{false};
  std::atomic<uint64_t> last_stream{0};
  std::thread thread;
  // The follower thread's alone once it runs.
  std::unique_ptr<JetStreamLink> link;
  std::unique_ptr<PullConsumer> consumer;
  std::vector<PulledMessage> batch;
  uint64_t last_consumer = 0;  // the consumer sequence of the last message fetched
  bool positioned = false;     // where to start is known (the first subscription was made)
  bool caught_up = false;

  explicit Impl(FollowOptions options) : o(std::move(options)) {
    if (o.after_sequence > 0) {
      last_stream.store(o.after_sequence);
      positioned = true;
    }
  }

  void error(const std::string& why) {
    if (o.on_error)
      o.on_error(why);
  }

  void mark_caught_up() {
    if (caught_up)
      return;
    caught_up = true;
    if (o.on_caught_up)
      o.on_caught_up();
  }

  void drop_consumer() {
    if (consumer && link &&
        natsConnection_Status(link->nc) == NATS_CONN_STATUS_CONNECTED) {  // else it times out
      (void)js_DeleteConsumer(link->js, o.stream.c_str(), consumer->consumer().c_str(), nullptr,
                              nullptr);
    }
    consumer.reset();
    has_sub.store(false);
  }

  bool subscribe() {
    if (link && natsConnection_Status(link->nc) == NATS_CONN_STATUS_CLOSED)
      link.reset();
    if (!link) {
      auto connected = connect_jetstream(o.url);
      if (!connected) {
        error(connected.status().message());
        return false;
      }
      link = std::move(*connected);
    }
    if (positioned) {
      // A stream now shorter than what was handed over was made anew, or
      // lost its tail (an unclean NATS stop): follow it from its end, or
      // every new message would look like a repeat.
      jsStreamInfo* si = nullptr;
      if (js_GetStreamInfo(&si, link->js, o.stream.c_str(), nullptr, nullptr) == NATS_OK) {
        if (si->State.LastSeq < last_stream.load()) {
          error("stream " + o.stream + " ends at " + std::to_string(si->State.LastSeq) +
                ", before the " + std::to_string(last_stream.load()) +
                " already handed over: following it from there");
          last_stream.store(si->State.LastSeq);
        }
        jsStreamInfo_Destroy(si);
      }
    }
    jsConsumerConfig cfg;
    jsConsumerConfig_Init(&cfg);
    cfg.FilterSubject = o.subject.c_str();
    cfg.AckPolicy = js_AckNone;
    cfg.InactiveThreshold = kInactiveThresholdNs;
    cfg.MemoryStorage = true;  // lost with a NATS restart: re-made from last_stream
    if (positioned) {
      cfg.DeliverPolicy = js_DeliverByStartSequence;
      cfg.OptStartSeq = last_stream.load() + 1;
    } else {
      cfg.DeliverPolicy = o.from_first ? js_DeliverAll : js_DeliverNew;
    }
    auto name = add_consumer(link->js, o.stream, cfg);
    if (!name) {
      error("cannot follow " + o.subject + ": " + name.status().to_string());
      return false;
    }
    jsConsumerInfo* ci = nullptr;
    const natsStatus st =
        js_GetConsumerInfo(&ci, link->js, o.stream.c_str(), name->c_str(), nullptr, nullptr);
    if (st != NATS_OK) {
      (void)js_DeleteConsumer(link->js, o.stream.c_str(), name->c_str(), nullptr, nullptr);
      error(nats_error("cannot read the new consumer", st));
      return false;
    }
    auto opened = PullConsumer::open(link->nc, o.stream, *name);
    if (!opened) {
      jsConsumerInfo_Destroy(ci);
      (void)js_DeleteConsumer(link->js, o.stream.c_str(), name->c_str(), nullptr, nullptr);
      error(opened.status().to_string());
      return false;
    }
    if (!positioned) {
      positioned = true;
      // Starting at the newest: what the stream held is behind us. (From
      // the first message, last_stream stays 0: the re-made consumer then
      // starts at the first message still there.)
      if (!o.from_first && ci->Delivered.Stream < (uint64_t{1} << 62))
        last_stream.store(ci->Delivered.Stream);
      if (ci->NumPending == 0)
        mark_caught_up();
    }
    jsConsumerInfo_Destroy(ci);
    last_consumer = 0;
    consumer = std::move(*opened);
    has_sub.store(true);
    return true;
  }

  // An idle follower asks after its consumer: one lost with a NATS restart
  // would otherwise leave every fetch empty.
  void check_consumer() {
    jsConsumerInfo* ci = nullptr;
    const natsStatus st = js_GetConsumerInfo(&ci, link->js, o.stream.c_str(),
                                             consumer->consumer().c_str(), nullptr, nullptr);
    if (st == NATS_TIMEOUT || st == NATS_CONNECTION_CLOSED || st == NATS_CONNECTION_DISCONNECTED)
      return;  // NATS away: the library reconnects, ask again later
    if (st != NATS_OK) {
      error(nats_error("the consumer is gone, making it again", st));
      drop_consumer();
      return;
    }
    if (ci->NumPending == 0)
      mark_caught_up();
    jsConsumerInfo_Destroy(ci);
  }

  // Hands over one batch; false when the consumer must be made again.
  bool hand_over() {
    for (const PulledMessage& m : batch) {
      if (stopping.load())
        break;
      if (m.consumer_sequence != last_consumer + 1) {
        error("a gap in the consumer's sequence: making it again");
        return false;  // re-made from last_stream: nothing skipped
      }
      last_consumer = m.consumer_sequence;
      if (m.stream_sequence > last_stream.load()) {
        o.on_message(m.msg, m.stream_sequence);
        last_stream.store(m.stream_sequence);
      }
      if (m.pending == 0)
        mark_caught_up();
    }
    return true;
  }

  void pause(std::chrono::milliseconds d) {
    const auto until = std::chrono::steady_clock::now() + d;
    while (!stopping.load() && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }

  void run() {
    std::chrono::milliseconds backoff(100);
    auto grow = [&] { backoff = std::min(backoff * 2, std::chrono::milliseconds(5000)); };
    int64_t idle_ms = 0;
    while (!stopping.load()) {
      if (consumer == nullptr) {
        if (!subscribe()) {
          pause(backoff);
          grow();
          continue;
        }
        backoff = std::chrono::milliseconds(100);
        idle_ms = 0;
      }
      const Status st = consumer->fetch(kBatch, std::chrono::milliseconds(kFetchWaitMs), batch);
      if (!st.is_ok()) {
        destroy_pulled(batch);
        error("fetch failed, making the consumer again: " + st.to_string());
        drop_consumer();
        pause(backoff);
        grow();
        continue;
      }
      if (batch.empty()) {
        idle_ms += kFetchWaitMs;
        if (idle_ms >= static_cast<int64_t>(o.idle_check_ms)) {
          idle_ms = 0;
          check_consumer();
        }
        continue;
      }
      idle_ms = 0;
      const bool in_order = hand_over();
      destroy_pulled(batch);
      if (!in_order)
        drop_consumer();
    }
    destroy_pulled(batch);
    drop_consumer();
    link.reset();
  }
};

StreamFollower::StreamFollower(FollowOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

StreamFollower::~StreamFollower() {
  stop();
}

void StreamFollower::start() {
  if (!impl_->thread.joinable())
    impl_->thread = std::thread([this] { impl_->run(); });
}

bool StreamFollower::try_start() {
  if (impl_->thread.joinable())
    return true;
  if (!impl_->subscribe()) {
    impl_->link.reset();
    return false;
  }
  start();
  return true;
}

void StreamFollower::stop() {
  impl_->stopping.store(true);
  if (impl_->thread.joinable())
    impl_->thread.join();
}

bool StreamFollower::subscribed() const {
  return impl_->has_sub.load();
}

uint64_t StreamFollower::last_sequence() const {
  return impl_->last_stream.load();
}

}  // namespace orderly::api::nats
