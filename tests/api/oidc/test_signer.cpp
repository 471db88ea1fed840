#include "tests/api/oidc/test_signer.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>

#include <stdexcept>

#include "api/auth/jwt.h"

namespace orderly::api::oidc::testing {

namespace json = boost::json;

namespace {

std::string bn_param(EVP_PKEY* key, const char* name, int pad) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &bn) != 1)
    throw std::runtime_error(std::string("no key parameter ") + name);
  const int size = pad > 0 ? pad : BN_num_bytes(bn);
  std::string out(static_cast<size_t>(size), '\0');
  BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), size);
  BN_free(bn);
  return out;
}

}  // namespace

TestKey TestKey::rsa(int bits, std::string kid) {
  TestKey k;
  k.key_.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits)),
               EVP_PKEY_free);
  if (!k.key_)
    throw std::runtime_error("RSA keygen failed");
  k.kid_ = std::move(kid);
  k.rsa_ = true;
  return k;
}

TestKey TestKey::p256(std::string kid) {
  TestKey k;
  k.key_.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"), EVP_PKEY_free);
  if (!k.key_)
    throw std::runtime_error("EC keygen failed");
  k.kid_ = std::move(kid);
  k.rsa_ = false;
  return k;
}

json::object TestKey::jwk() const {
  if (rsa_) {
    return {{"kty", "RSA"},
            {"kid", kid_},
            {"n", auth::base64url(bn_param(key_.get(), OSSL_PKEY_PARAM_RSA_N, 0))},
            {"e", auth::base64url(bn_param(key_.get(), OSSL_PKEY_PARAM_RSA_E, 0))}};
  }
  return {{"kty", "EC"},
          {"crv", "P-256"},
          {"kid", kid_},
          {"x", auth::base64url(bn_param(key_.get(), OSSL_PKEY_PARAM_EC_PUB_X, 32))},
          {"y", auth::base64url(bn_param(key_.get(), OSSL_PKEY_PARAM_EC_PUB_Y, 32))}};
}

std::string TestKey::signature(std::string_view input) const {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  size_t len = 0;
  std::string sig;
  if (EVP_DigestSignInit_ex(md, nullptr, "SHA256", nullptr, nullptr, key_.get(), nullptr) != 1 ||
      EVP_DigestSign(md, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                     input.size()) != 1) {
    EVP_MD_CTX_free(md);
    throw std::runtime_error("sign failed");
  }
  sig.resize(len);
  EVP_DigestSign(md, reinterpret_cast<unsigned char*>(sig.data()), &len,
                 reinterpret_cast<const unsigned char*>(input.data()), input.size());
  EVP_MD_CTX_free(md);
  sig.resize(len);
  if (rsa_)
    return sig;
  // DER ECDSA-Sig-Value to JWS r || s.
  const auto* p = reinterpret_cast<const unsigned char*>(sig.data());
  ECDSA_SIG* ecdsa = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
  std::string rs(64, '\0');
  BN_bn2binpad(ECDSA_SIG_get0_r(ecdsa), reinterpret_cast<unsigned char*>(rs.data()), 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(ecdsa), reinterpret_cast<unsigned char*>(rs.data()) + 32, 32);
  ECDSA_SIG_free(ecdsa);
  return rs;
}

std::string TestKey::sign(const json::object& header, const json::object& payload) const {
  const std::string input =
      auth::base64url(json::serialize(header)) + "." + auth::base64url(json::serialize(payload));
  return input + "." + auth::base64url(signature(input));
}

std::string jwks_of(std::initializer_list<json::object> keys) {
  json::array a;
  for (const json::object& k : keys)
    a.push_back(k);
  return json::serialize(json::object{{"keys", a}});
}

}  // namespace orderly::api::oidc::testing
