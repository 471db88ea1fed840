// The RFC 9112 rules for a request's head that Beast's parser leaves to
// us, on plain values (no Beast here, so they test without sockets).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "api/http/message.h"

namespace orderly::api::http {

// Why this head's framing cannot be trusted (nullopt when it can): a
// Transfer-Encoding other than exactly `chunked` (gzip, identity, "chunked,
// gzip", xchunked ... which we cannot decode, and which a proxy in front
// may frame differently: RFC 9112 §6.3 says answer 400 and close), both
// Transfer-Encoding and Content-Length, or an HTTP/1.1 request without
// exactly one Host (RFC 9112 §3.2). `version` is 10 or 11.
std::optional<std::string> framing_error(const Request& head, unsigned version);

// The path and query of a request target. An absolute-form target
// ("http://shop.example/api/products?q=x", as sent to proxies; RFC 9112
// §3.2.2) is reduced to them ("/api/products?q=x"); an origin-form one is
// returned as is.
std::string_view origin_form(std::string_view target);

}  // namespace orderly::api::http
