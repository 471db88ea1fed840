#include "api/fanout/nats_fanout.h"

#include <nats/nats.h>

#include <mutex>

#include "api/nats/jetstream.h"
#include "core/clock.h"

namespace orderly::api {

struct NatsFanout::Impl {
  const eventstore::EventStore& log;
  eventstore::EventStore& checkpoints;
  NatsFanoutOptions options;
  std::thread thread;
  std::atomic<bool> stopping{false};

  std::atomic<uint64_t> published_position{0}, published{0}, publish_errors{0};
  std::atomic<bool> connected{false};
  std::atomic<uint64_t> batch_errors{0};  // failed acks of the batch in flight

  std::unique_ptr<JetStreamLink> link;
  jsCtx* js = nullptr;  // link's, while connected

  Impl(const eventstore::EventStore& l, eventstore::EventStore& c, NatsFanoutOptions o)
      : log(l), checkpoints(c), options(std::move(o)) {}

  static void on_ack(jsCtx*, natsMsg* msg, jsPubAck*, jsPubAckErr* err, void* closure) {
    auto* self = static_cast<Impl*>(closure);
    if (err != nullptr)
      self->batch_errors.fetch_add(1);
    else
      self->published.fetch_add(1);
    natsMsg_Destroy(msg);
  }

  void disconnect() {
    js = nullptr;
    link.reset();
    connected.store(false);
  }

  bool connect() {
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.PublishAsync.MaxPending = options.window;
    jo.PublishAsync.AckHandler = &Impl::on_ack;
    jo.PublishAsync.AckHandlerClosure = this;
    jo.Wait = options.ack_wait.count();
    auto made = connect_jetstream(options.url, &jo);
    if (!made)
      return false;
    link = std::move(*made);
    js = link->js;
    // The stream, created when missing.
    jsStreamInfo* info = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    natsStatus s = js_GetStreamInfo(&info, js, options.stream.c_str(), nullptr, &jerr);
    if (s == NATS_NOT_FOUND) {
      jsStreamConfig cfg;
      jsStreamConfig_Init(&cfg);
      cfg.Name = options.stream.c_str();
      const std::string subjects = options.subject_prefix + ".>";
      const char* list[] = {subjects.c_str()};
      cfg.Subjects = list;
      cfg.SubjectsLen = 1;
      cfg.Storage = js_FileStorage;
      cfg.Duplicates = int64_t{10} * 60 * 1'000'000'000;  // 10 min of Nats-Msg-Id memory
      s = js_AddStream(&info, js, &cfg, nullptr, &jerr);
    }
    if (info)
      jsStreamInfo_Destroy(info);
    if (s != NATS_OK) {
      disconnect();
      return false;
    }
    connected.store(true);
    return true;
  }

  // Publishes (from, to]; true when JetStream acknowledged every message.
  bool publish_batch(uint64_t from, uint64_t* last) {
    eventstore::LogQuery q;
    q.from_position = from;
    q.limit = options.batch;
    batch_errors.store(0);
    bool sent_all = true;
    uint64_t sent_to = from - 1;
    Status st = log.scan(q, [&](const EventView& ev) {
      natsMsg* msg = nullptr;
      const std::string subject = subject_of(options.subject_prefix, ev.type_name());
      const auto bytes = ev.bytes();
      if (natsMsg_Create(&msg, subject.c_str(), nullptr,
                         reinterpret_cast<const char*>(bytes.data()),
                         static_cast<int>(bytes.size())) != NATS_OK) {
        sent_all = false;
        return false;
      }
      const std::string position = std::to_string(ev.position());
      natsMsgHeader_Set(msg, "Nats-Msg-Id", position.c_str());
      natsMsgHeader_Set(msg, "Orderly-Position", position.c_str());
      natsMsgHeader_Set(msg, "Orderly-Type", std::string(ev.type_name()).c_str());
      natsMsgHeader_Set(msg, "Orderly-Stream", std::string(ev.stream()).c_str());
      natsMsgHeader_Set(msg, "Orderly-Time", format_rfc3339(ev.time_us()).c_str());
      if (js_PublishMsgAsync(js, &msg, nullptr) != NATS_OK) {
        natsMsg_Destroy(msg);  // not taken: ours to free
        sent_all = false;
        return false;
      }
      sent_to = ev.position();
      return true;
    });
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MaxWait = options.ack_wait.count();
    const natsStatus done = js_PublishAsyncComplete(js, &po);
    if (done != NATS_OK) {
      // Unacknowledged messages: drop them; the batch is published again.
      natsMsgList pending;
      if (js_PublishAsyncGetPendingList(&pending, js) == NATS_OK)
        natsMsgList_Destroy(&pending);
    }
    *last = sent_to;
    return st.is_ok() && sent_all && done == NATS_OK && batch_errors.load() == 0 && sent_to >= from;
  }

  void run() {
    auto saved = checkpoints.load_checkpoint(options.checkpoint);
    uint64_t position = saved ? *saved : 0;
    published_position.store(position);
    // Republish a margin behind the checkpoint (see the header).
    uint64_t next =
        position > options.republish_margin ? position - options.republish_margin + 1 : 1;
    std::chrono::milliseconds backoff(100);
    while (!stopping.load()) {
      if (!connected.load() && !connect()) {
        publish_errors.fetch_add(1);
        sleep_for(backoff);
        backoff = std::min(backoff * 2, options.max_backoff);
        continue;
      }
      if (log.last_position() < next) {
        log.wait_for_position(next, std::chrono::milliseconds(200));
        continue;
      }
      uint64_t last = 0;
      if (!publish_batch(next, &last)) {
        // NATS down or refusing: the library reconnects; retry the same batch.
        publish_errors.fetch_add(1);
        sleep_for(backoff);
        backoff = std::min(backoff * 2, options.max_backoff);
        continue;
      }
      backoff = std::chrono::milliseconds(100);
      next = last + 1;
      if (last > published_position.load()) {
        published_position.store(last);
        (void)checkpoints.save_checkpoint(options.checkpoint, last);
      }
    }
    disconnect();
  }

  void sleep_for(std::chrono::milliseconds d) {
    const auto until = std::chrono::steady_clock::now() + d;
    while (!stopping.load() && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
};

NatsFanout::NatsFanout(const eventstore::EventStore& log, eventstore::EventStore& checkpoints,
                       NatsFanoutOptions options)
    : impl_(std::make_unique<Impl>(log, checkpoints, std::move(options))) {}

NatsFanout::~NatsFanout() {
  stop();
}

void NatsFanout::start() {
  if (impl_->thread.joinable())
    return;
  impl_->stopping.store(false);
  impl_->thread = std::thread([this] { impl_->run(); });
}

void NatsFanout::stop() {
  impl_->stopping.store(true);
  if (impl_->thread.joinable())
    impl_->thread.join();
}

FanoutStats NatsFanout::stats() const {
  FanoutStats s;
  s.published_position = impl_->published_position.load();
  s.published = impl_->published.load();
  s.publish_errors = impl_->publish_errors.load();
  s.connected = impl_->connected.load();
  return s;
}

std::string NatsFanout::subject_of(std::string_view prefix, std::string_view type_name) {
  // "order.placed" is already <aggregate>.<event>.
  std::string out(prefix);
  out += '.';
  out += type_name;
  return out;
}

}  // namespace orderly::api
