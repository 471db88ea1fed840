// A small blocking HTTP/1.1 client for the API tests (keep-alive, one
// connection per client; reconnects when the server closed it).
#pragma once

#include <boost/json/value.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace orderly::testing {

struct HttpResult {
  int status = 0;  // 0: no answer (connection refused or closed)
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case

  std::string header(std::string_view name) const;
  boost::json::value json() const;  // null when the body is not JSON
};

class HttpClient {
 public:
  explicit HttpClient(uint16_t port);
  // Connecting from `source` (any 127.x.y.z: another client address to the
  // server's per-address limits), "" for the system's choice.
  HttpClient(uint16_t port, std::string source);
  ~HttpClient();

  // Each read and write on the connection gives up after `timeout` (status
  // 0): for a server that may be frozen. Default: none.
  void set_timeout(std::chrono::milliseconds timeout);

  HttpResult request(const std::string& method, const std::string& target,
                     const std::string& body = "",
                     const std::vector<std::pair<std::string, std::string>>& headers = {});
  // A JSON body with Content-Type: application/json, and a bearer token when given.
  HttpResult send(const std::string& method, const std::string& target, const std::string& token,
                  const std::string& json_body = "",
                  std::vector<std::pair<std::string, std::string>> headers = {});
  // Raw bytes, answer read until the server closes or `timeout_ms` (slow
  // clients, malformed requests).
  static std::string raw(uint16_t port, const std::string& bytes, int timeout_ms = 15000);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// A WebSocket client for the feed tests.
class WsClient {
 public:
  // Connects and upgrades; `status` is 101 on success, else the HTTP answer's.
  // `receive_buffer` > 0 shrinks the socket's receive buffer (a slow client).
  WsClient(uint16_t port, const std::string& target,
           const std::vector<std::pair<std::string, std::string>>& headers = {},
           int receive_buffer = 0);
  ~WsClient();
  int status() const { return status_; }
  // The next text message, or nullopt on timeout or when the server closed
  // (then close_code() says why).
  std::optional<std::string> read(std::chrono::milliseconds timeout);
  int close_code() const { return close_code_; }
  // Stops reading for a while: the server's queue for us fills up.
  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  int status_ = 0;
  int close_code_ = 0;
};

}  // namespace orderly::testing
