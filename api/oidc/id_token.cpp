#include "api/oidc/id_token.h"

#include <sodium.h>

#include <boost/json.hpp>

#include "api/auth/jwt.h"

namespace orderly::api::oidc {

namespace json = boost::json;

namespace {

Status refuse(const std::string& why) {
  return Status::unauthorized("the ID token was refused: " + why);
}

struct Parts {
  std::string_view header_b64, payload_b64, signature_b64;
  std::string_view signing_input;  // "header.payload"
};

std::optional<Parts> split(std::string_view token) {
  const size_t a = token.find('.');
  const size_t b = a == std::string_view::npos ? a : token.find('.', a + 1);
  if (b == std::string_view::npos || token.find('.', b + 1) != std::string_view::npos)
    return std::nullopt;
  return Parts{token.substr(0, a), token.substr(a + 1, b - a - 1), token.substr(b + 1),
               token.substr(0, b)};
}

std::optional<json::object> decode_object(std::string_view b64) {
  auto bytes = auth::from_base64url(b64);
  if (!bytes)
    return std::nullopt;
  boost::system::error_code ec;
  json::value v = json::parse(*bytes, ec);
  if (ec || !v.is_object())
    return std::nullopt;
  return std::move(v.as_object());
}

const json::string* string_claim(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  return v != nullptr && v->is_string() ? &v->as_string() : nullptr;
}

// A NumericDate (RFC 7519 §2): an integer, or a number with a fraction
// (seconds, truncated).
std::optional<int64_t> time_claim(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr)
    return std::nullopt;
  if (v->is_int64())
    return v->as_int64();
  if (v->is_uint64() && v->as_uint64() <= static_cast<uint64_t>(INT64_MAX))
    return static_cast<int64_t>(v->as_uint64());
  if (v->is_double() && v->as_double() > -1e15 && v->as_double() < 1e15)
    return static_cast<int64_t>(v->as_double());
  return std::nullopt;
}

bool equal_secret(std::string_view a, std::string_view b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

Status check_audience(const json::object& claims, std::string_view client_id) {
  const json::value* aud = claims.if_contains("aud");
  size_t audiences = 0;
  bool ours = false;
  if (aud != nullptr && aud->is_string()) {
    audiences = 1;
    ours = aud->as_string() == client_id;
  } else if (aud != nullptr && aud->is_array()) {
    for (const json::value& a : aud->as_array()) {
      ++audiences;
      ours = ours || (a.is_string() && a.as_string() == client_id);
    }
  }
  if (!ours)
    return refuse("aud does not name this client");
  const json::value* azp = claims.if_contains("azp");
  if (azp != nullptr && !(azp->is_string() && azp->as_string() == client_id))
    return refuse("azp is not this client");
  if (audiences > 1 && azp == nullptr)
    return refuse("several audiences and no azp");
  return Status::ok();
}

}  // namespace

Result<JoseHeader> read_jose_header(std::string_view token) {
  if (token.size() > kMaxIdTokenBytes)
    return refuse("longer than " + std::to_string(kMaxIdTokenBytes) + " bytes");
  auto parts = split(token);
  if (!parts)
    return refuse("not a compact JWS of three parts");
  auto header = decode_object(parts->header_b64);
  if (!header)
    return refuse("the header is not base64url JSON");
  const json::string* alg_name = string_claim(*header, "alg");
  const auto alg = alg_name ? algorithm_named(*alg_name) : std::nullopt;
  if (!alg) {
    return refuse("alg " + (alg_name ? "\"" + std::string(*alg_name) + "\"" : "absent") +
                  " is not RS256 or ES256");
  }
  // RFC 7515 §4.1.11: extensions the verifier does not know must be refused.
  if (header->contains("crit"))
    return refuse("the header has crit extensions");
  const json::string* kid = string_claim(*header, "kid");
  if (kid == nullptr || kid->empty())
    return refuse("the header has no kid");
  return JoseHeader{*alg, std::string(*kid)};
}

Result<IdTokenClaims> verify_id_token(std::string_view token, const JwkSet& keys,
                                      const IdTokenChecks& checks) {
  auto header = read_jose_header(token);
  if (!header)
    return header.status();
  const Parts parts = *split(token);
  const Jwk* key = keys.find(header->kid, header->alg);
  if (key == nullptr) {
    std::string why = "no usable key with kid \"" + header->kid + "\" for its alg";
    for (const std::string& refused : keys.refused) {
      if (refused.starts_with(header->kid + ": "))
        why += " (" + refused + ")";
    }
    return refuse(why);
  }
  auto signature = auth::from_base64url(parts.signature_b64);
  if (!signature || !verify_signature(*key, header->alg, parts.signing_input, *signature))
    return refuse("the signature does not verify");

  auto claims = decode_object(parts.payload_b64);
  if (!claims)
    return refuse("the payload is not base64url JSON");
  IdTokenClaims out;
  const json::string* iss = string_claim(*claims, "iss");
  bool issuer_ok = iss != nullptr && *iss == checks.issuer;
  for (const std::string& other : checks.other_issuers)
    issuer_ok = issuer_ok || (iss != nullptr && *iss == other);
  if (!issuer_ok)
    return refuse("iss is not the provider's issuer");
  out.issuer = std::string(*iss);
  ORDERLY_RETURN_IF_ERROR(check_audience(*claims, checks.client_id));
  const auto exp = time_claim(*claims, "exp");
  if (!exp)
    return refuse("no exp");
  if (*exp <= checks.now_s - kClockSkewS)
    return refuse("expired");
  const auto iat = time_claim(*claims, "iat");
  if (!iat)
    return refuse("no iat");
  if (*iat > checks.now_s + kClockSkewS)
    return refuse("iat is in the future");
  if (*iat < checks.now_s - kMaxTokenAgeS)
    return refuse("iat is too old");
  out.exp = *exp;
  out.iat = *iat;
  const json::string* nonce = string_claim(*claims, "nonce");
  if (nonce == nullptr || checks.nonce.empty() || !equal_secret(*nonce, checks.nonce))
    return refuse("nonce does not match the sign-in's");
  const json::string* sub = string_claim(*claims, "sub");
  if (sub == nullptr || sub->empty() || sub->size() > 255)
    return refuse("sub is absent or longer than 255 characters");
  out.subject = std::string(*sub);
  if (const json::string* email = string_claim(*claims, "email"))
    out.email = std::string(*email);
  if (const json::string* name = string_claim(*claims, "name"))
    out.name = std::string(*name);
  if (const json::value* verified = claims->if_contains("email_verified")) {
    // A boolean; some providers send the string "true".
    out.has_email_verified = verified->is_bool() || verified->is_string();
    out.email_verified = (verified->is_bool() && verified->as_bool()) ||
                         (verified->is_string() && verified->as_string() == "true");
  }
  return out;
}

}  // namespace orderly::api::oidc
