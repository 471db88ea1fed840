#include "api/oidc/jwk.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <boost/json.hpp>

#include "api/auth/jwt.h"

namespace orderly::api::oidc {

namespace json = boost::json;

namespace {

// RAII for the OpenSSL objects made here: each is freed on every path.
struct BnFree {
  void operator()(BIGNUM* p) const { BN_free(p); }
};
struct BldFree {
  void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct CtxFree {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
struct SigFree {
  void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
};
using Bn = std::unique_ptr<BIGNUM, BnFree>;

// Largest RSA modulus accepted: verification cost grows with it, and no
// provider signs with more.
constexpr int kMaxRsaBits = 8192;
constexpr int kMinRsaBits = 2048;
constexpr size_t kEcCoordinateBytes = 32;

Bn bn_from(std::string_view bytes) {
  return Bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                      static_cast<int>(bytes.size()), nullptr));
}

const json::string* string_field(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  return v != nullptr && v->is_string() ? &v->as_string() : nullptr;
}

Result<std::string> b64_field(const json::object& o, std::string_view name) {
  const json::string* s = string_field(o, name);
  if (s == nullptr)
    return Status::invalid_argument("no \"" + std::string(name) + "\"");
  auto bytes = auth::from_base64url(*s);
  if (!bytes || bytes->empty())
    return Status::invalid_argument("\"" + std::string(name) + "\" is not base64url");
  return std::move(*bytes);
}

// Builds a public key of `type_name` from the parameters `bld` holds.
Result<std::shared_ptr<evp_pkey_st>> key_from(const char* type_name, OSSL_PARAM_BLD* bld) {
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld));
  std::unique_ptr<EVP_PKEY_CTX, CtxFree> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, type_name, nullptr));
  EVP_PKEY* pkey = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params.get()) != 1 ||
      pkey == nullptr) {
    ERR_clear_error();
    return Status::invalid_argument("OpenSSL refused the key's parameters");
  }
  return std::shared_ptr<evp_pkey_st>(pkey, EVP_PKEY_free);
}

Result<std::shared_ptr<evp_pkey_st>> rsa_key(const json::object& jwk) {
  auto n = b64_field(jwk, "n");
  if (!n)
    return n.status();
  auto e = b64_field(jwk, "e");
  if (!e)
    return e.status();
  if (e->size() > 8)
    return Status::invalid_argument("RSA exponent over 64 bits");
  Bn bn_n = bn_from(*n);
  Bn bn_e = bn_from(*e);
  if (!bn_n || !bn_e)
    return Status::internal("out of memory");
  const int bits = BN_num_bits(bn_n.get());
  if (bits < kMinRsaBits || bits > kMaxRsaBits) {
    return Status::invalid_argument("RSA key of " + std::to_string(bits) + " bits, " +
                                    std::to_string(kMinRsaBits) + " to " +
                                    std::to_string(kMaxRsaBits) + " accepted");
  }
  if (!BN_is_odd(bn_e.get()) || BN_is_one(bn_e.get()))
    return Status::invalid_argument("RSA exponent is not an odd number above 1");
  std::unique_ptr<OSSL_PARAM_BLD, BldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    return Status::internal("out of memory");
  }
  return key_from("RSA", bld.get());
}

Result<std::shared_ptr<evp_pkey_st>> ec_key(const json::object& jwk) {
  const json::string* crv = string_field(jwk, "crv");
  if (crv == nullptr || *crv != "P-256")
    return Status::invalid_argument("EC key not on P-256");
  auto x = b64_field(jwk, "x");
  if (!x)
    return x.status();
  auto y = b64_field(jwk, "y");
  if (!y)
    return y.status();
  if (x->size() != kEcCoordinateBytes || y->size() != kEcCoordinateBytes)
    return Status::invalid_argument("P-256 coordinates are not 32 bytes each");
  // The uncompressed point: 04 || x || y.
  std::string point = "\x04" + *x + *y;
  std::unique_ptr<OSSL_PARAM_BLD, BldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) !=
          1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return Status::internal("out of memory");
  }
  auto key = key_from("EC", bld.get());
  if (!key)  // OpenSSL 3.0 already refuses most points off the curve here
    return Status::invalid_argument("the EC point is not on P-256");
  // fromdata takes any 65 bytes; a point off the curve (an invalid-curve
  // attack's tool) is caught here.
  std::unique_ptr<EVP_PKEY_CTX, CtxFree> check(
      EVP_PKEY_CTX_new_from_pkey(nullptr, key->get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    ERR_clear_error();
    return Status::invalid_argument("the EC point is not on P-256");
  }
  return key;
}

// The JWS signature r || s as the DER ECDSA-Sig-Value OpenSSL verifies.
std::optional<std::string> ecdsa_der(std::string_view rs) {
  if (rs.size() != 2 * kEcCoordinateBytes)
    return std::nullopt;
  std::unique_ptr<ECDSA_SIG, SigFree> sig(ECDSA_SIG_new());
  Bn r = bn_from(rs.substr(0, kEcCoordinateBytes));
  Bn s = bn_from(rs.substr(kEcCoordinateBytes));
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1)
    return std::nullopt;
  (void)r.release();  // owned by sig from here
  (void)s.release();
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0)
    return std::nullopt;
  std::string out(reinterpret_cast<const char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

}  // namespace

std::optional<Algorithm> algorithm_named(std::string_view alg) {
  if (alg == "RS256")
    return Algorithm::kRs256;
  if (alg == "ES256")
    return Algorithm::kEs256;
  return std::nullopt;
}

KeyType key_type_of(Algorithm alg) {
  return alg == Algorithm::kRs256 ? KeyType::kRsa : KeyType::kEc;
}

Result<Jwk> parse_jwk(const json::object& o) {
  Jwk jwk;
  if (const json::string* kid = string_field(o, "kid"))
    jwk.kid = std::string(*kid);
  if (const json::value* use = o.if_contains("use"); use != nullptr && *use != "sig")
    return Status::invalid_argument("not a signing key (\"use\" is not \"sig\")");
  if (const json::value* alg = o.if_contains("alg")) {
    if (!alg->is_string())
      return Status::invalid_argument("\"alg\" is not a string");
    jwk.alg = std::string(alg->as_string());
  }
  const json::string* kty = string_field(o, "kty");
  Result<std::shared_ptr<evp_pkey_st>> key = Status::invalid_argument("no \"kty\"");
  if (kty != nullptr && *kty == "RSA") {
    jwk.type = KeyType::kRsa;
    key = rsa_key(o);
  } else if (kty != nullptr && *kty == "EC") {
    jwk.type = KeyType::kEc;
    key = ec_key(o);
  } else if (kty != nullptr) {
    key = Status::invalid_argument("key type \"" + std::string(*kty) + "\" is not RSA or EC");
  }
  if (!key)
    return key.status();
  jwk.key = std::move(*key);
  return jwk;
}

const Jwk* JwkSet::find(std::string_view kid, Algorithm alg) const {
  const std::string_view alg_name = alg == Algorithm::kRs256 ? "RS256" : "ES256";
  for (const Jwk& k : keys) {
    if (k.kid == kid && k.type == key_type_of(alg) && (k.alg.empty() || k.alg == alg_name))
      return &k;
  }
  return nullptr;
}

bool JwkSet::has_kid(std::string_view kid) const {
  for (const Jwk& k : keys) {
    if (k.kid == kid)
      return true;
  }
  return false;
}

Result<JwkSet> parse_jwks(std::string_view text) {
  boost::system::error_code ec;
  const json::value doc = json::parse(text, ec);
  const json::value* keys = ec || !doc.is_object() ? nullptr : doc.as_object().if_contains("keys");
  if (keys == nullptr || !keys->is_array())
    return Status::invalid_argument("the JWKS is not a JSON object with a \"keys\" array");
  JwkSet set;
  for (const json::value& v : keys->as_array()) {
    if (!v.is_object()) {
      set.refused.push_back("(not an object)");
      continue;
    }
    auto jwk = parse_jwk(v.as_object());
    if (jwk) {
      set.keys.push_back(std::move(*jwk));
      continue;
    }
    const json::string* kid = string_field(v.as_object(), "kid");
    set.refused.push_back((kid ? std::string(*kid) : std::string("(no kid)")) + ": " +
                          jwk.status().message());
  }
  return set;
}

bool verify_signature(const Jwk& key, Algorithm alg, std::string_view signing_input,
                      std::string_view signature) {
  if (key.key == nullptr || key.type != key_type_of(alg))
    return false;
  std::string der;
  if (alg == Algorithm::kEs256) {
    auto converted = ecdsa_der(signature);
    if (!converted)
      return false;
    der = std::move(*converted);
    signature = der;
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> md(EVP_MD_CTX_new());
  // RSA's default padding is PKCS#1 v1.5, which RS256 is.
  const bool ok =
      md != nullptr &&
      EVP_DigestVerifyInit_ex(md.get(), nullptr, "SHA256", nullptr, nullptr, key.key.get(),
                              nullptr) == 1 &&
      EVP_DigestVerify(
          md.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
          reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size()) == 1;
  if (!ok)
    ERR_clear_error();
  return ok;
}

}  // namespace orderly::api::oidc
