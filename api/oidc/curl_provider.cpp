#include "api/oidc/curl_provider.h"

#include <boost/json.hpp>
#include <chrono>

#include "api/oidc/http_fetch.h"
#include "api/oidc/id_token.h"

namespace orderly::api::oidc {

namespace json = boost::json;

namespace {

constexpr int64_t kMetadataTtlS = 24 * 3600;
constexpr int64_t kJwksTtlS = 3600;
constexpr int64_t kKidRefetchIntervalS = 60;
constexpr std::string_view kGoogle = "https://accounts.google.com";

int64_t system_now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status unavailable(const std::string& why) {
  return Status::io_error("the OpenID provider is unavailable: " + why);
}

std::optional<json::object> json_object(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object())
    return std::nullopt;
  return std::move(v.as_object());
}

std::string string_of(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace

std::string default_provider_name(std::string_view issuer) {
  return issuer == kGoogle ? "google" : "openid";
}

Status check_provider_config(const ProviderConfig& config) {
  if (Status st = check_fetch_url(config.issuer); !st)
    return Status::invalid_argument("--oidc-issuer: " + st.message());
  if (config.client_id.empty())
    return Status::invalid_argument("--oidc-client-id is needed with --oidc-issuer");
  if (config.client_secret.empty())
    return Status::invalid_argument("--oidc-client-secret-file is needed with --oidc-issuer");
  return Status::ok();
}

CurlProvider::CurlProvider(ProviderConfig config, std::function<int64_t()> now_s)
    : config_([&] {
        if (config.name.empty())
          config.name = default_provider_name(config.issuer);
        return std::move(config);
      }()),
      now_s_(now_s ? std::move(now_s) : std::function<int64_t()>(system_now_s)) {}

uint64_t CurlProvider::jwks_fetches() const {
  MutexLock lock(mu_);
  return jwks_fetches_;
}

Result<ProviderMetadata> CurlProvider::metadata() {
  MutexLock lock(mu_);
  const int64_t now = now_s_();
  if (meta_ && now - meta_at_s_ < kMetadataTtlS)
    return *meta_;
  auto reply = http_fetch({discovery_url(config_.issuer), {}, {"Accept: application/json"}});
  if (!reply)
    return unavailable(reply.status().message());
  if (reply->status != 200)
    return unavailable("discovery answered " + std::to_string(reply->status));
  auto meta = parse_discovery(reply->body, config_.issuer);
  if (!meta)
    return meta.status();
  meta_ = *meta;
  meta_at_s_ = now;
  return meta;
}

Result<std::shared_ptr<const JwkSet>> CurlProvider::fetch_jwks_locked(
    const ProviderMetadata& meta) {
  ++jwks_fetches_;
  auto reply = http_fetch({meta.jwks_uri, {}, {"Accept: application/json"}});
  if (!reply)
    return unavailable(reply.status().message());
  if (reply->status != 200)
    return unavailable("the JWKS answered " + std::to_string(reply->status));
  auto set = parse_jwks(reply->body);
  if (!set)
    return unavailable(set.status().message());
  jwks_ = std::make_shared<const JwkSet>(std::move(*set));
  jwks_at_s_ = now_s_();
  return jwks_;
}

Result<std::shared_ptr<const JwkSet>> CurlProvider::keys_for(std::string_view kid) {
  auto meta = metadata();
  if (!meta)
    return meta.status();
  MutexLock lock(mu_);
  const int64_t now = now_s_();
  if (!jwks_ || now - jwks_at_s_ >= kJwksTtlS)
    return fetch_jwks_locked(*meta);
  if (jwks_->has_kid(kid))
    return jwks_;
  // An unknown kid: the provider may have rotated its keys. One refetch,
  // at most once a minute; otherwise the token is refused with the keys
  // at hand.
  if (last_kid_refetch_s_ && now - *last_kid_refetch_s_ < kKidRefetchIntervalS)
    return jwks_;
  last_kid_refetch_s_ = now;
  return fetch_jwks_locked(*meta);
}

Status CurlProvider::warm_up() {
  auto meta = metadata();
  if (!meta)
    return meta.status();
  MutexLock lock(mu_);
  if (jwks_)
    return Status::ok();
  return fetch_jwks_locked(*meta).status();
}

Result<std::string> CurlProvider::authorization_url(const AuthorizationRequest& r) {
  auto meta = metadata();
  if (!meta)
    return meta.status();
  std::string url = meta->authorization_endpoint;
  url += url.find('?') == std::string::npos ? '?' : '&';
  url += "response_type=code&client_id=" + form_encode(config_.client_id) +
         "&redirect_uri=" + form_encode(r.redirect_uri) + "&scope=openid%20email%20profile" +
         "&state=" + form_encode(r.state) + "&nonce=" + form_encode(r.nonce) +
         "&code_challenge=" + form_encode(r.code_challenge) + "&code_challenge_method=S256";
  return url;
}

Status CurlProvider::read_userinfo(const ProviderMetadata& meta, const std::string& access_token,
                                   bool verified_known, Identity& identity) {
  auto reply = http_fetch({meta.userinfo_endpoint,
                           {},
                           {"Accept: application/json", "Authorization: Bearer " + access_token}});
  if (!reply)
    return unavailable(reply.status().message());
  if (reply->status != 200)
    return unavailable("userinfo answered " + std::to_string(reply->status));
  auto info = json_object(reply->body);
  if (!info)
    return unavailable("userinfo is not a JSON object");
  // OpenID Connect Core §5.3.2: the answer is about the ID token's subject,
  // or it is not used.
  if (string_of(*info, "sub") != identity.subject)
    return Status::unauthorized("the userinfo's sub is not the ID token's");
  const std::string email = string_of(*info, "email");
  const json::value* verified = info->if_contains("email_verified");
  const bool email_verified =
      verified != nullptr && ((verified->is_bool() && verified->as_bool()) ||
                              (verified->is_string() && verified->as_string() == "true"));
  // The ID token's email wins; userinfo says whether it is verified only
  // about the same address.
  if (identity.email.empty()) {
    identity.email = email;
    identity.email_verified = email_verified;
  } else if (!verified_known && email == identity.email) {
    identity.email_verified = email_verified;
  }
  if (identity.name.empty())
    identity.name = string_of(*info, "name");
  return Status::ok();
}

Result<Identity> CurlProvider::redeem(const Redemption& r) {
  auto meta = metadata();
  if (!meta)
    return meta.status();
  HttpRequest token_request{meta->token_endpoint,
                            "grant_type=authorization_code&code=" + form_encode(r.code) +
                                "&redirect_uri=" + form_encode(r.redirect_uri) +
                                "&code_verifier=" + form_encode(r.code_verifier),
                            {"Accept: application/json"}};
  if (meta->client_auth == ClientAuth::kSecretPost) {
    token_request.form += "&client_id=" + form_encode(config_.client_id) +
                          "&client_secret=" + form_encode(config_.client_secret);
  } else {
    token_request.headers.push_back(basic_authorization(config_.client_id, config_.client_secret));
  }
  auto reply = http_fetch(token_request);
  if (!reply)
    return unavailable(reply.status().message());
  auto body = json_object(reply->body);
  if (reply->status == 400 || reply->status == 401) {
    const std::string error = body ? string_of(*body, "error") : "";
    return Status::invalid_argument("the provider refused the code" +
                                    (error.empty() ? std::string() : ": " + error.substr(0, 64)));
  }
  if (reply->status != 200 || !body)
    return unavailable("the token endpoint answered " + std::to_string(reply->status));
  const std::string id_token = string_of(*body, "id_token");
  if (id_token.empty())
    return Status::unauthorized("the token endpoint's answer has no id_token");

  auto header = read_jose_header(id_token);
  if (!header)
    return header.status();
  auto keys = keys_for(header->kid);
  if (!keys)
    return keys.status();
  IdTokenChecks checks{meta->issuer, {}, config_.client_id, r.nonce, now_s_()};
  if (meta->issuer == kGoogle)
    checks.other_issuers.push_back("accounts.google.com");  // Google's documented alias
  auto claims = verify_id_token(id_token, **keys, checks);
  if (!claims)
    return claims.status();
  // Keyed by the configured issuer, also when Google wrote its alias.
  Identity identity{meta->issuer, claims->subject, claims->email, claims->email_verified,
                    claims->name};
  const std::string access_token = string_of(*body, "access_token");
  if ((identity.email.empty() || !claims->has_email_verified || identity.name.empty()) &&
      !meta->userinfo_endpoint.empty() && !access_token.empty()) {
    ORDERLY_RETURN_IF_ERROR(
        read_userinfo(*meta, access_token, claims->has_email_verified, identity));
  }
  return identity;
}

}  // namespace orderly::api::oidc
