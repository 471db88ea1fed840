// One API call as the route handlers see it: the request, its path
// parameters, the authenticated caller (if any), and how to answer.
#pragma once

#include <boost/json/object.hpp>

#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "api/http/message.h"
#include "api/rest/trace_context.h"
#include "commands/command.h"
#include "core/status.h"

namespace orderly::api::rest {

struct Principal {
  Uuid user_id;
  std::string user_id_text;
  commands::Role role = commands::Role::kCustomer;
  bool is_admin() const { return role == commands::Role::kAdmin; }
};

struct Route;

struct Call {
  http::Request request;
  const Route* route = nullptr;                            // the route matched at admission
  std::map<std::string, std::string, std::less<>> params;  // from the route pattern
  std::optional<Principal> who;
  std::string request_id;
  RequestTrace trace;  // W3C Trace Context: the trace id is the events' correlation id
  http::Respond respond;

  // A query-string parameter, percent-decoded (nullopt when absent).
  std::optional<std::string> query(std::string_view name) const;
  // An integer query parameter: nullopt when absent, an error when not a number.
  Result<std::optional<int64_t>> query_int(std::string_view name) const;
  // ?page (from 1, default 1) and ?per_page (1 to 100, default 20), brought
  // within bounds; an error when either is not an integer.
  struct PageQuery {
    int page = 1, per_page = 20;
  };
  Result<PageQuery> page_query() const;
  // If-Match as a stream version: nullopt when absent or "*" (any), the
  // version for "\"3\"" (the ETag a command answers with), "\"3-<digest>\""
  // (the ETag a GET answers with: conditional_get.h) or a bare 3; 422
  // validation_failed for anything else (weak tags and lists included).
  Result<std::optional<uint32_t>> if_match() const;
  // The JSON object body: 415 unsupported_media_type unless the content type
  // is JSON, 400 malformed_json naming the byte offset, 422 when not an object.
  // The failure is answered already when this returns nullopt.
  std::optional<boost::json::object> json_body() const;
  // json_body() read by a request parser (api/rest/requests/), called as
  // parse(body, args...): its value, or nullopt when the body or the parser
  // refused it (answered already: json_body()'s failures, or the parser's
  // 422 naming every wrong field).
  template <typename Parse, typename... Args>
  auto parsed_body(Parse&& parse, const Args&... args) const -> std::optional<
      std::remove_cvref_t<decltype(*parse(std::declval<const boost::json::object&>(), args...))>>;
  // The command metadata of this caller (actor, role, idempotency key and
  // the body's fingerprint).
  commands::CommandMeta meta() const;
  // meta() with If-Match as its expected version, for the commands that
  // honour it; a malformed If-Match is answered (422) and gives nullopt.
  std::optional<commands::CommandMeta> meta_with_if_match() const;

  void answer(http::Response r) const { respond(std::move(r)); }
  void fail(const Status& st) const;
};

template <typename Parse, typename... Args>
auto Call::parsed_body(Parse&& parse, const Args&... args) const -> std::optional<
    std::remove_cvref_t<decltype(*parse(std::declval<const boost::json::object&>(), args...))>> {
  auto body = json_body();
  if (!body)
    return std::nullopt;
  auto parsed = parse(*body, args...);
  if (!parsed) {
    fail(parsed.status());
    return std::nullopt;
  }
  return std::move(*parsed);
}

// The X-Request-Id of an answer to `req`: the client's, echoed when it is
// short and printable; otherwise a new one.
std::string request_id_of(const http::Request& req);

// The W3C trace of `req` (trace_context.h): its traceparent when it sent
// exactly one valid one, else a new trace.
RequestTrace request_trace_of(const http::Request& req);

// The ETag of an aggregate at a stream version: "\"<version>\"" (strong).
std::string etag_of(uint64_t version);

// A WebSocket upgrade's access token: ?access_token= (browsers cannot set
// headers on a WebSocket) or Authorization: Bearer; unauthorized when
// neither is there.
Result<std::string> websocket_token(const http::Request& req);
// Whether an upgrade brought a token at all (valid or not): a refusal then
// says invalid_token (see add_challenge).
bool websocket_token_sent(const http::Request& req);
// ?scope=all: an admin asking for every event.
bool wants_all_events(const http::Request& req);

// Percent-decoding of a path or query component ('+' is a space in queries).
std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space);

}  // namespace orderly::api::rest
