// The sign-ins under way and the one-time exchange codes (api/rest/routes/
// oidc_flows.h): each works once, only for its browser, and not for long.
#include <doctest/doctest.h>

#include "api/rest/routes/oidc_flows.h"

using namespace orderly;
using namespace orderly::api::rest::routes;

namespace {
constexpr TimestampUs kT0 = 1'800'000'000'000'000;
}  // namespace

TEST_CASE("oidc flows: a state is taken once, and only with its browser's binding") {
  OidcFlows flows;
  const OidcStart s = flows.start("/orders", kT0);
  CHECK(s.state.size() == 43);  // 32 random bytes, base64url
  CHECK(s.state != s.nonce);
  CHECK(s.binding.size() == 43);
  auto flow = flows.take(s.state, s.binding, kT0 + 1);
  REQUIRE(flow.has_value());
  CHECK(flow->nonce == s.nonce);
  CHECK(flow->return_to == "/orders");
  CHECK(sha256_b64(flow->verifier) == s.code_challenge);             // PKCE S256
  CHECK_FALSE(flows.take(s.state, s.binding, kT0 + 2).has_value());  // replayed

  // Another browser's binding: refused, and the state is spent with it.
  const OidcStart t = flows.start("/", kT0);
  CHECK_FALSE(flows.take(t.state, random_token(), kT0 + 1).has_value());
  CHECK_FALSE(flows.take(t.state, t.binding, kT0 + 2).has_value());
  const OidcStart u = flows.start("/", kT0);
  CHECK_FALSE(flows.take(u.state, "", kT0 + 1).has_value());
  CHECK_FALSE(flows.take("made-up", u.binding, kT0 + 1).has_value());
}

TEST_CASE("oidc flows: a sign-in expires after 10 minutes, and the oldest go past 10,000") {
  OidcFlows flows;
  const OidcStart s = flows.start("/", kT0);
  CHECK_FALSE(flows.take(s.state, s.binding, kT0 + OidcFlows::kFlowTtlUs).has_value());
  const OidcStart first = flows.start("/", kT0);
  for (size_t i = 0; i < OidcFlows::kMaxFlows; ++i)
    (void)flows.start("/", kT0 + 1);
  CHECK(flows.flows() == OidcFlows::kMaxFlows);
  CHECK_FALSE(flows.take(first.state, first.binding, kT0 + 2).has_value());
}

TEST_CASE("oidc flows: an exchange code works once, within 60 s, for its browser") {
  OidcFlows flows;
  const std::string binding = random_token();
  const std::string code = flows.issue_code("user-1", sha256_b64(binding), kT0);
  CHECK(flows.redeem_code(code, binding, kT0 + 1) == std::optional<std::string>("user-1"));
  CHECK_FALSE(flows.redeem_code(code, binding, kT0 + 2).has_value());
  const std::string other = flows.issue_code("user-1", sha256_b64(binding), kT0);
  CHECK_FALSE(flows.redeem_code(other, random_token(), kT0 + 1).has_value());
  CHECK_FALSE(flows.redeem_code(other, binding, kT0 + 2).has_value());  // spent by the wrong try
  const std::string late = flows.issue_code("user-1", sha256_b64(binding), kT0);
  CHECK_FALSE(flows.redeem_code(late, binding, kT0 + OidcFlows::kCodeTtlUs).has_value());
}
