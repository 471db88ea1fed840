#include "api/notify/requests/email_limits.h"

#include <algorithm>
#include <cmath>

namespace orderly::api::notify::requests {

std::string EmailRateLimiter::admit(const std::string& recipient, TimestampUs at) {
  if (limits_.per_second <= 0 && limits_.per_day == 0)
    return "";
  MutexLock lock(mu_);
  Bucket& b = buckets_[recipient];
  if (b.day < 0) {
    b.tokens = limits_.burst;
    b.refilled_at = at;
  }
  const int64_t day = at / 86'400'000'000LL;
  if (day != b.day) {
    b.day = day;
    b.sent_today = 0;
  }
  if (limits_.per_second > 0) {
    // Log times only move forward; an older one refills nothing.
    const double elapsed_s =
        static_cast<double>(std::max<TimestampUs>(0, at - b.refilled_at)) / 1e6;
    b.tokens = std::min(limits_.burst, b.tokens + elapsed_s * limits_.per_second);
    b.refilled_at = std::max(b.refilled_at, at);
    if (b.tokens < 1) {
      return "suppressed: too many emails to this address (at most " +
             std::to_string(static_cast<int64_t>(limits_.burst)) + " at once, then " +
             std::to_string(std::lround(limits_.per_second * 3600)) + " an hour)";
    }
  }
  if (limits_.per_day > 0 && b.sent_today >= limits_.per_day) {
    return "suppressed: this address had its " + std::to_string(limits_.per_day) +
           " emails for the day";
  }
  if (limits_.per_second > 0)
    b.tokens -= 1;
  ++b.sent_today;
  return "";
}

void EmailRateLimiter::mark_suppressed(const Uuid& id) {
  MutexLock lock(mu_);
  if (!suppressed_.insert(id).second)
    return;
  suppressed_order_.push_back(id);
  if (suppressed_order_.size() > kMaxRemembered) {
    suppressed_.erase(suppressed_order_.front());
    suppressed_order_.pop_front();
  }
}

bool EmailRateLimiter::is_suppressed(const Uuid& id) const {
  MutexLock lock(mu_);
  return suppressed_.contains(id);
}

}  // namespace orderly::api::notify::requests
