#include "commands/ws_push_recorder.h"

#include <algorithm>

#include "commands/notification.h"
#include "commands/processor.h"
#include "core/ids.h"

namespace orderly::commands {

WebSocketPushRecorder::Submit WebSocketPushRecorder::through(CommandProcessor& processor) {
  return [&processor](const RecordWebSocketPushes& batch) -> Status {
    CommandMeta engine;
    engine.role = Role::kEngine;
    engine.now = now_us();
    auto r = processor.execute(batch, engine);
    return r.is_ok() ? Status::ok() : r.status();
  };
}

WebSocketPushRecorder::WebSocketPushRecorder(Submit submit, std::chrono::milliseconds interval,
                                             size_t max_batch, size_t max_pending)
    : submit_(std::move(submit)),
      interval_(interval),
      max_batch_(std::clamp<size_t>(max_batch, 1, kMaxPushesPerBatch)),
      max_pending_(std::max(max_pending, max_batch_)),
      thread_([this] { run(); }) {}

WebSocketPushRecorder::~WebSocketPushRecorder() {
  stop();
}

void WebSocketPushRecorder::record(WebSocketPushOutcome outcome) {
  if (outcome.pushed_at == 0)
    outcome.pushed_at = now_us();
  if (outcome.notification_id.is_nil())
    outcome.notification_id = *Uuid::parse(new_uuid_v7(outcome.pushed_at));
  bool wake = false;
  {
    MutexLock lock(mu_);
    if (stopping_ || pending_.size() >= max_pending_) {
      ++lost_;
      return;
    }
    pending_.push_back(std::move(outcome));
    wake = pending_.size() == max_batch_;
  }
  if (wake)
    cv_.notify_one();
}

Status WebSocketPushRecorder::flush() {
  MutexLock one_at_a_time(flush_mu_);
  std::vector<WebSocketPushOutcome> taken;
  {
    MutexLock lock(mu_);
    taken.swap(pending_);
  }
  Status last;
  for (size_t at = 0; at < taken.size();) {
    const auto first = taken.begin() + static_cast<std::ptrdiff_t>(at);
    const size_t n = std::min(max_batch_, taken.size() - at);
    RecordWebSocketPushes batch;
    batch.batch_id = *Uuid::parse(new_uuid_v7());
    batch.pushes.assign(std::make_move_iterator(first),
                        std::make_move_iterator(first + static_cast<std::ptrdiff_t>(n)));
    Status st = submit_(batch);
    if (st.is_ok()) {
      at += n;
      continue;
    }
    MutexLock lock(mu_);
    if (st.code() == ErrorCode::kOverloaded && !stopping_) {
      // This batch and those after it go back in front, in order: the next
      // interval tries again (bounded by max_pending: what does not fit is
      // lost).
      std::vector<WebSocketPushOutcome> back = std::move(batch.pushes);
      back.insert(back.end(), std::make_move_iterator(first + static_cast<std::ptrdiff_t>(n)),
                  std::make_move_iterator(taken.end()));
      const size_t room = max_pending_ > pending_.size() ? max_pending_ - pending_.size() : 0;
      const size_t keep = std::min(room, back.size());
      pending_.insert(pending_.begin(), std::make_move_iterator(back.begin()),
                      std::make_move_iterator(back.begin() + static_cast<std::ptrdiff_t>(keep)));
      lost_ += back.size() - keep;
      return st;
    }
    lost_ += n;  // refused for good (or shutting down)
    last = st;
    at += n;
  }
  return last;
}

void WebSocketPushRecorder::stop() {
  {
    MutexLock lock(mu_);
    if (stopping_)
      return;
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
  (void)flush();
}

uint64_t WebSocketPushRecorder::lost() const {
  MutexLock lock(mu_);
  return lost_;
}

void WebSocketPushRecorder::run() {
  bool back_off = false;
  while (true) {
    {
      MutexLock lock(mu_);
      if (back_off) {  // a whole interval, even with a full batch waiting
        const auto until = std::chrono::steady_clock::now() + interval_;
        while (!stopping_ && lock.wait_until(cv_, until)) {
        }
        back_off = false;
      }
      if (stopping_)
        return;
      const auto deadline = std::chrono::steady_clock::now() + interval_;
      while (!stopping_ && pending_.size() < max_batch_ && lock.wait_until(cv_, deadline)) {
      }
      if (stopping_)
        return;
      if (pending_.empty())
        continue;
    }
    back_off = !flush().is_ok();
  }
}

}  // namespace orderly::commands
