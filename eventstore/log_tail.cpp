#include "eventstore/log_tail.h"

#include <algorithm>

namespace orderly::eventstore {

LogTail::LogTail(const EventStore& log, LogTailOptions options) : log_(log), options_(options) {}

void LogTail::attach() {
  MutexLock lock(mu_);
  if (attached_++ > 0 || stopped_)
    return;
  sharing_.store(true);
  window_.clear();
  window_positions_ = window_bytes_ = 0;
  published_ = log_.last_position();
  stats_.position = published_;
}

void LogTail::detach() {
  MutexLock lock(mu_);
  if (attached_ > 0 && --attached_ == 0) {
    sharing_.store(false);
    window_.clear();
    window_positions_ = window_bytes_ = 0;
  }
}

void LogTail::wake() {
  { MutexLock lock(mu_); }  // a waiter between its check and its wait sees it
  cv_.notify_all();
}

void LogTail::stop() {
  {
    MutexLock lock(mu_);
    stopped_ = true;
    sharing_.store(false);
    window_.clear();
    window_positions_ = window_bytes_ = 0;
  }
  cv_.notify_all();
}

LogTailStats LogTail::stats() const {
  MutexLock lock(mu_);
  return stats_;
}

void LogTail::offer(std::shared_ptr<const LogBatch> batch) {
  MutexLock lock(mu_);
  // Only the reader publishes while it reads (published_ stays put for it).
  if (stopped_ || attached_ == 0 || reading_ || batch->first != published_ + 1)
    return;
  publish(std::move(batch));
}

void LogTail::publish(std::shared_ptr<const LogBatch> batch) {
  const LogBatch& b = *batch;
  ++stats_.batches;
  stats_.events += b.events.size();
  stats_.position = b.last;
  stats_.last_error = Status::ok();
  window_positions_ += b.last - b.first + 1;
  window_bytes_ += b.bytes();
  published_ = b.last;
  window_.push_back(std::move(batch));
  while (window_.size() > 1 &&
         (window_positions_ > options_.window_events || window_bytes_ > options_.window_bytes)) {
    window_positions_ -= window_.front()->last - window_.front()->first + 1;
    window_bytes_ -= window_.front()->bytes();
    window_.pop_front();
  }
}

std::shared_ptr<const LogBatch> LogTail::recent(uint64_t position) const {
  MutexLock lock(mu_);
  if (stopped_ || window_.empty() || position < window_.front()->first || position > published_)
    return nullptr;
  auto it = std::upper_bound(window_.begin(), window_.end(), position,
                             [](uint64_t p, const auto& b) { return p < b->first; });
  return *std::prev(it);
}

LogTail::Lookup LogTail::find(uint64_t position, std::chrono::milliseconds wait,
                              const std::atomic<bool>& stop) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  MutexLock lock(mu_);
  while (true) {
    if (stopped_ || attached_ == 0) {
      lock.unlock();
      log_.wait_for_position(position, wait);
      return {};
    }
    const uint64_t first_kept = window_.empty() ? published_ + 1 : window_.front()->first;
    if (position < first_kept)
      return {nullptr, true, Status::ok()};
    if (position <= published_) {
      // Batches are contiguous: the last one starting at or before `position`.
      auto it = std::upper_bound(window_.begin(), window_.end(), position,
                                 [](uint64_t p, const auto& b) { return p < b->first; });
      return {*std::prev(it), false, Status::ok()};
    }
    if (stop.load())
      return {};
    if (reading_) {  // another follower reads it: wait for that
      bool in_time = true;
      while (reading_ && !stop.load() && !stopped_ && in_time)
        in_time = lock.wait_until(cv_, deadline);
      if (reading_ && !stop.load() && !stopped_)
        return {};  // the wait is over, the read is not
      continue;
    }
    const uint64_t last = log_.last_position();
    if (last < position) {  // not in the log yet: wait where the writer tells
      lock.unlock();
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      const bool there = left.count() > 0 && log_.wait_for_position(position, left);
      lock.lock();
      if (!there)
        return {};
      continue;
    }
    // The first to need the next stretch reads it, for everyone. Only the
    // reader publishes, so published_ stays put while it reads (offer()
    // drops what the writer hands over meanwhile).
    reading_ = true;
    const uint64_t from = published_ + 1;
    lock.unlock();
    auto batch = read_log_batch(log_, from, std::min(last, from + options_.max_batch - 1));
    lock.lock();
    reading_ = false;
    cv_.notify_all();
    if (!batch) {
      ++stats_.failures;
      stats_.last_error = batch.status();
      return {nullptr, false, batch.status()};
    }
    ++stats_.reads;
    if (!stopped_ && attached_ > 0)
      publish(std::move(*batch));
  }
}

}  // namespace orderly::eventstore
