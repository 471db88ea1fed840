#include "api/auth/jwt.h"

#include <sodium.h>

#include <boost/json.hpp>

namespace orderly::api::auth {

namespace json = boost::json;

std::string base64url(std::string_view bytes) {
  std::string out(sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                  '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

std::optional<std::string> from_base64url(std::string_view text) {
  std::string out(text.size() * 3 / 4 + 3, '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &len, nullptr,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
    return std::nullopt;
  }
  out.resize(len);
  return out;
}

std::string hmac_sha256(std::string_view data, std::string_view secret) {
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(secret.data()),
                              secret.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(data.data()),
                                data.size());
  crypto_auth_hmacsha256_final(&st, mac);
  return std::string(reinterpret_cast<const char*>(mac), sizeof mac);
}

std::string sign_jwt(const AccessClaims& c, std::string_view secret) {
  static const std::string kHeader = base64url(R"({"alg":"HS256","typ":"JWT"})");
  json::object payload{{"sub", c.sub}, {"role", c.role}, {"iat", c.iat}, {"exp", c.exp}};
  if (!c.sid.empty())
    payload["sid"] = c.sid;
  if (!c.email.empty())
    payload["email"] = c.email;
  std::string signing_input = kHeader + "." + base64url(json::serialize(payload));
  return signing_input + "." + base64url(hmac_sha256(signing_input, secret));
}

namespace {

Status bad(const char* why) {
  return Status::unauthorized(why);
}

// A JWT's three parts, decoded; the signature is checked by the caller.
struct JwtParts {
  std::string header, payload, signature;
  size_t signed_length = 0;  // of "header.payload"
};

Result<JwtParts> split_jwt(std::string_view token) {
  const size_t a = token.find('.');
  const size_t b = a == std::string_view::npos ? a : token.find('.', a + 1);
  if (b == std::string_view::npos || token.find('.', b + 1) != std::string_view::npos)
    return bad("the access token is not a JWT");
  auto header = from_base64url(token.substr(0, a));
  auto payload = from_base64url(token.substr(a + 1, b - a - 1));
  auto signature = from_base64url(token.substr(b + 1));
  if (!header || !payload || !signature)
    return bad("the access token is not a JWT");
  boost::system::error_code ec;
  json::value h = json::parse(*header, ec);
  // Only HS256: `none` and asymmetric algorithms are refused before any check.
  if (ec || !h.is_object() || !h.as_object().contains("alg") ||
      h.as_object().at("alg") != "HS256") {
    return bad("the access token's algorithm is not HS256");
  }
  return JwtParts{std::move(*header), std::move(*payload), std::move(*signature), b};
}

Result<AccessClaims> claims_of(const std::string& payload, int64_t now_s) {
  boost::system::error_code ec;
  json::value p = json::parse(payload, ec);
  if (ec || !p.is_object())
    return bad("the access token's claims do not parse");
  try {
    const json::object& o = p.as_object();
    AccessClaims c;
    c.sub = json::value_to<std::string>(o.at("sub"));
    c.role = json::value_to<std::string>(o.at("role"));
    c.iat = o.contains("iat") ? o.at("iat").to_number<int64_t>() : 0;
    c.exp = o.at("exp").to_number<int64_t>();
    if (const auto* sid = o.if_contains("sid"); sid && sid->is_string())
      c.sid = std::string(sid->as_string());
    if (const auto* email = o.if_contains("email"); email && email->is_string())
      c.email = std::string(email->as_string());
    if (c.exp <= now_s)
      return bad("the access token has expired");
    // RFC 7519 4.1.5: never accepted before its not-before time.
    if (o.contains("nbf") && o.at("nbf").to_number<int64_t>() > now_s)
      return bad("the access token is not valid yet");
    if (c.role != "customer" && c.role != "admin")
      return bad("the access token's role is unknown");
    return c;
  } catch (const std::exception&) {
    return bad("the access token's claims are incomplete");
  }
}

}  // namespace

Result<AccessClaims> verify_jwt(std::string_view token, std::string_view secret, int64_t now_s) {
  auto parts = split_jwt(token);
  if (!parts)
    return parts.status();
  const std::string expected = hmac_sha256(token.substr(0, parts->signed_length), secret);
  if (parts->signature.size() != expected.size() ||
      sodium_memcmp(parts->signature.data(), expected.data(), expected.size()) != 0) {
    return bad("the access token's signature is wrong");
  }
  return claims_of(parts->payload, now_s);
}

Result<AccessClaims> read_verified_jwt_claims(std::string_view token, int64_t now_s) {
  auto parts = split_jwt(token);
  if (!parts)
    return parts.status();
  return claims_of(parts->payload, now_s);
}

}  // namespace orderly::api::auth
