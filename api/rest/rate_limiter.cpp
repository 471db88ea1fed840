#include "api/rest/rate_limiter.h"

#include <charconv>

namespace orderly::api::rest {

bool RateLimiter::allow(const std::string& key, double* retry_after) {
  if (rate_ <= 0)
    return true;
  const auto now = std::chrono::steady_clock::now();
  MutexLock lock(mu_);
  if (now - last_sweep_ > std::chrono::seconds(60)) {
    // Full buckets carry no information: drop them so memory follows the
    // active clients, not every address ever seen.
    std::erase_if(buckets_, [&](const auto& kv) {
      return std::chrono::duration<double>(now - kv.second.at).count() * rate_ + kv.second.tokens >=
             burst_;
    });
    last_sweep_ = now;
  }
  auto [it, fresh] = buckets_.try_emplace(key, Bucket{burst_, now});
  Bucket& b = it->second;
  if (!fresh) {
    b.tokens =
        std::min(burst_, b.tokens + std::chrono::duration<double>(now - b.at).count() * rate_);
    b.at = now;
  }
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return true;
  }
  if (retry_after)
    *retry_after = (1 - b.tokens) / rate_;
  return false;
}

std::optional<double> parse_rate(std::string_view text) {
  if (text == "0")
    return 0.0;
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos)
    return std::nullopt;
  double n = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + slash, n);
  if (ec != std::errc() || p != text.data() + slash || n < 0)
    return std::nullopt;
  const std::string_view unit = text.substr(slash + 1);
  if (unit == "s")
    return n;
  if (unit == "m")
    return n / 60;
  if (unit == "h")
    return n / 3600;
  return std::nullopt;
}

}  // namespace orderly::api::rest
