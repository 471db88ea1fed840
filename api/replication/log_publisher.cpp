#include "api/replication/log_publisher.h"

#include "api/nats/jetstream.h"
#include "api/replication/log_stream.h"
#include "core/thread_name.h"

namespace orderly::api::replication {

LogPublisher::LogPublisher(jsCtx* js, PublisherOptions options)
    : js_(js),
      o_(std::move(options)),
      last_sequence_(o_.last_sequence),
      replicated_position_(o_.replicated_position) {}

LogPublisher::~LogPublisher() {
  stop();
}

void LogPublisher::start() {
  if (!thread_.joinable())
    thread_ = std::thread([this] {
      name_this_thread("log-publisher");
      run();
    });
}

void LogPublisher::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    if (!failed_) {
      failed_ = true;
      failure_ = Status::unavailable("this node stopped replicating its log");
    }
  }
  cv_.notify_all();
  if (thread_.joinable())
    thread_.join();
}

void LogPublisher::offer(std::shared_ptr<const eventstore::ReplicatedCommit> commit) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(commit));
  }
  cv_.notify_all();
}

Status LogPublisher::wait_replicated(uint64_t position) {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return replicated_position_ >= position || failed_; });
  return replicated_position_ >= position ? Status::ok() : failure_;
}

PublisherStats LogPublisher::stats() const {
  std::lock_guard lock(mu_);
  return {last_sequence_, replicated_position_, messages_, retries_, queue_.size()};
}

void LogPublisher::give_up(Status why) {
  bool first = false;
  {
    std::lock_guard lock(mu_);
    if (!failed_) {
      failed_ = true;
      failure_ = std::move(why);
      first = true;
    }
  }
  cv_.notify_all();
  if (first && o_.on_failure)
    o_.on_failure(failure_);
}

void LogPublisher::run() {
  while (true) {
    std::shared_ptr<const eventstore::ReplicatedCommit> commit;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return !queue_.empty() || stopping_ || failed_; });
      if (stopping_ || failed_)
        return;
      commit = queue_.front();
    }
    for (size_t i = 0; i < commit->records.size(); ++i) {
      if (!publish(commit->records[i], i + 1 == commit->records.size()))
        return;
    }
    {
      std::lock_guard lock(mu_);
      queue_.pop_front();
    }
  }
}

bool LogPublisher::publish(const eventstore::ReplicatedRecord& record, bool commit_end) {
  const uint64_t last = eventstore::record_last_position(record);
  uint64_t expected = 0;
  {
    std::lock_guard lock(mu_);
    expected = last_sequence_;
  }
  bool retried = false;
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (stopping_ || failed_)
        return false;
    }
    if (o_.lease_valid && !o_.lease_valid()) {
      give_up(Status::unavailable(
          "this node's leader lease could not be renewed in time: it no longer acknowledges "
          "commands"));
      return false;
    }
    auto msg = log_message(record, o_.term, commit_end, expected);
    if (!msg) {
      give_up(msg.status());
      return false;
    }
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MaxWait = o_.publish_timeout.count();
    jsPubAck* ack = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    const natsStatus s = js_PublishMsg(&ack, js_, *msg, &po, &jerr);
    natsMsg_Destroy(*msg);
    uint64_t sequence = 0;
    if (s == NATS_OK) {
      sequence = ack->Sequence;
      jsPubAck_Destroy(ack);
    } else if (jerr == JSStreamWrongLastSequenceErr && retried) {
      // An earlier try may have reached the stream after all (its answer
      // was lost): then the message after `expected` is ours.
      natsMsg* there = nullptr;
      if (js_GetMsg(&there, js_, kLogStream, expected + 1, nullptr, nullptr) == NATS_OK) {
        auto parsed = parse_log_message(there);
        if (parsed && parsed->term == o_.term &&
            parsed->record.first_position == record.first_position &&
            parsed->record.bytes == record.bytes)
          sequence = expected + 1;
        natsMsg_Destroy(there);
      }
    }
    if (sequence == 0 && jerr == JSStreamWrongLastSequenceErr) {
      give_up(Status::unavailable(
          "another node appended to the replicated log: this node is no longer the leader"));
      return false;
    }
    if (sequence != 0) {
      {
        std::lock_guard lock(mu_);
        last_sequence_ = sequence;
        ++messages_;
        if (commit_end)
          replicated_position_ = last;
      }
      if (commit_end)
        cv_.notify_all();
      return true;
    }
    // No answer (no quorum for now, a server restarting): try again.
    retried = true;
    {
      std::unique_lock lock(mu_);
      ++retries_;
      cv_.wait_for(lock, std::chrono::milliseconds(50), [&] { return stopping_ || failed_; });
    }
  }
}

}  // namespace orderly::api::replication
