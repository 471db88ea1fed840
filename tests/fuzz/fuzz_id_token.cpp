// ID tokens from a hostile provider (or a hostile network before TLS was
// added): the bytes as a compact JWS through read_jose_header and
// verify_id_token with a fixed JWKS and fixed expectations, and as a JWKS
// document through parse_jwks. Seeds (corpus/id_token) are real tokens
// signed by the private halves of the keys below, which were thrown away.
//
// Properties: an accepted token's claims are the expected issuer, audience
// and nonce, and it stops being accepted when one byte of its signature
// changes; an accepted JWKS's keys each verify nothing the fixed ones did
// not sign (no key accepts a signature of the empty input).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "api/auth/jwt.h"
#include "api/oidc/id_token.h"
#include "api/oidc/jwk.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using namespace orderly::api;

// The public keys of the seeds' signers.
constexpr std::string_view kJwks =
    R"({"keys":[{"kty":"RSA","n":"17CZvusN0c3mF8MoyaoDm6G5hJ9MSeeN6wYn6h2e76xHmOFTqUci2kIHe-3CXYcEJDij6nF6YslE8nEwKTCRxqKj6oEUJZ41xZcbalzxTB3TPM9lW1dDDi39QTv-N6XcGTaQhUdCPII6EtUaRdlVffrdjRPC0pcSQhgNxeG_JXGiLyeMs2Z1KWJCItMPKvmtzIflhMTVais58bxDQW9g333Tzkaabq25knXqkwSzx-sqZDUdvJoVzGAFXNQzce-bheOjqNyC2Mwiv3U8UDCNAQSJX36xFjogFoNoeBv3RGWPGUQWZeD_HJBLVohLX276BinG6sLjIDLzyX8kRXDTAw","e":"AQAB","kid":"fuzz-rsa"},{"kty":"EC","x":"6RJS_oKqX42wJ7f4fsRUg6jLFmyg3j2fheMVQK_sa9Q","y":"Twuj7vfW8CNDpRMdsjRwa4eGMeHsuTaCxtJvOYwSW6g","crv":"P-256","kid":"fuzz-ec"}]})";

const oidc::JwkSet& fixed_keys() {
  static const oidc::JwkSet keys = [] {
    auto parsed = oidc::parse_jwks(kJwks);
    FUZZ_CHECK(parsed.is_ok() && parsed->keys.size() == 2, "the fixed JWKS parses");
    return std::move(*parsed);
  }();
  return keys;
}

oidc::IdTokenChecks fixed_checks() {
  return {"https://op.fuzz", {}, "orderly", "fuzz-nonce", 1'800'000'000};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const oidc::JwkSet& keys = fixed_keys();

  auto verified = oidc::verify_id_token(input, keys, fixed_checks());
  if (verified.is_ok()) {
    FUZZ_CHECK(verified->issuer == "https://op.fuzz", verified->issuer);
    FUZZ_CHECK(!verified->subject.empty() && verified->subject.size() <= 255, "sub");
    FUZZ_CHECK(oidc::read_jose_header(input).is_ok(), "an accepted token's header reads");
    // One byte of the signature changed: refused.
    const size_t dot = input.rfind('.');
    auto signature = auth::from_base64url(input.substr(dot + 1));
    FUZZ_CHECK(signature.has_value() && !signature->empty(), "an accepted token is signed");
    std::string flipped = *signature;
    flipped[0] ^= 0x01;
    const std::string forged = std::string(input.substr(0, dot + 1)) + auth::base64url(flipped);
    FUZZ_CHECK(!oidc::verify_id_token(forged, keys, fixed_checks()).is_ok(),
               "a flipped signature byte is refused");
    // Another nonce: refused.
    oidc::IdTokenChecks other = fixed_checks();
    other.nonce = "another-nonce";
    FUZZ_CHECK(!oidc::verify_id_token(input, keys, other).is_ok(), "another nonce is refused");
  }

  auto jwks = oidc::parse_jwks(input);
  if (jwks.is_ok()) {
    for (const oidc::Jwk& k : jwks->keys) {
      const auto alg =
          k.type == oidc::KeyType::kRsa ? oidc::Algorithm::kRs256 : oidc::Algorithm::kEs256;
      FUZZ_CHECK(!oidc::verify_signature(k, alg, "", ""), "an empty signature verifies nothing");
    }
  }
  return 0;
}
