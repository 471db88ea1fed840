// A few threads for slow CPU work a request needs (argon2id hashing takes
// ~50 ms and 64 MiB): the I/O threads hand it over instead of stalling
// every other connection. The queue is bounded; a full one refuses.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "core/mutex.h"

namespace orderly::api::rest {

class WorkerPool {
 public:
  WorkerPool(size_t threads, size_t max_queued);
  ~WorkerPool();
  // False (and `job` not run) when the queue is full or the pool stopping.
  bool submit(std::function<void()> job) { return submit(std::move(job), max_queued_); }
  // The same, with the queue full for this job once it holds `limit` jobs
  // (at most the pool's own bound): a share of the queue for some callers.
  bool submit(std::function<void()> job, size_t limit) EXCLUDES(mu_);
  size_t capacity() const { return max_queued_; }
  // Runs what is queued, then joins the threads; later submits are refused.
  void stop() EXCLUDES(mu_);

 private:
  // Runs jobs until the pool stops and nothing is queued.
  void work() EXCLUDES(mu_);

  Mutex mu_;
  std::condition_variable cv_;  // a job queued, or stopping
  std::deque<std::function<void()>> jobs_ GUARDED_BY(mu_);
  const size_t max_queued_;
  bool stopping_ GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace orderly::api::rest
