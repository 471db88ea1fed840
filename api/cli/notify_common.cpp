#include "api/cli/notify_common.h"

#include <boost/json.hpp>

#include <fstream>
#include <sstream>

namespace orderly::cli {

namespace json = boost::json;

Result<EngineUser> engine_user(api::EngineClient& engine, const std::string& token) {
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

sigset_t block_stop_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

Result<std::unique_ptr<api::EngineClient>> connect_engine(const NotifyOptions& options,
                                                          const sigset_t& signals,
                                                          spdlog::logger& log) {
  std::ifstream in(options.engine_password_file);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string password = ss.str();
  while (!password.empty() && (password.back() == '\n' || password.back() == '\r'))
    password.pop_back();
  if (!in || password.empty()) {
    log.error("cannot read a password from --engine-password-file {}",
              options.engine_password_file);
    return Status::invalid_argument("unreadable password file");
  }
  auto client = std::make_unique<api::EngineClient>(
      api::EngineAccount{options.engine_url, options.engine_email, password});
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
        log.error("{} is not an admin account: the notifiers need one", options.engine_email);
        return Status::unauthorized("not an admin account");
      }
      return client;
    }
    if (st.code() == ErrorCode::kUnauthorized) {
      log.error("the engine at {} refused the login of {} (an admin account is needed)",
                options.engine_url, options.engine_email);
      return st;
    }
    if (!told) {
      log.warn("waiting for the engine at {}: {}", options.engine_url, st.message());
      told = true;
    }
    timespec wait{static_cast<time_t>(backoff.count() / 1000),
                  static_cast<long>(backoff.count() % 1000) * 1'000'000};
    if (sigtimedwait(&signals, nullptr, &wait) > 0)
      return Status::shutting_down("stopped while waiting for the engine");
    backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
  }
}

}  // namespace orderly::cli
