#include "api/rest/routes/oidc_flows.h"

#include <sodium.h>

#include "api/auth/jwt.h"

namespace orderly::api::rest::routes {

namespace {

bool same(std::string_view a, std::string_view b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

// Drops entries from the front of `order` while they are older than `ttl`
// or `map` holds more than `max`; an order entry whose key was taken
// already (or re-used) is skipped.
template <typename Map>
void trim(Map& map, std::deque<std::pair<std::string, TimestampUs>>& order, TimestampUs now,
          TimestampUs ttl, size_t max) {
  while (!order.empty() &&
         (order.front().second + ttl <= now || map.size() > max || order.size() > 2 * max)) {
    map.erase(order.front().first);
    order.pop_front();
  }
}

}  // namespace

std::string random_token(size_t n) {
  std::string raw(n, '\0');
  randombytes_buf(raw.data(), raw.size());
  return auth::base64url(raw);
}

std::string sha256_b64(std::string_view text) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  return auth::base64url(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

OidcStart OidcFlows::start(std::string return_to, TimestampUs now) {
  OidcStart s{random_token(), random_token(), "", random_token()};
  const std::string verifier = random_token();
  s.code_challenge = sha256_b64(verifier);
  MutexLock lock(mu_);
  const std::string key = sha256_b64(s.state);
  flows_[key] = OidcFlow{s.nonce, verifier, sha256_b64(s.binding), std::move(return_to), now};
  flow_order_.emplace_back(key, now);
  trim_locked(now);
  return s;
}

std::optional<OidcFlow> OidcFlows::take(std::string_view state, std::string_view binding,
                                        TimestampUs now) {
  MutexLock lock(mu_);
  trim_locked(now);
  auto it = flows_.find(sha256_b64(state));
  if (it == flows_.end())
    return std::nullopt;
  OidcFlow flow = std::move(it->second);
  flows_.erase(it);
  if (binding.empty() || !same(flow.binding_hash, sha256_b64(binding)))
    return std::nullopt;
  return flow;
}

std::string OidcFlows::issue_code(std::string user_id, std::string binding_hash, TimestampUs now) {
  std::string code = random_token();
  const std::string key = sha256_b64(code);
  MutexLock lock(mu_);
  codes_[key] = Code{std::move(user_id), std::move(binding_hash), now};
  code_order_.emplace_back(key, now);
  trim_locked(now);
  return code;
}

std::optional<std::string> OidcFlows::redeem_code(std::string_view code, std::string_view binding,
                                                  TimestampUs now) {
  MutexLock lock(mu_);
  trim_locked(now);
  auto it = codes_.find(sha256_b64(code));
  if (it == codes_.end())
    return std::nullopt;
  Code c = std::move(it->second);
  codes_.erase(it);
  if (binding.empty() || !same(c.binding_hash, sha256_b64(binding)))
    return std::nullopt;
  return c.user_id;
}

size_t OidcFlows::flows() const {
  MutexLock lock(mu_);
  return flows_.size();
}

void OidcFlows::trim_locked(TimestampUs now) {
  trim(flows_, flow_order_, now, kFlowTtlUs, kMaxFlows);
  trim(codes_, code_order_, now, kCodeTtlUs, kMaxCodes);
}

}  // namespace orderly::api::rest::routes
