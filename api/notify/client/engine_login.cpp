#include "api/notify/client/engine_login.h"

#include <boost/json.hpp>

#include <fstream>
#include <sstream>

namespace orderly::api::notify::client {

namespace json = boost::json;

Result<std::string> read_password_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string password = ss.str();
  while (!password.empty() && (password.back() == '\n' || password.back() == '\r'))
    password.pop_back();
  if (!in || password.empty())
    return Status::invalid_argument("cannot read a password from " + path);
  return password;
}

Result<EngineUser> engine_user(EngineClient& engine, const std::string& token) {
  auto r = engine.call_with_token(token, "GET", "/api/auth/me");
  if (!r)
    return Status::busy("the engine cannot check the token now; retry");
  if (r->status == 401 || r->status == 404)
    return Status::unauthorized("the engine refused the access token");
  if (r->status != 200)
    return Status::busy("the engine answered " + std::to_string(r->status) + "; retry");
  boost::system::error_code ec;
  const json::value v = json::parse(r->body, ec);
  const json::object* user = nullptr;
  if (!ec && v.is_object()) {
    if (const auto* u = v.as_object().if_contains("user"); u && u->is_object())
      user = &u->as_object();
  }
  const auto* id = user ? user->if_contains("id") : nullptr;
  const auto* role = user ? user->if_contains("role") : nullptr;
  if (!id || !id->is_string() || !role || !role->is_string())
    return Status::busy("the engine's answer about the token is incomplete");
  auto uuid = Uuid::parse(std::string(id->as_string()));
  if (!uuid)
    return Status::unauthorized("the access token names no user");
  return EngineUser{*uuid, role->as_string() == "admin"};
}

Result<std::unique_ptr<EngineClient>> connect_engine(EngineAccount account, const WaitOrStop& wait,
                                                     spdlog::logger& log) {
  const std::string url = account.url, email = account.email;
  auto client = std::make_unique<EngineClient>(std::move(account));
  std::chrono::milliseconds backoff(200);
  bool told = false;
  while (true) {
    Status st = client->login();
    if (st.is_ok()) {
      // Only an admin account may record deliveries and look orders up:
      // refuse a customer account now rather than be refused forever.
      auto token = client->access_token();
      auto who = token ? engine_user(*client, *token) : Result<EngineUser>(token.status());
      if (who && !who->admin) {
        log.error("{} is not an admin account: the notifiers need one", email);
        return Status::unauthorized("not an admin account");
      }
      return client;
    }
    if (st.code() == ErrorCode::kUnauthorized) {
      log.error("the engine at {} refused the login of {} (an admin account is needed)", url,
                email);
      return st;
    }
    if (!told) {
      log.warn("waiting for the engine at {}: {}", url, st.message());
      told = true;
    }
    if (wait(backoff))
      return Status::shutting_down("stopped while waiting for the engine");
    backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
  }
}

}  // namespace orderly::api::notify::client
