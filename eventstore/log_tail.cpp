#include "eventstore/log_tail.h"

#include <algorithm>

namespace orderly::eventstore {

LogTail::LogTail(const EventStore& log, LogTailOptions options) : log_(log), options_(options) {}

LogTail::~LogTail() {
  stop();
}

void LogTail::attach() {
  std::lock_guard lock(mu_);
  ++attached_;
  if (running_ || stopped_)
    return;
  // The thread of an earlier run has left run() (running_ is false), or is
  // about to return from it without taking mu_ again.
  if (thread_.joinable())
    thread_.join();
  window_.clear();
  window_positions_ = window_bytes_ = 0;
  published_ = log_.last_position();
  stats_.position = published_;
  running_ = true;
  thread_ = std::thread([this] { run(); });
}

void LogTail::detach() {
  std::lock_guard lock(mu_);
  if (attached_ > 0)
    --attached_;  // the thread sees it and ends, within its idle wait
}

void LogTail::wake() {
  { std::lock_guard lock(mu_); }  // a waiter between its check and its wait sees it
  cv_.notify_all();
}

void LogTail::stop() {
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable())
    thread_.join();
  std::lock_guard lock(mu_);
  window_.clear();
  window_positions_ = window_bytes_ = 0;
}

LogTailStats LogTail::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

LogTail::Lookup LogTail::find(uint64_t position, std::chrono::milliseconds wait,
                              const std::atomic<bool>& stop) {
  std::unique_lock lock(mu_);
  if (!running_) {
    lock.unlock();
    log_.wait_for_position(position, wait);
    return {};
  }
  const auto first_kept = [&] { return window_.empty() ? published_ + 1 : window_.front()->first; };
  if (position < first_kept())
    return {nullptr, true};
  if (position > published_) {
    cv_.wait_for(lock, wait, [&] { return position <= published_ || !running_ || stop.load(); });
    if (position > published_)
      return {};
    if (position < first_kept())  // (a window that moved on while we waited: a tiny one)
      return {nullptr, true};
  }
  // Batches are contiguous: the last one starting at or before `position`.
  auto it = std::upper_bound(window_.begin(), window_.end(), position,
                             [](uint64_t p, const auto& b) { return p < b->first; });
  return {*std::prev(it), false};
}

void LogTail::run() {
  Backoff backoff(options_.backoff);
  std::unique_lock lock(mu_);
  while (reading()) {
    const uint64_t from = published_ + 1;
    lock.unlock();
    if (log_.last_position() < from) {
      log_.wait_for_position(from, options_.idle_wait);
      lock.lock();
      continue;
    }
    auto batch = read_log_batch(log_, from, from + options_.max_batch - 1);
    lock.lock();
    if (!batch) {
      ++stats_.failures;
      stats_.last_error = batch.status();
      // Followers waiting for this stretch read it themselves meanwhile
      // (their own backoff and error), so the tail's error costs no one.
      cv_.wait_for(lock, backoff.next(), [&] { return !reading(); });
      continue;
    }
    backoff.reset();
    const LogBatch& b = **batch;
    ++stats_.batches;
    stats_.events += b.events.size();
    stats_.position = b.last;
    stats_.last_error = Status::ok();
    window_positions_ += b.last - b.first + 1;
    window_bytes_ += b.bytes();
    published_ = b.last;
    window_.push_back(std::move(*batch));
    while (window_.size() > 1 &&
           (window_positions_ > options_.window_events || window_bytes_ > options_.window_bytes)) {
      window_positions_ -= window_.front()->last - window_.front()->first + 1;
      window_bytes_ -= window_.front()->bytes();
      window_.pop_front();
    }
    cv_.notify_all();
  }
  running_ = false;
  cv_.notify_all();
}

}  // namespace orderly::eventstore
