#include "api/rest/problem.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>

#include "api/rest/trace_context.h"
#include "commands/processor.h"
#include "core/ids.h"

namespace orderly::api::rest {

namespace json = boost::json;

namespace {

std::string_view title_of(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 413:
      return "Payload Too Large";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 503:
      return "Service Unavailable";
    case 507:
      return "Insufficient Storage";
    default:
      return status >= 500 ? "Internal Server Error" : "Error";
  }
}

}  // namespace

int http_status_of(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
      return 200;
    case ErrorCode::kInvalidToken:
    case ErrorCode::kInvalidSignature:
    case ErrorCode::kStaleWebhook:
      return 400;
    case ErrorCode::kInvalidArgument:
      return 422;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kVersionConflict:
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kInsufficientStock:
    case ErrorCode::kInvalidTransition:
    case ErrorCode::kPriceChanged:
    case ErrorCode::kHoldLimitExceeded:
    case ErrorCode::kCategoryInUse:
      return 409;
    case ErrorCode::kUnsupportedMediaType:
      return 415;
    case ErrorCode::kUnauthorized:
      return 401;
    case ErrorCode::kForbidden:
      return 403;
    case ErrorCode::kIdempotencyKeyReused:
      return 422;
    case ErrorCode::kOverloaded:
    case ErrorCode::kShuttingDown:
    case ErrorCode::kBusy:
    case ErrorCode::kProjectionLagging:
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kInsufficientStorage:
      return 507;
    case ErrorCode::kCorruption:
    case ErrorCode::kIOError:
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

namespace {

json::object problem_body(int status, std::string_view code, std::string_view detail,
                          const std::vector<FieldError>& fields) {
  json::object body{{"type", "https://orderly.dev/problems/" + std::string(code)},
                    {"title", title_of(status)},
                    {"status", status},
                    {"code", code},
                    {"detail", detail}};
  if (!fields.empty()) {
    json::array errors;
    for (const auto& f : fields)
      errors.push_back(json::object{{"field", f.field}, {"message", f.message}});
    body["errors"] = std::move(errors);
  }
  return body;
}

http::Response problem_response(int status, const json::object& body) {
  http::Response r;
  r.status = status;
  r.content_type = "application/problem+json";
  r.body = json::serialize(body);
  if (status == 503 || status == 429)
    r.header("Retry-After", "1");
  return r;
}

}  // namespace

http::Response problem(int status, std::string_view code, std::string_view detail,
                       const std::vector<FieldError>& fields) {
  return problem_response(status, problem_body(status, code, detail, fields));
}

http::Response refused_request(int status, std::string_view code, std::string_view detail) {
  // Refused before the request's headers were read: a trace of its own.
  return problem(status, code, detail)
      .header("X-Request-Id", new_uuid_v7())
      .header("traceparent", trace_of({}, {}).traceparent());
}

http::Response problem_from(const Status& st) {
  const int status = http_status_of(st.code());
  std::string_view code = error_code_name(st.code());
  if (st.code() == ErrorCode::kShuttingDown || st.code() == ErrorCode::kBusy)
    code = "overloaded";
  // Internal failures are logged with their detail; the client gets no
  // paths or library messages.
  const std::string detail =
      status == 507 ? "the engine's disk is full: nothing was recorded; retry once space is freed"
      : status >= 500 && status != 503 ? "the engine could not complete the request"
                                       : st.message();
  if (const auto current = commands::current_version_of(st)) {
    // A stale If-Match: the version to read again is a member of its own,
    // not a field of the request.
    json::object body = problem_body(status, code, detail, {});
    body["current_version"] = *current;
    return problem_response(status, body);
  }
  return problem(status, code, detail, st.fields());
}

http::Response json_response(int status, const json::value& body) {
  http::Response r;
  r.status = status;
  r.body = json::serialize(body);
  return r;
}

void add_challenge(http::Response& r, bool token_refused) {
  if (r.status != 401)
    return;
  for (const auto& [name, value] : r.headers) {
    if (name.size() == 16 &&
        std::equal(name.begin(), name.end(), "www-authenticate",
                   [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; }))
      return;
  }
  r.header("WWW-Authenticate", token_refused ? R"(Bearer error="invalid_token")" : "Bearer");
}

}  // namespace orderly::api::rest
