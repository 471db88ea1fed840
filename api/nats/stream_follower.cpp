#include "api/nats/stream_follower.h"

#include <atomic>
#include <chrono>
#include <thread>

#include "api/nats/jetstream.h"

namespace orderly::api {

namespace {

// A consumer nobody asks for any more is removed by the server after this.
constexpr int64_t kInactiveThresholdNs = 60'000'000'000;
constexpr int kBatch = 256;
constexpr int64_t kFetchWaitMs = 1000;

std::string nats_error(const char* what, natsStatus s) {
  return std::string(what) + ": " + natsStatus_GetText(s) + " (" + nats_GetLastError(nullptr) + ")";
}

}  // namespace

struct StreamFollower::Impl {
  FollowOptions o;
  std::atomic<bool> stopping{false}, has_sub{false};
  std::atomic<uint64_t> last_stream{0};
  std::thread thread;
  // The follower thread's alone once it runs.
  std::unique_ptr<JetStreamLink> link;
  natsSubscription* sub = nullptr;
  uint64_t last_consumer = 0;  // the consumer sequence of the last message fetched
  bool positioned = false;     // where to start is known (the first subscription was made)
  std::string stream;          // the stream's name, learnt at the first subscription
  bool caught_up = false;

  explicit Impl(FollowOptions options) : o(std::move(options)) {}

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

  void drop_sub() {
    if (sub) {
      natsSubscription_Unsubscribe(sub);  // deletes the consumer when NATS is there
      natsSubscription_Destroy(sub);
      sub = nullptr;
    }
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
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Config.AckPolicy = js_AckNone;
    so.Config.InactiveThreshold = kInactiveThresholdNs;
    so.Config.MemoryStorage = true;  // lost with a NATS restart: re-made from last_stream
    if (positioned && !stream.empty()) {
      // A stream now shorter than what was handed over was made anew, or
      // lost its tail (an unclean NATS stop): follow it from its end, or
      // every new message would look like a repeat.
      jsStreamInfo* si = nullptr;
      if (js_GetStreamInfo(&si, link->js, stream.c_str(), nullptr, nullptr) == NATS_OK) {
        if (si->State.LastSeq < last_stream.load()) {
          error("stream " + stream + " ends at " + std::to_string(si->State.LastSeq) +
                ", before the " + std::to_string(last_stream.load()) +
                " already handed over: following it from there");
          last_stream.store(si->State.LastSeq);
        }
        jsStreamInfo_Destroy(si);
      }
    }
    if (positioned) {
      so.Config.DeliverPolicy = js_DeliverByStartSequence;
      so.Config.OptStartSeq = last_stream.load() + 1;
    } else {
      so.Config.DeliverPolicy = o.from_first ? js_DeliverAll : js_DeliverNew;
    }
    natsSubscription* s = nullptr;
    natsStatus st =
        js_PullSubscribe(&s, link->js, o.subject.c_str(), nullptr, nullptr, &so, nullptr);
    if (st != NATS_OK) {
      error(nats_error(("cannot follow " + o.subject).c_str(), st));
      return false;
    }
    jsConsumerInfo* ci = nullptr;
    st = natsSubscription_GetConsumerInfo(&ci, s, nullptr, nullptr);
    if (st != NATS_OK) {
      natsSubscription_Unsubscribe(s);
      natsSubscription_Destroy(s);
      error(nats_error("cannot read the new consumer", st));
      return false;
    }
    if (!positioned) {
      positioned = true;
      if (ci->Stream != nullptr)
        stream = ci->Stream;
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
    sub = s;
    has_sub.store(true);
    return true;
  }

  // An idle follower asks after its consumer: one lost with a NATS restart
  // would otherwise leave every fetch timing out.
  void check_consumer() {
    jsConsumerInfo* ci = nullptr;
    const natsStatus st = natsSubscription_GetConsumerInfo(&ci, sub, nullptr, nullptr);
    if (st == NATS_TIMEOUT || st == NATS_CONNECTION_CLOSED || st == NATS_CONNECTION_DISCONNECTED)
      return;  // NATS away: the library reconnects, ask again later
    if (st != NATS_OK) {
      error(nats_error("the consumer is gone, making it again", st));
      drop_sub();
      return;
    }
    if (ci->NumPending == 0)
      mark_caught_up();
    jsConsumerInfo_Destroy(ci);
  }

  // Hands over one batch; false when the consumer must be made again.
  bool hand_over(natsMsgList& list) {
    for (int i = 0; i < list.Count && !stopping.load(); ++i) {
      natsMsg* msg = list.Msgs[i];
      jsMsgMetaData* meta = nullptr;
      if (natsMsg_GetMetaData(&meta, msg) != NATS_OK)
        return false;
      const uint64_t consumer_seq = meta->Sequence.Consumer;
      const uint64_t stream_seq = meta->Sequence.Stream;
      const uint64_t pending = meta->NumPending;
      jsMsgMetaData_Destroy(meta);
      if (consumer_seq != last_consumer + 1) {
        error("a gap in the consumer's sequence: making it again");
        return false;  // re-made from last_stream: nothing skipped
      }
      last_consumer = consumer_seq;
      if (stream_seq > last_stream.load()) {
        o.on_message(msg, stream_seq);
        last_stream.store(stream_seq);
      }
      if (pending == 0)
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
      if (sub == nullptr) {
        if (!subscribe()) {
          pause(backoff);
          grow();
          continue;
        }
        backoff = std::chrono::milliseconds(100);
        idle_ms = 0;
      }
      natsMsgList list{};
      const natsStatus st = natsSubscription_Fetch(&list, sub, kBatch, kFetchWaitMs, nullptr);
      if (st == NATS_TIMEOUT) {
        idle_ms += kFetchWaitMs;
        if (idle_ms >= static_cast<int64_t>(o.idle_check_ms)) {
          idle_ms = 0;
          check_consumer();
        }
        continue;
      }
      if (st != NATS_OK) {
        error(nats_error("fetch failed, making the consumer again", st));
        drop_sub();
        pause(backoff);
        grow();
        continue;
      }
      idle_ms = 0;
      const bool in_order = hand_over(list);
      natsMsgList_Destroy(&list);
      if (!in_order)
        drop_sub();
    }
    drop_sub();
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

}  // namespace orderly::api
