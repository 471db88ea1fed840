// The HTTP calls to an OpenID provider (discovery, JWKS, token endpoint,
// userinfo) through libcurl, hardened for talking to a server on the
// internet from inside the engine: https only (plain http only to a
// loopback host, for tests), the peer's certificate and name verified, no
// redirects followed, a 10 s deadline and a 1 MiB cap on the answer.
//
// Thread safety: each call uses its own handle; call from any thread.
// Blocking: never call on an I/O thread.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace orderly::api::oidc {

struct FetchLimits {
  std::chrono::milliseconds timeout{10'000};
  size_t max_bytes = 1 << 20;
};

struct HttpRequest {
  std::string url;
  // POSTed as application/x-www-form-urlencoded when not empty, else a GET.
  std::string form;
  std::vector<std::string> headers;  // "Name: value"
};

struct HttpReply {
  long status = 0;
  std::string body;
};

// `invalid_argument` when the URL may not be fetched (not https, not
// loopback http, not a URL); `io_error` when the server did not answer
// within the limits. Any HTTP status is a reply.
Result<HttpReply> http_fetch(const HttpRequest& request, const FetchLimits& limits = {});

// Whether `url` is https, or http to 127.0.0.0/8, [::1] or localhost.
Status check_fetch_url(std::string_view url);

// application/x-www-form-urlencoded (every byte but ALPHA / DIGIT / "-._~"
// percent-encoded), as a form body and as RFC 6749 §2.3.1 encodes a client's
// id and secret before Basic authentication.
std::string form_encode(std::string_view text);

// "Authorization: Basic ..." for client_secret_basic (RFC 6749 §2.3.1).
std::string basic_authorization(std::string_view client_id, std::string_view client_secret);

}  // namespace orderly::api::oidc
