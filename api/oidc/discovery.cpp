#include "api/oidc/discovery.h"

#include <boost/json.hpp>

#include "api/oidc/http_fetch.h"

namespace orderly::api::oidc {

namespace json = boost::json;

namespace {

Status bad(const std::string& why) {
  return Status::io_error("the provider's discovery document: " + why);
}

bool lists(const json::object& doc, std::string_view field, std::string_view value) {
  const json::value* v = doc.if_contains(field);
  if (v == nullptr || !v->is_array())
    return false;
  for (const json::value& x : v->as_array()) {
    if (x.is_string() && x.as_string() == value)
      return true;
  }
  return false;
}

Result<std::string> endpoint(const json::object& doc, std::string_view field, bool required) {
  const json::value* v = doc.if_contains(field);
  if (v == nullptr && !required)
    return std::string();
  if (v == nullptr || !v->is_string())
    return bad("no " + std::string(field));
  const std::string url(v->as_string());
  if (Status st = check_fetch_url(url); !st)
    return bad(std::string(field) + ": " + st.message());
  return url;
}

}  // namespace

std::string discovery_url(std::string_view issuer) {
  std::string url(issuer);
  if (!url.ends_with('/'))
    url += '/';
  return url + ".well-known/openid-configuration";
}

Result<ProviderMetadata> parse_discovery(std::string_view text, std::string_view issuer) {
  boost::system::error_code ec;
  const json::value v = json::parse(text, ec);
  if (ec || !v.is_object())
    return bad("not a JSON object");
  const json::object& doc = v.as_object();
  ProviderMetadata meta;
  const json::value* iss = doc.if_contains("issuer");
  if (iss == nullptr || !iss->is_string() || iss->as_string() != issuer)
    return bad("its issuer is not " + std::string(issuer));
  meta.issuer = std::string(issuer);
  for (auto [field, out, required] :
       {std::tuple{"authorization_endpoint", &meta.authorization_endpoint, true},
        std::tuple{"token_endpoint", &meta.token_endpoint, true},
        std::tuple{"jwks_uri", &meta.jwks_uri, true},
        std::tuple{"userinfo_endpoint", &meta.userinfo_endpoint, false}}) {
    auto url = endpoint(doc, field, required);
    if (!url)
      return url.status();
    *out = std::move(*url);
  }
  if (doc.contains("code_challenge_methods_supported") &&
      !lists(doc, "code_challenge_methods_supported", "S256")) {
    return bad("PKCE with S256 is not supported");
  }
  if (doc.contains("token_endpoint_auth_methods_supported") &&
      !lists(doc, "token_endpoint_auth_methods_supported", "client_secret_basic")) {
    if (!lists(doc, "token_endpoint_auth_methods_supported", "client_secret_post"))
      return bad("neither client_secret_basic nor client_secret_post is supported");
    meta.client_auth = ClientAuth::kSecretPost;
  }
  return meta;
}

}  // namespace orderly::api::oidc
