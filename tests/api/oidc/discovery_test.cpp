// The provider's discovery document and the fetch rules (api/oidc/
// discovery.h, http_fetch.h): what is refused before anything is fetched.
#include <doctest/doctest.h>

#include "api/oidc/curl_provider.h"
#include "api/oidc/discovery.h"
#include "api/oidc/http_fetch.h"

using namespace orderly;
using namespace orderly::api::oidc;

namespace {

const std::string kIssuer = "https://op.example";

std::string document(const std::string& extra = "") {
  return R"({"issuer": "https://op.example",
             "authorization_endpoint": "https://op.example/auth",
             "token_endpoint": "https://op.example/token",
             "jwks_uri": "https://op.example/jwks",
             "userinfo_endpoint": "https://op.example/me")" +
         extra + "}";
}

}  // namespace

TEST_CASE("oidc fetch: only https, or http to a loopback host") {
  CHECK(check_fetch_url("https://accounts.google.com/.well-known/openid-configuration").is_ok());
  CHECK(check_fetch_url("http://127.0.0.1:4000/jwks").is_ok());
  CHECK(check_fetch_url("http://127.8.9.1/jwks").is_ok());
  CHECK(check_fetch_url("http://localhost:4000/jwks").is_ok());
  CHECK(check_fetch_url("http://[::1]:4000/jwks").is_ok());
  CHECK_FALSE(check_fetch_url("http://op.example/jwks").is_ok());
  CHECK_FALSE(check_fetch_url("http://10.0.0.1/jwks").is_ok());
  CHECK_FALSE(check_fetch_url("http://localhost.evil.example/jwks").is_ok());
  CHECK_FALSE(check_fetch_url("ftp://op.example/jwks").is_ok());
  CHECK_FALSE(check_fetch_url("file:///etc/passwd").is_ok());
  CHECK_FALSE(check_fetch_url("https://user:pw@op.example/").is_ok());
  CHECK_FALSE(check_fetch_url("/relative").is_ok());
  CHECK_FALSE(check_fetch_url("").is_ok());
  // http_fetch refuses them before any connection.
  auto r = http_fetch({"http://op.example/jwks", {}, {}});
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("oidc fetch: form encoding and client_secret_basic") {
  CHECK(form_encode("a-b_c.d~e") == "a-b_c.d~e");
  CHECK(form_encode("a b+c/d?e=f&g") == "a%20b%2Bc%2Fd%3Fe%3Df%26g");
  CHECK(form_encode("\xC3\xA9") == "%C3%A9");
  // RFC 6749 2.3.1: id and secret form-encoded, then "id:secret" in base64.
  CHECK(basic_authorization("orderly", "s3cr:t") ==
        "Authorization: Basic b3JkZXJseTpzM2NyJTNBdA==");
}

TEST_CASE("oidc discovery: the document is checked") {
  auto ok = parse_discovery(document(), kIssuer);
  REQUIRE(ok.is_ok());
  CHECK(ok->token_endpoint == "https://op.example/token");
  CHECK(ok->userinfo_endpoint == "https://op.example/me");
  CHECK(ok->client_auth == ClientAuth::kSecretBasic);
  // Another issuer, even one byte off, is refused (Discovery 4.3).
  CHECK_FALSE(parse_discovery(document(), "https://op.example/").is_ok());
  CHECK_FALSE(parse_discovery(document(), "https://evil.example").is_ok());
  // PKCE S256 must be listed when methods are.
  CHECK_FALSE(
      parse_discovery(document(R"(, "code_challenge_methods_supported": ["plain"])"), kIssuer)
          .is_ok());
  CHECK(parse_discovery(document(R"(, "code_challenge_methods_supported": ["plain", "S256"])"),
                        kIssuer)
            .is_ok());
  // client_secret_post only when basic is not offered.
  auto post = parse_discovery(
      document(R"(, "token_endpoint_auth_methods_supported": ["client_secret_post"])"), kIssuer);
  REQUIRE(post.is_ok());
  CHECK(post->client_auth == ClientAuth::kSecretPost);
  CHECK_FALSE(
      parse_discovery(document(R"(, "token_endpoint_auth_methods_supported": ["private_key_jwt"])"),
                      kIssuer)
          .is_ok());
  // Endpoints: required ones present, every one fetchable.
  CHECK_FALSE(parse_discovery(R"({"issuer": "https://op.example",
      "authorization_endpoint": "https://op.example/auth", "jwks_uri": "https://op.example/j"})",
                              kIssuer)
                  .is_ok());
  std::string plain_http = document();
  plain_http.replace(plain_http.find("https://op.example/jwks"), 23, "http://op.example/jwks");
  CHECK_FALSE(parse_discovery(plain_http, kIssuer).is_ok());
  CHECK_FALSE(parse_discovery("not json", kIssuer).is_ok());
  CHECK(discovery_url("https://op.example") ==
        "https://op.example/.well-known/openid-configuration");
  CHECK(discovery_url("https://op.example/tenant/") ==
        "https://op.example/tenant/.well-known/openid-configuration");
}

TEST_CASE("oidc provider: configuration checks and the default name") {
  CHECK(default_provider_name("https://accounts.google.com") == "google");
  CHECK(default_provider_name("https://login.example") == "openid");
  CHECK(check_provider_config({"https://op.example", "id", "secret", ""}).is_ok());
  CHECK_FALSE(check_provider_config({"http://op.example", "id", "secret", ""}).is_ok());
  CHECK(check_provider_config({"http://127.0.0.1:9", "id", "secret", ""}).is_ok());
  CHECK_FALSE(check_provider_config({"https://op.example", "", "secret", ""}).is_ok());
  CHECK_FALSE(check_provider_config({"https://op.example", "id", "", ""}).is_ok());
  CurlProvider google({"https://accounts.google.com", "id", "secret", ""});
  CHECK(google.name() == "google");
  CurlProvider named({"https://op.example", "id", "secret", "Example"});
  CHECK(named.name() == "Example");
}
