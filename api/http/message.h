// HTTP requests and responses as plain values: only server.cpp sees Beast,
// so routing, auth and the handlers compile in seconds and test without
// sockets.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace orderly::api::http {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // percent-decoded by the router, without the query
  std::string query;   // raw, after '?'
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string body;
  std::string remote_address;  // the peer's IP, for rate limits and logs
  // What the server's admission step decided about this request's head
  // (the API keeps its routed, authenticated call here), handed back to the
  // handler with the whole request so nothing is decided twice; null when
  // the server has no admission step.
  std::shared_ptr<void> admitted;

  // The first header of that (lower-case) name, or "".
  std::string_view header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (k == name)
        return v;
    }
    return {};
  }
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  bool close = false;  // close the connection after this response

  Response& header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

// Handlers answer exactly once, from any thread (commands answer from the
// store's sync thread): the server hands the response back to its socket.
using Respond = std::function<void(Response)>;
// When the server has an admission step (Admit) and it admitted the
// request, `respond` is empty: the Respond given to Admit answers it.
using Handler = std::function<void(Request, Respond)>;

// The decision on a request's head (method, target, headers: `body` is
// still empty), made before a byte of its body is read. Either it answers
// at once through `respond` (a refusal: 401, 404, 413, 429 ...) and returns
// nullopt, and the body is never read; or it keeps `respond` for the
// Handler and returns how many body bytes this request may bring.
using Admit = std::function<std::optional<size_t>(Request& head, Respond respond)>;

}  // namespace orderly::api::http
