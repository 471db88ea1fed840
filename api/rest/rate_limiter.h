// Token buckets per key (client address or user id): `rate` requests per
// second with a burst of twice the rate, as CONTRACT.md configures them.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/mutex.h"

namespace orderly::api::rest {

class RateLimiter {
 public:
  explicit RateLimiter(double per_second) : rate_(per_second), burst_(2 * per_second) {}
  // Slow rates (a few an hour) with their own burst: twice a rate below one
  // a second would never admit anything.
  RateLimiter(double per_second, double burst) : rate_(per_second), burst_(burst) {}
  bool enabled() const { return rate_ > 0; }
  // True when `key` may make one more request now; otherwise the seconds
  // until it may (for Retry-After) are in `retry_after`.
  bool allow(const std::string& key, double* retry_after = nullptr) EXCLUDES(mu_);

 private:
  struct Bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point at;
  };
  double rate_, burst_;
  Mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_ GUARDED_BY(mu_);
  std::chrono::steady_clock::time_point last_sweep_ GUARDED_BY(mu_);
};

// "100/s", "6000/m", "0" (off) -> requests per second; nullopt when malformed.
std::optional<double> parse_rate(std::string_view text);

}  // namespace orderly::api::rest
