// Keys made in the test (OpenSSL 3 EVP_PKEY_Q_keygen), exported as JWKs,
// and compact JWS tokens signed with them (EVP_DigestSign), so the ID-token
// tests run the real verification against real signatures, valid or forged.
#pragma once

#include <boost/json.hpp>
#include <memory>
#include <string>
#include <string_view>

struct evp_pkey_st;

namespace orderly::api::oidc::testing {

class TestKey {
 public:
  static TestKey rsa(int bits, std::string kid);
  static TestKey p256(std::string kid);

  // The public JWK ({"kty", "kid", "n", "e"} or {"kty", "crv", "kid", "x", "y"}).
  boost::json::object jwk() const;
  const std::string& kid() const { return kid_; }
  // base64url(header).base64url(payload).base64url(signature), signed with
  // this key (RS256 or ES256 by its type; ES256 as r || s).
  std::string sign(const boost::json::object& header, const boost::json::object& payload) const;
  // The raw JWS signature of `input`.
  std::string signature(std::string_view input) const;
  bool is_rsa() const { return rsa_; }

 private:
  std::shared_ptr<evp_pkey_st> key_;
  std::string kid_;
  bool rsa_ = true;
};

// {"keys": [...]} of these JWKs.
std::string jwks_of(std::initializer_list<boost::json::object> keys);

}  // namespace orderly::api::oidc::testing
