// Errors as RFC 9457 problem+json with the contract's stable `code`, and
// the mapping from the engine's ErrorCode to HTTP statuses (one place).
#pragma once

#include <boost/json/value.hpp>

#include <string_view>

#include "api/http/message.h"
#include "core/status.h"

namespace orderly::api::rest {

http::Response problem(int status, std::string_view code, std::string_view detail,
                       const std::vector<FieldError>& fields = {});
// 400 validation_failed for input errors the API finds, 409 for conflicts
// (a stale If-Match: with the member current_version), 503 overloaded (with
// Retry-After) ...
http::Response problem_from(const Status& status);
// The answer to a request refused before any handler saw it (the server's
// http::ErrorResponder): a problem with a fresh X-Request-Id, so it can
// still be traced.
http::Response refused_request(int status, std::string_view code, std::string_view detail);
int http_status_of(ErrorCode code);

http::Response json_response(int status, const boost::json::value& body);

// RFC 6750 section 3: a 401 names the scheme it wants, WWW-Authenticate:
// Bearer, with error="invalid_token" when a bearer token was sent and
// refused (a client then refreshes rather than asks for a login). Other
// answers, and a 401 that has the header already, are left as they are.
void add_challenge(http::Response& r, bool token_refused);

}  // namespace orderly::api::rest
