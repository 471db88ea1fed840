// ID-token verification (api/oidc/id_token.h, jwk.h) against real keys made
// here and tokens signed with them: valid RS256 and ES256 tokens pass, and
// every forgery and wrong claim of docs/design/accounts.md 4.4 is refused,
// each with the check it failed named.
#include <doctest/doctest.h>

#include "api/auth/jwt.h"
#include "api/oidc/id_token.h"
#include "api/oidc/jwk.h"
#include "tests/api/oidc/test_signer.h"

using namespace orderly;
using namespace orderly::api;
using namespace orderly::api::oidc;
using orderly::api::oidc::testing::jwks_of;
using orderly::api::oidc::testing::TestKey;
namespace json = boost::json;

namespace {

constexpr int64_t kNow = 1'800'000'000;
const std::string kIssuer = "https://op.example";
const std::string kClient = "orderly";
const std::string kNonce = "n-0S6_WzA2Mj";

// Made once: RSA key generation is the slow part.
const TestKey& rsa_key() {
  static const TestKey k = TestKey::rsa(2048, "rsa-1");
  return k;
}
const TestKey& ec_key() {
  static const TestKey k = TestKey::p256("ec-1");
  return k;
}

JwkSet keys() {
  auto set = parse_jwks(jwks_of({rsa_key().jwk(), ec_key().jwk()}));
  REQUIRE(set.is_ok());
  return std::move(*set);
}

IdTokenChecks checks() {
  return {kIssuer, {}, kClient, kNonce, kNow};
}

json::object claims() {
  return {{"iss", kIssuer},        {"sub", "248289761001"},  {"aud", kClient},
          {"exp", kNow + 300},     {"iat", kNow - 5},        {"nonce", kNonce},
          {"email", "ada@x.test"}, {"email_verified", true}, {"name", "Ada Lovelace"}};
}

json::object header(const TestKey& k) {
  return {{"alg", k.is_rsa() ? "RS256" : "ES256"}, {"kid", k.kid()}, {"typ", "JWT"}};
}

// The refusal's message, or "accepted".
std::string refusal(const std::string& token, const JwkSet& set = keys(),
                    const IdTokenChecks& c = checks()) {
  auto r = verify_id_token(token, set, c);
  if (r.is_ok())
    return "accepted";
  CHECK(r.status().code() == ErrorCode::kUnauthorized);
  return r.status().message();
}

std::string with_claim(const TestKey& k, std::string_view name, json::value v) {
  json::object c = claims();
  c[name] = std::move(v);
  return k.sign(header(k), c);
}

std::string without_claim(const TestKey& k, std::string_view name) {
  json::object c = claims();
  c.erase(name);
  return k.sign(header(k), c);
}

// The token with one byte of its signature flipped.
std::string flip_signature(const std::string& token) {
  const size_t dot = token.rfind('.');
  std::string sig = *auth::from_base64url(token.substr(dot + 1));
  sig[sig.size() / 2] ^= 0x01;
  return token.substr(0, dot + 1) + auth::base64url(sig);
}

}  // namespace

TEST_CASE("oidc id token: valid RS256 and ES256 tokens pass with their claims") {
  for (const TestKey* k : {&rsa_key(), &ec_key()}) {
    CAPTURE(k->kid());
    auto r = verify_id_token(k->sign(header(*k), claims()), keys(), checks());
    REQUIRE_MESSAGE(r.is_ok(), r.status().message());
    CHECK(r->issuer == kIssuer);
    CHECK(r->subject == "248289761001");
    CHECK(r->email == "ada@x.test");
    CHECK(r->email_verified);
    CHECK(r->name == "Ada Lovelace");
    CHECK(r->exp == kNow + 300);
  }
  // An audience array holding the client with azp naming it; a fractional time.
  json::object c = claims();
  c["aud"] = json::array{kClient, "other"};
  c["azp"] = kClient;
  c["exp"] = static_cast<double>(kNow) + 10.5;
  CHECK(refusal(rsa_key().sign(header(rsa_key()), c)) == "accepted");
}

TEST_CASE("oidc id token: a forged signature is refused") {
  for (const TestKey* k : {&rsa_key(), &ec_key()}) {
    CAPTURE(k->kid());
    const std::string good = k->sign(header(*k), claims());
    REQUIRE(refusal(good) == "accepted");
    CHECK(refusal(flip_signature(good)).find("signature") != std::string::npos);
    // The payload changed after signing (another subject).
    const size_t a = good.find('.'), b = good.rfind('.');
    json::object c = claims();
    c["sub"] = "someone-else";
    const std::string swapped =
        good.substr(0, a + 1) + auth::base64url(json::serialize(c)) + good.substr(b);
    CHECK(refusal(swapped).find("signature") != std::string::npos);
  }
  // Signed by another key that claims the same kid.
  const TestKey impostor = TestKey::p256("ec-1");
  CHECK(refusal(impostor.sign(header(impostor), claims())).find("signature") != std::string::npos);
  // An empty signature.
  const std::string good = rsa_key().sign(header(rsa_key()), claims());
  CHECK(refusal(good.substr(0, good.rfind('.') + 1)) != "accepted");
}

TEST_CASE("oidc id token: alg none, HS256 and other algorithms are refused before any key") {
  const std::string payload = auth::base64url(json::serialize(claims()));
  const std::string none = auth::base64url(R"({"alg":"none","kid":"rsa-1"})") + "." + payload + ".";
  CHECK(refusal(none).find("alg \"none\"") != std::string::npos);
  // HS256 keyed with the RSA key's public modulus: the classic confusion.
  const std::string n = *auth::from_base64url(std::string(rsa_key().jwk().at("n").as_string()));
  const std::string input = auth::base64url(R"({"alg":"HS256","kid":"rsa-1"})") + "." + payload;
  const std::string hs256 = input + "." + auth::base64url(auth::hmac_sha256(input, n));
  CHECK(refusal(hs256).find("alg \"HS256\"") != std::string::npos);
  for (const char* alg : {"RS512", "PS256", "ES384", "EdDSA"}) {
    json::object h = header(rsa_key());
    h["alg"] = alg;
    CHECK(refusal(rsa_key().sign(h, claims())).find("is not RS256 or ES256") != std::string::npos);
  }
  // An RS256 header naming the EC key (kty mismatch): no usable key.
  json::object h = header(rsa_key());
  h["kid"] = "ec-1";
  CHECK(refusal(rsa_key().sign(h, claims())).find("no usable key") != std::string::npos);
  // A critical extension this verifier does not know.
  h = header(rsa_key());
  h["crit"] = json::array{"exp"};
  CHECK(refusal(rsa_key().sign(h, claims())).find("crit") != std::string::npos);
}

TEST_CASE("oidc id token: a wrong or absent kid is refused") {
  json::object h = header(rsa_key());
  h["kid"] = "rotated-away";
  CHECK(refusal(rsa_key().sign(h, claims())).find("no usable key with kid \"rotated-away\"") !=
        std::string::npos);
  h.erase("kid");
  CHECK(refusal(rsa_key().sign(h, claims())).find("no kid") != std::string::npos);
  auto header_only = read_jose_header(rsa_key().sign(header(rsa_key()), claims()));
  REQUIRE(header_only.is_ok());
  CHECK(header_only->kid == "rsa-1");
  CHECK(header_only->alg == Algorithm::kRs256);
}

TEST_CASE("oidc id token: weak and broken keys are left out of the key set") {
  const TestKey weak = TestKey::rsa(1024, "weak");
  auto set = parse_jwks(jwks_of({weak.jwk(), ec_key().jwk()}));
  REQUIRE(set.is_ok());
  CHECK(set->keys.size() == 1);
  REQUIRE(set->refused.size() == 1);
  CHECK(set->refused[0].find("1024 bits") != std::string::npos);
  const std::string by_weak = weak.sign(header(weak), claims());
  CHECK(refusal(by_weak, *set).find("1024 bits") != std::string::npos);

  // A point off the curve: y changed by one bit.
  json::object off = ec_key().jwk();
  std::string y = *auth::from_base64url(std::string(off.at("y").as_string()));
  y[31] ^= 0x01;
  off["y"] = auth::base64url(y);
  auto parsed = parse_jwk(off);
  REQUIRE_FALSE(parsed.is_ok());
  CHECK(parsed.status().message().find("not on P-256") != std::string::npos);
  // Coordinates of the wrong length, another curve, an encryption key, a symmetric key.
  json::object short_x = ec_key().jwk();
  short_x["x"] = auth::base64url(std::string(31, 'x'));
  CHECK_FALSE(parse_jwk(short_x).is_ok());
  json::object p384 = ec_key().jwk();
  p384["crv"] = "P-384";
  CHECK_FALSE(parse_jwk(p384).is_ok());
  json::object enc = rsa_key().jwk();
  enc["use"] = "enc";
  CHECK_FALSE(parse_jwk(enc).is_ok());
  CHECK_FALSE(parse_jwk(json::object{{"kty", "oct"}, {"k", "c2VjcmV0"}, {"kid", "h"}}).is_ok());
  // A JWK that pins another algorithm is not used for RS256.
  json::object rs512 = rsa_key().jwk();
  rs512["alg"] = "RS512";
  auto pinned = parse_jwks(jwks_of({rs512}));
  REQUIRE(pinned.is_ok());
  CHECK(refusal(rsa_key().sign(header(rsa_key()), claims()), *pinned).find("no usable key") !=
        std::string::npos);
  CHECK_FALSE(parse_jwks("{\"keys\": 3}").is_ok());
  CHECK_FALSE(parse_jwks("[]").is_ok());
}

TEST_CASE("oidc id token: an ES256 signature that is not 64 bytes is refused") {
  const std::string good = ec_key().sign(header(ec_key()), claims());
  const size_t dot = good.rfind('.');
  std::string sig = *auth::from_base64url(good.substr(dot + 1));
  REQUIRE(sig.size() == 64);
  CHECK(refusal(good.substr(0, dot + 1) + auth::base64url(sig.substr(0, 63))).find("signature") !=
        std::string::npos);
  CHECK(refusal(good.substr(0, dot + 1) + auth::base64url(sig + "\x01")).find("signature") !=
        std::string::npos);
}

TEST_CASE("oidc id token: issuer, audience and azp must be this provider and this client") {
  const TestKey& k = rsa_key();
  CHECK(refusal(with_claim(k, "iss", "https://evil.example")).find("iss") != std::string::npos);
  CHECK(refusal(with_claim(k, "iss", json::string(kIssuer + "/"))).find("iss") !=
        std::string::npos);
  CHECK(refusal(without_claim(k, "iss")).find("iss") != std::string::npos);
  CHECK(refusal(with_claim(k, "aud", "someone-else")).find("aud") != std::string::npos);
  CHECK(refusal(with_claim(k, "aud", json::array{"a", "b"})).find("aud") != std::string::npos);
  CHECK(refusal(without_claim(k, "aud")).find("aud") != std::string::npos);
  CHECK(refusal(with_claim(k, "azp", "someone-else")).find("azp") != std::string::npos);
  CHECK(refusal(with_claim(k, "aud", json::array{kClient, "b"})).find("azp") != std::string::npos);
  // Google's alias is accepted when the caller says so.
  IdTokenChecks google = checks();
  google.other_issuers = {"accounts.google.com"};
  CHECK(refusal(with_claim(k, "iss", "accounts.google.com"), keys(), google) == "accepted");
}

TEST_CASE("oidc id token: expired, future or stale iat, wrong nonce and bad sub are refused") {
  const TestKey& k = ec_key();
  CHECK(refusal(with_claim(k, "exp", kNow - 61)).find("expired") != std::string::npos);
  CHECK(refusal(with_claim(k, "exp", kNow - 59)) == "accepted");  // within the skew
  CHECK(refusal(without_claim(k, "exp")).find("no exp") != std::string::npos);
  CHECK(refusal(with_claim(k, "exp", "tomorrow")).find("no exp") != std::string::npos);
  CHECK(refusal(with_claim(k, "iat", kNow + 120)).find("future") != std::string::npos);
  CHECK(refusal(with_claim(k, "iat", kNow - 601)).find("too old") != std::string::npos);
  CHECK(refusal(without_claim(k, "iat")).find("no iat") != std::string::npos);
  CHECK(refusal(with_claim(k, "nonce", "n-0S6_WzA2Mk")).find("nonce") != std::string::npos);
  CHECK(refusal(without_claim(k, "nonce")).find("nonce") != std::string::npos);
  IdTokenChecks no_nonce = checks();
  no_nonce.nonce.clear();
  CHECK(refusal(with_claim(k, "nonce", ""), keys(), no_nonce).find("nonce") != std::string::npos);
  CHECK(refusal(with_claim(k, "sub", "")).find("sub") != std::string::npos);
  CHECK(refusal(with_claim(k, "sub", json::string(256, 's'))).find("sub") != std::string::npos);
  CHECK(refusal(with_claim(k, "sub", 42)).find("sub") != std::string::npos);
  CHECK(refusal(with_claim(k, "sub", json::string(255, 's'))) == "accepted");
}

TEST_CASE("oidc id token: malformed tokens are refused without a crash") {
  for (const std::string& bad : std::vector<std::string>{
           "", ".", "..", "a.b", "a.b.c.d", "!!!.!!!.!!!", auth::base64url("{") + ".e30.",
           auth::base64url("[]") + ".e30.", std::string(kMaxIdTokenBytes + 1, 'a')}) {
    CAPTURE(bad.substr(0, 40));
    CHECK(refusal(bad) != "accepted");
  }
  // A signed payload that is not JSON.
  const TestKey& k = rsa_key();
  const std::string input =
      auth::base64url(json::serialize(header(k))) + "." + auth::base64url("not json");
  CHECK(refusal(input + "." + auth::base64url(k.signature(input))).find("payload") !=
        std::string::npos);
}
