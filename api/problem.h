// Errors as RFC 9457 problem+json with the contract's stable `code`, and
// the mapping from the engine's ErrorCode to HTTP statuses (one place).
#pragma once

#include <boost/json/value.hpp>

#include <string_view>

#include "api/http/message.h"
#include "core/status.h"

namespace orderly::api {

Response problem(int status, std::string_view code, std::string_view detail,
                 const std::vector<FieldError>& fields = {});
// 400 validation_failed for input errors the API finds, 409 for conflicts,
// 503 overloaded (with Retry-After) ...
Response problem_from(const Status& status);
int http_status_of(ErrorCode code);

Response json_response(int status, const boost::json::value& body);

}  // namespace orderly::api
