#include "api/auth/verified_tokens.h"

#include <algorithm>

namespace orderly::api::auth {

VerifiedTokens::VerifiedTokens(std::string secret, size_t capacity)
    : secret_(std::move(secret)), per_shard_(std::max<size_t>(1, capacity / kShards)) {}

Result<AccessClaims> VerifiedTokens::verify(std::string_view token, int64_t now_s) const {
  const size_t hash = StringHash{}(token);
  Shard& shard = shards_[hash % kShards];
  {
    MutexLock lock(shard.mu);
    if (auto it = shard.tokens.find(token); it != shard.tokens.end()) {
      if (it->second.exp > now_s)
        return it->second;
      shard.tokens.erase(it);  // expired: verify_jwt says so below, as for any token
    }
  }
  auto claims = verify_jwt(token, secret_, now_s);
  if (!claims)
    return claims;
  MutexLock lock(shard.mu);
  if (shard.tokens.size() >= per_shard_)
    shard.tokens.clear();
  shard.tokens.emplace(std::string(token), *claims);
  return claims;
}

size_t VerifiedTokens::size() const {
  size_t n = 0;
  for (const Shard& shard : shards_) {
    MutexLock lock(shard.mu);
    n += shard.tokens.size();
  }
  return n;
}

}  // namespace orderly::api::auth
