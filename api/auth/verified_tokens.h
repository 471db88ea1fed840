// Access tokens already verified, remembered by their exact text.
//
// Why: a client sends the same token with every request for the token's
// life (15 minutes), and decoding it, checking its HMAC and parsing its two
// JSON parts on each one was a tenth of the I/O threads' time under order
// load. A token found here has the same bytes as one whose signature was
// checked under the same secret, so only the clock is checked again (`exp`;
// `nbf` had passed when it was stored). What can change while a token
// lives (the account deactivated, its sessions revoked, the session ended)
// is not in the token: the caller checks it on every request, remembered or
// not.
//
// Memory is bounded: each of the shards holds at most capacity/kShards
// tokens and starts over when full (only tokens that verified get in, so a
// flood of forged ones takes no room).
//
// Thread safety: verify() may be called from any number of threads.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "api/auth/jwt.h"
#include "core/mutex.h"
#include "core/string_hash.h"

namespace orderly::api::auth {

class VerifiedTokens {
 public:
  explicit VerifiedTokens(std::string secret, size_t capacity = 16384);
  // verify_jwt(token, secret, now_s), from memory when the token verified before.
  Result<AccessClaims> verify(std::string_view token, int64_t now_s) const;
  size_t size() const;

  static constexpr size_t kShards = 16;

 private:
  struct Shard {
    mutable Mutex mu;
    std::unordered_map<std::string, AccessClaims, StringHash, std::equal_to<>> tokens
        GUARDED_BY(mu);
  };
  const std::string secret_;
  const size_t per_shard_;
  mutable std::array<Shard, kShards> shards_;  // a cache: verify() is const to its callers
};

}  // namespace orderly::api::auth
