#include "api/replication/log_publisher.h"

#include <cstdlib>

#include "api/nats/jetstream.h"
#include "api/replication/log_stream.h"
#include "core/thread_name.h"

namespace orderly::api::replication {

LogPublisher::LogPublisher(natsConnection* nc, jsCtx* js, PublisherOptions options)
    : js_(js),
      o_(std::move(options)),
      last_sequence_(o_.last_sequence),
      replicated_position_(o_.replicated_position) {
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.PublishAsync.AckHandler = &LogPublisher::on_answer;
  jo.PublishAsync.AckHandlerClosure = this;
  jo.PublishAsync.MaxPending = static_cast<int64_t>(o_.window);
  if (nc == nullptr || o_.window < 2 || natsConnection_JetStream(&async_js_, nc, &jo) != NATS_OK)
    async_js_ = nullptr;
}

LogPublisher::~LogPublisher() {
  stop();
  if (async_js_ != nullptr)
    jsCtx_Destroy(async_js_);
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
  if (commit->records.empty())
    return;  // nothing to send, and the queue pops a commit at its last record
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
  return {last_sequence_, replicated_position_, messages_, retries_, queue_.size(), windows_};
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
  std::vector<Outgoing> window;
  while (true) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return !queue_.empty() || stopping_ || failed_; });
      if (stopping_ || failed_)
        return;
    }
    next_window(window);
    if (window.size() > 1 && async_js_ != nullptr) {
      if (!publish_window(window))
        return;
      continue;
    }
    for (const Outgoing& out : window) {
      const uint64_t sequence = publish(*out.record, out.commit_end, false);
      if (sequence == 0)
        return;
      taken(sequence, out);
    }
  }
}

void LogPublisher::next_window(std::vector<Outgoing>& out) {
  out.clear();
  std::lock_guard lock(mu_);
  size_t bytes = 0, skip = front_taken_;
  for (const auto& commit : queue_) {
    for (size_t i = skip; i < commit->records.size(); ++i) {
      const size_t size = commit->records[i].bytes.size();
      if (!out.empty() && (out.size() >= o_.window || bytes + size > o_.window_bytes))
        return;
      out.push_back({&commit->records[i], i + 1 == commit->records.size()});
      bytes += size;
    }
    skip = 0;
  }
}

void LogPublisher::taken(uint64_t sequence, const Outgoing& record) {
  {
    std::lock_guard lock(mu_);
    last_sequence_ = sequence;
    ++messages_;
    if (record.commit_end) {
      replicated_position_ = eventstore::record_last_position(*record.record);
      queue_.pop_front();  // its records were the first ones taken, in order
      front_taken_ = 0;
    } else {
      ++front_taken_;
    }
  }
  if (record.commit_end)
    cv_.notify_all();
}

void LogPublisher::on_answer(jsCtx*, natsMsg* msg, jsPubAck* ack, jsPubAckErr* err, void* closure) {
  auto* self = static_cast<LogPublisher*>(closure);
  const char* value = nullptr;
  const uint64_t position =
      natsMsgHeader_Get(msg, "Orderly-Position", &value) == NATS_OK && value != nullptr
          ? std::strtoull(value, nullptr, 10)
          : 0;
  {
    std::lock_guard lock(self->answer_mu_);
    for (size_t i = 0; i < self->window_positions_.size(); ++i) {
      if (self->window_positions_[i] == position) {
        self->answers_[i].taken = err == nullptr && ack != nullptr;
        self->answers_[i].sequence = self->answers_[i].taken ? ack->Sequence : 0;
        break;
      }
    }
  }
  natsMsg_Destroy(msg);
}

bool LogPublisher::publish_window(const std::vector<Outgoing>& window) {
  if (o_.lease_valid && !o_.lease_valid()) {
    give_up(Status::unavailable(
        "this node's leader lease could not be renewed in time: it no longer acknowledges "
        "commands"));
    return false;
  }
  uint64_t base = 0;
  {
    std::lock_guard lock(mu_);
    base = last_sequence_;
    ++windows_;
  }
  {
    std::lock_guard lock(answer_mu_);
    window_positions_.clear();
    for (const Outgoing& out : window)
      window_positions_.push_back(out.record->first_position);
    answers_.assign(window.size(), Answer{});
  }
  size_t sent = 0;
  for (; sent < window.size(); ++sent) {
    auto msg = log_message(*window[sent].record, o_.term, window[sent].commit_end, base + sent);
    if (!msg) {
      give_up(msg.status());
      return false;
    }
    natsMsg* m = *msg;
    if (js_PublishMsgAsync(async_js_, &m, nullptr) != NATS_OK) {
      natsMsg_Destroy(m);  // not taken by the library: ours to free
      break;
    }
  }
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MaxWait = o_.publish_timeout.count();
  if (js_PublishAsyncComplete(async_js_, &po) != NATS_OK) {
    // Answers still missing: forget those messages (their answers, if they
    // come, find no one); the careful path below finds out where they went.
    natsMsgList pending;
    if (js_PublishAsyncGetPendingList(&pending, async_js_) == NATS_OK)
      natsMsgList_Destroy(&pending);
  }
  std::vector<Answer> answers;
  {
    std::lock_guard lock(answer_mu_);
    answers.swap(answers_);
    window_positions_.clear();
  }
  size_t i = 0;
  while (i < sent && answers[i].taken && answers[i].sequence == base + i + 1) {
    taken(answers[i].sequence, window[i]);
    ++i;
  }
  if (i == window.size())
    return true;
  // The first record not taken: refused (another node appended, or its
  // predecessor was not taken), unanswered, or not sent. The careful path
  // settles it; the rest of the window goes again in the next one.
  {
    std::lock_guard lock(mu_);
    ++retries_;
  }
  const uint64_t sequence = publish(*window[i].record, window[i].commit_end, i < sent);
  if (sequence == 0)
    return false;
  taken(sequence, window[i]);
  return true;
}

uint64_t LogPublisher::publish(const eventstore::ReplicatedRecord& record, bool commit_end,
                               bool maybe_there) {
  uint64_t expected = 0;
  {
    std::lock_guard lock(mu_);
    expected = last_sequence_;
  }
  bool retried = maybe_there;
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (stopping_ || failed_)
        return 0;
    }
    if (o_.lease_valid && !o_.lease_valid()) {
      give_up(Status::unavailable(
          "this node's leader lease could not be renewed in time: it no longer acknowledges "
          "commands"));
      return 0;
    }
    auto msg = log_message(record, o_.term, commit_end, expected);
    if (!msg) {
      give_up(msg.status());
      return 0;
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
      return 0;
    }
    if (sequence != 0)
      return sequence;
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
