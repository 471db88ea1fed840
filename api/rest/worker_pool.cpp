#include "api/rest/worker_pool.h"

#include <algorithm>

namespace orderly::api::rest {

WorkerPool::WorkerPool(size_t threads, size_t max_queued) : max_queued_(max_queued) {
  for (size_t i = 0; i < threads; ++i) {
    threads_.emplace_back([this] {
      std::unique_lock lock(mu_);
      while (true) {
        cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
        if (jobs_.empty())
          return;  // stopping, and everything queued has run
        auto job = std::move(jobs_.front());
        jobs_.pop_front();
        lock.unlock();
        try {
          job();
        } catch (...) {
          // A job that throws (a bug) ends without its answer: the call it
          // held is dropped and its connection closed, and the worker and
          // the server go on instead of terminating.
        }
        lock.lock();
      }
    });
  }
}

WorkerPool::~WorkerPool() {
  stop();
}

void WorkerPool::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable())
      t.join();
  }
}

bool WorkerPool::submit(std::function<void()> job, size_t limit) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || jobs_.size() >= std::min(limit, max_queued_))
      return false;
    jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
  return true;
}

}  // namespace orderly::api::rest
