#include "api/rest/worker_pool.h"
#include "core/thread_name.h"

#include <algorithm>

namespace orderly::api::rest {

WorkerPool::WorkerPool(size_t threads, size_t max_queued) : max_queued_(max_queued) {
  for (size_t i = 0; i < threads; ++i) {
    threads_.emplace_back([this] {
      name_this_thread("worker");
      work();
    });
  }
}

void WorkerPool::work() {
  while (true) {
    std::function<void()> job;
    {
      MutexLock lock(mu_);
      while (!stopping_ && jobs_.empty())
        lock.wait(cv_);
      if (jobs_.empty())
        return;  // stopping, and everything queued has run
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    try {
      job();
    } catch (...) {
      // A job that throws (a bug) ends without its answer: the call it
      // held is dropped and its connection closed, and the worker and
      // the server go on instead of terminating.
    }
  }
}

WorkerPool::~WorkerPool() {
  stop();
}

void WorkerPool::stop() {
  {
    MutexLock lock(mu_);
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
    MutexLock lock(mu_);
    if (stopping_ || jobs_.size() >= std::min(limit, max_queued_))
      return false;
    jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
  return true;
}

}  // namespace orderly::api::rest
