// Which peers may say who the client is (`--trusted-proxy CIDR...`): only
// a request from one of these ranges has its `Forwarded: for=` or
// `X-Forwarded-For` believed, and then the client is the right-most
// address of that chain that is not itself a trusted proxy (each proxy
// appends the address it got the request from; what a client wrote itself
// is further left and is never taken while a proxy's entry follows it).
// Without trusted proxies, or from any other peer, the peer is the client.
//
// Thread safety: const members from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace orderly::api::http {

class TrustedProxies {
 public:
  TrustedProxies() = default;
  // "10.0.0.0/8", "192.168.1.7" (one address), "fd00::/8", "::1"; an error
  // naming the first malformed one.
  static Result<TrustedProxies> parse(const std::vector<std::string>& cidrs);

  bool empty() const { return ranges_.empty(); }
  // Whether `address` (as text) is in one of the ranges.
  bool contains(std::string_view address) const;
  // The client address of a request from `peer` with these headers (names
  // lower-case); `peer` itself unless it is trusted and forwarded one.
  std::string client_of(const std::string& peer,
                        const std::vector<std::pair<std::string, std::string>>& headers) const;

 private:
  struct Range {
    bool v6 = false;
    std::array<uint8_t, 16> bytes{};
    int prefix = 0;
  };
  std::vector<Range> ranges_;
};

}  // namespace orderly::api::http
