// Read-your-writes without blocking an I/O thread: "run this once read
// model M has applied position P, or say it could not within the deadline".
//
// The runner tells the waiter each time a model has applied more of the log
// (ProjectionRunner::on_applied), and the waits it satisfies run at once on
// that thread: an answer leaves the moment its read model has it, with no
// hand-off to a thread of our own. (This used to poll every millisecond
// while anything waited: up to a millisecond added to every command's
// answer, and a wake-up a millisecond under load.) One thread only keeps
// the deadlines.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "core/mutex.h"
#include "projections/runner.h"

namespace orderly::api::rest {

class PositionWaiter {
 public:
  // Listens to `runner` (as its one on_applied listener) until stopped.
  explicit PositionWaiter(projections::ProjectionRunner& runner);
  ~PositionWaiter();

  // `then(true)` once `model` has applied `position` (on the thread that
  // applied it), `then(false)` at the deadline; at once (on the caller's
  // thread) when it already has, when stopped, or when kMaxPending waits are
  // pending already (a flood of far-future positions must not starve the
  // others).
  void when_applied(const std::string& model, uint64_t position, std::chrono::milliseconds timeout,
                    std::function<void(bool)> then) EXCLUDES(mu_);
  size_t pending() const EXCLUDES(mu_);
  // Answers every pending wait (false) and from then on answers at once.
  void stop() EXCLUDES(mu_);
  static constexpr size_t kMaxPending = 10'000;

 private:
  struct Wait {
    uint64_t position;
    std::chrono::steady_clock::time_point deadline;
    std::function<void(bool)> then;
  };
  // The runner's news: `model` has applied up to `position`.
  void applied(std::string_view model, uint64_t position) EXCLUDES(mu_);
  // Answers the waits whose deadline has passed, until stopped.
  void run_deadlines() EXCLUDES(mu_);

  projections::ProjectionRunner& runner_;
  mutable Mutex mu_;
  std::condition_variable cv_;                                                   // stopping
  std::map<std::string, std::vector<Wait>, std::less<>> waits_ GUARDED_BY(mu_);  // by model
  size_t pending_ GUARDED_BY(mu_) = 0;
  bool stopping_ GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace orderly::api::rest
