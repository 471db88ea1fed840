// How many emails one address may get (issue 19: registering with someone
// else's address and looping place/cancel on a 1-cent product sent 1,311
// emails to it in 10 s). Until addresses are verified, every recipient has
// a token bucket (a burst, then a steady rate) and a cap per UTC day; an
// email past either is not sent but recorded as failed with a reason that
// starts "suppressed:", so the notification history stays honest.
//
// Time is the causing event's log time, not the clock: the same history
// decides the same way wherever it is replayed from. The buckets live in
// memory: after a restart each recipient starts with a full bucket again
// (at most one more burst per restart).
//
// Thread safety: every member may be called from any thread.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "core/clock.h"
#include "core/mutex.h"
#include "core/uuid.h"

namespace orderly::api::notify::requests {

struct EmailLimits {
  double per_second = 1.0 / 60;  // steady rate per recipient (0: no bucket)
  double burst = 5;              // emails at once
  uint32_t per_day = 50;         // per recipient and UTC day (0: no cap)
};

class EmailRateLimiter {
 public:
  explicit EmailRateLimiter(EmailLimits limits) : limits_(limits) {}

  // "" when one more email to `recipient`, caused by an event at `at`, may
  // be sent (and it is counted); else why not, starting "suppressed:".
  std::string admit(const std::string& recipient, TimestampUs at) EXCLUDES(mu_);

  // Notifications decided suppressed: their sender must not deliver them
  // even before their failure is recorded (the request and the failure are
  // two commits).
  void mark_suppressed(const Uuid& id) EXCLUDES(mu_);
  bool is_suppressed(const Uuid& id) const EXCLUDES(mu_);

 private:
  struct Bucket {
    double tokens = 0;
    TimestampUs refilled_at = 0;
    int64_t day = -1;
    uint32_t sent_today = 0;
  };
  static constexpr size_t kMaxRemembered = 100'000;  // suppressed ids kept

  const EmailLimits limits_;
  mutable Mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_ GUARDED_BY(mu_);  // by recipient
  std::unordered_set<Uuid, UuidHash> suppressed_ GUARDED_BY(mu_);
  // Oldest first, to forget beyond kMaxRemembered.
  std::deque<Uuid> suppressed_order_ GUARDED_BY(mu_);
};

}  // namespace orderly::api::notify::requests
