// HTTP requests and responses as plain values: only server.cpp sees Beast,
// so routing, auth and the handlers compile in seconds and test without
// sockets.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace orderly::api {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // percent-decoded by the router, without the query
  std::string query;   // raw, after '?'
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string body;
  std::string remote_address;  // the peer's IP, for rate limits and logs

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
using Handler = std::function<void(Request, Respond)>;

}  // namespace orderly::api
