// The HTTP/1.1 server (Boost.Beast on Asio): keep-alive and pipelined
// requests answered in order, a few I/O threads, and the limits a public
// endpoint needs. Everything else (routing, auth, JSON) is the Handler's.
//
// Limits and their answers: a body over `body_limit` is 413
// payload_too_large, headers over `header_limit` 431, a request line or
// headers that do not parse 400, a client slower than `read_timeout` for a
// whole request (slow loris) is disconnected, and past `max_connections`
// new connections are closed at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "api/http/message.h"
#include "core/status.h"

namespace orderly::api {

struct ServerOptions {
  std::string address = "127.0.0.1:8080";  // host:port; port 0 picks a free one
  int threads = 2;
  size_t body_limit = 1 << 20;
  size_t header_limit = 16 << 10;
  std::chrono::milliseconds read_timeout{10'000};
  std::chrono::milliseconds idle_timeout{60'000};  // between keep-alive requests
  size_t max_connections = 10'000;
};

// Answers for requests the server refuses before any handler sees them
// (the API's problem+json), by status and stable code.
using ErrorResponder =
    std::function<Response(int status, std::string_view code, std::string_view detail)>;

class HttpServer {
 public:
  static Result<std::unique_ptr<HttpServer>> start(ServerOptions options, Handler handler,
                                                   ErrorResponder errors);
  ~HttpServer();
  uint16_t port() const;
  size_t connections() const;
  // Stops accepting, lets in-flight requests answer (up to `grace`), then
  // closes every connection and joins the I/O threads.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));

  struct Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace orderly::api
