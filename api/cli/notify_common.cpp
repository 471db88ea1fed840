#include "api/cli/notify_common.h"

#include <fstream>
#include <sstream>

namespace orderly::cli {

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
    if (st.is_ok())
      return client;
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
