#include "api/fanout/nats_fanout.h"

#include <nats/nats.h>

#include <cstdlib>
#include <mutex>

#include "api/nats/jetstream.h"
#include "core/clock.h"
#include "eventstore/log_follower.h"

namespace orderly::api::fanout {

struct NatsFanout::Impl {
  const eventstore::EventStore& log;
  eventstore::EventStore& checkpoints;
  NatsFanoutOptions options;
  // Hands over the log from the checkpoint (less the republish margin),
  // retrying a slice NATS did not take after a backoff.
  std::unique_ptr<eventstore::LogFollower> follower;

  std::atomic<uint64_t> published_position{0}, published{0}, publish_errors{0};
  std::atomic<bool> connected{false};
  std::atomic<uint64_t> batch_errors{0};  // failed acks of the batch in flight

  std::unique_ptr<nats::JetStreamLink> link;
  jsCtx* js = nullptr;  // link's, while connected

  // The stream is the fan-out's own record of what went out: once per
  // start, the events it certainly holds are skipped (align_with_stream).
  bool aligned = false;
  uint64_t skip_through = 0;

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
    auto made = nats::connect_jetstream(options.url, &jo);
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

  // Reads where the stream is, so that a node whose checkpoint is behind it
  // does not send again what is there: a new leader of a replicated
  // cluster (issue 25) starts from its own checkpoint, as old as its last
  // turn as leader (or 0), and JetStream's duplicate window (10 minutes)
  // would not hide everything since. Publishing goes slice by slice, each
  // acknowledged whole before the next is sent, so whatever publisher last
  // fed the stream left every position up to its last message's minus one
  // slice (`batch`) in it: only the last slice it tried can have gaps (a
  // publish in its middle refused, later ones taken). Those are skipped.
  // False when the stream could not be read (retried with the slice).
  bool align_with_stream() {
    jsStreamInfo* info = nullptr;
    if (js_GetStreamInfo(&info, js, options.stream.c_str(), nullptr, nullptr) != NATS_OK)
      return false;
    const uint64_t last_sequence = info->State.LastSeq;
    jsStreamInfo_Destroy(info);
    aligned = true;
    if (last_sequence == 0)
      return true;  // empty: nothing to skip
    natsMsg* last = nullptr;
    if (js_GetMsg(&last, js, options.stream.c_str(), last_sequence, nullptr, nullptr) != NATS_OK)
      return true;  // deleted meanwhile: publish from the checkpoint, as without it
    const char* value = nullptr;
    uint64_t position = 0;
    if (natsMsgHeader_Get(last, "Orderly-Position", &value) == NATS_OK && value != nullptr)
      position = std::strtoull(value, nullptr, 10);
    natsMsg_Destroy(last);
    skip_through = position > options.batch ? position - options.batch : 0;
    return true;
  }

  // Publishes the slice's events after skip_through; true when JetStream
  // acknowledged every one.
  bool publish_batch(const eventstore::LogSlice& slice) {
    batch_errors.store(0);
    bool sent_all = true;
    for (const EventView& ev : slice.events) {
      if (ev.position() <= skip_through)
        continue;  // in the stream already (align_with_stream)
      natsMsg* msg = nullptr;
      const std::string subject = subject_of(options.subject_prefix, ev.type_name());
      const auto bytes = ev.bytes();
      if (natsMsg_Create(&msg, subject.c_str(), nullptr,
                         reinterpret_cast<const char*>(bytes.data()),
                         static_cast<int>(bytes.size())) != NATS_OK) {
        sent_all = false;
        break;
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
        break;
      }
    }
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MaxWait = options.ack_wait.count();
    const natsStatus done = js_PublishAsyncComplete(js, &po);
    if (done != NATS_OK) {
      // Unacknowledged messages: drop them; the slice is published again.
      natsMsgList pending;
      if (js_PublishAsyncGetPendingList(&pending, js) == NATS_OK)
        natsMsgList_Destroy(&pending);
    }
    return sent_all && done == NATS_OK && batch_errors.load() == 0;
  }

  // The follower's handler: the whole slice acknowledged, or none of it
  // (NATS down or refusing: the library reconnects, and the follower hands
  // the same slice over again after its backoff; JetStream drops what it
  // had already taken by its Nats-Msg-Id).
  eventstore::Handled publish(const eventstore::LogSlice& slice) {
    if ((!connected.load() && !connect()) || (!aligned && !align_with_stream())) {
      publish_errors.fetch_add(1);
      return {slice.first - 1, Status::io_error("cannot reach NATS JetStream at " + options.url)};
    }
    if (slice.last <= skip_through) {
      if (slice.last > published_position.load())
        published_position.store(slice.last);
      return {slice.last, Status::ok()};
    }
    if (!publish_batch(slice)) {
      publish_errors.fetch_add(1);
      return {slice.first - 1,
              Status::io_error("JetStream did not acknowledge positions " +
                               std::to_string(slice.first) + ".." + std::to_string(slice.last))};
    }
    if (slice.last > published_position.load())
      published_position.store(slice.last);
    return {slice.last, Status::ok()};
  }
};

NatsFanout::NatsFanout(const eventstore::EventStore& log, eventstore::EventStore& checkpoints,
                       NatsFanoutOptions options)
    : impl_(std::make_unique<Impl>(log, checkpoints, std::move(options))) {}

NatsFanout::~NatsFanout() {
  stop();
}

void NatsFanout::start() {
  if (impl_->follower)
    return;
  impl_->aligned = false;
  impl_->skip_through = 0;
  auto saved = impl_->checkpoints.load_checkpoint(impl_->options.checkpoint);
  const uint64_t position = saved ? *saved : 0;
  impl_->published_position.store(position);
  eventstore::FollowerOptions o;
  o.checkpoints = &impl_->checkpoints;  // advanced once JetStream has acknowledged
  // Republish a margin behind the checkpoint (see the header).
  o.start_after =
      position > impl_->options.republish_margin ? position - impl_->options.republish_margin : 0;
  o.max_chunk = impl_->options.batch;
  o.backoff = {std::chrono::milliseconds(100), impl_->options.max_backoff};
  impl_->follower = std::make_unique<eventstore::LogFollower>(
      impl_->log, impl_->options.checkpoint,
      [impl = impl_.get()](const eventstore::LogSlice& slice) { return impl->publish(slice); }, o);
  if (!impl_->follower->start().is_ok()) {
    impl_->publish_errors.fetch_add(1);  // its checkpoint unreadable: the store is failing
    impl_->follower.reset();
  }
}

void NatsFanout::stop() {
  if (!impl_->follower)
    return;
  impl_->follower->stop();
  impl_->follower.reset();
  impl_->disconnect();
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

}  // namespace orderly::api::fanout
