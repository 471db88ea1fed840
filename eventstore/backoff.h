// How long to wait before trying again after a failure: doubling from
// `first` up to `max`, and back to `first` after a success. Every log
// follower backs off the same way, whatever failed (a read of the log, or
// its handler: NATS, SMTP, a full command queue), so none of them spins.
//
// Thread safety: none; one per retrying thread.
#pragma once

#include <algorithm>
#include <chrono>

namespace orderly::eventstore {

struct BackoffOptions {
  std::chrono::milliseconds first{100};
  std::chrono::milliseconds max{5000};
};

class Backoff {
 public:
  explicit Backoff(BackoffOptions options = {}) : options_(options), next_(options.first) {}
  // The wait before the next attempt; each call doubles the one after.
  std::chrono::milliseconds next() {
    const auto now = next_;
    next_ = std::min(next_ * 2, options_.max);
    return now;
  }
  void reset() { next_ = options_.first; }

 private:
  BackoffOptions options_;
  std::chrono::milliseconds next_;
};

}  // namespace orderly::eventstore
