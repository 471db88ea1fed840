// How a notifier running as its own process talks to the engine: the HTTP
// API (libcurl), as an admin account it logs in with (POST /api/auth/login),
// logging in again when its access token expires. The notifiers write
// through the API like any client, so the engine stays the single writer.
//
// Thread safety: every method is safe from any thread (calls are serialised
// on one connection, kept alive between calls).
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "core/status.h"

namespace orderly::api::notify::client {

struct EngineReply {
  long status = 0;
  std::string body;
};

struct EngineAccount {
  std::string url;  // http://127.0.0.1:8080
  std::string email, password;
};

class EngineClient {
 public:
  explicit EngineClient(EngineAccount account);
  ~EngineClient();

  // Logs in (done by call() when needed). Errors: unauthorized for a wrong
  // email or password, io_error while the engine cannot be reached.
  Status login();
  // The current access token (logging in when there is none).
  Result<std::string> access_token();
  // A request as the account. Transport failures and 503s are retried a few
  // times with backoff (about 10 s in all) before io_error is returned;
  // other answers, 4xx included, are returned as they are.
  Result<EngineReply> call(std::string_view method, std::string_view path,
                           std::string_view body = "");
  // One attempt (after a 401, one more with a fresh login), answered or
  // failed within `timeout`: for paths that must not stall, such as a
  // lookup on the thread that pushes WebSocket messages.
  Result<EngineReply> call_once(std::string_view method, std::string_view path,
                                std::chrono::milliseconds timeout);
  // A request with someone else's access token, not retried, at most 5 s:
  // to ask the engine who a WebSocket client is (GET /api/auth/me).
  Result<EngineReply> call_with_token(std::string_view token, std::string_view method,
                                      std::string_view path);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace orderly::api::notify::client
