// OpenID Provider metadata (OpenID Connect Discovery 1.0 §3, §4.3): what
// the flow needs from <issuer>/.well-known/openid-configuration, checked.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace orderly::api::oidc {

enum class ClientAuth { kSecretBasic, kSecretPost };

struct ProviderMetadata {
  std::string issuer;
  std::string authorization_endpoint;
  std::string token_endpoint;
  std::string jwks_uri;
  std::string userinfo_endpoint;  // "" when the provider has none
  ClientAuth client_auth = ClientAuth::kSecretBasic;
};

// The discovery URL of an issuer (a trailing '/' is not doubled).
std::string discovery_url(std::string_view issuer);

// Parses and checks a discovery document: `issuer` equal to the configured
// one byte for byte (§4.3: a document naming another issuer is an attack or
// a mistake), the authorization, token and JWKS endpoints present and
// fetchable (check_fetch_url), S256 listed when code challenge methods are,
// and a client authentication this client can do (client_secret_basic, the
// default, or client_secret_post when only that is listed).
Result<ProviderMetadata> parse_discovery(std::string_view json, std::string_view issuer);

}  // namespace orderly::api::oidc
