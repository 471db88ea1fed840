// Read-your-writes without blocking an I/O thread: "run this once read
// model M has applied position P, or say it could not within the deadline".
// One thread checks the pending waits whenever a model moves (it polls
// every millisecond while any wait is pending, and sleeps otherwise).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "core/mutex.h"
#include "projections/runner.h"

namespace orderly::api::rest {

class PositionWaiter {
 public:
  explicit PositionWaiter(const projections::ProjectionRunner& runner);
  ~PositionWaiter();

  // `then(true)` once `model` has applied `position`, `then(false)` at the
  // deadline; at once (on the caller's thread) when it already has, when
  // stopped, or when kMaxPending waits are pending already (a flood of
  // far-future positions must not starve the others).
  void when_applied(std::string model, uint64_t position, std::chrono::milliseconds timeout,
                    std::function<void(bool)> then) EXCLUDES(mu_);
  size_t pending() const EXCLUDES(mu_);
  // Answers every pending wait (false) and from then on answers at once.
  void stop() EXCLUDES(mu_);
  static constexpr size_t kMaxPending = 10'000;

 private:
  struct Wait {
    std::string model;
    uint64_t position;
    std::chrono::steady_clock::time_point deadline;
    std::function<void(bool)> then;
  };
  void run() EXCLUDES(mu_);

  const projections::ProjectionRunner& runner_;
  mutable Mutex mu_;
  std::condition_variable cv_;  // a wait added, or stopping
  std::vector<Wait> waits_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace orderly::api::rest
