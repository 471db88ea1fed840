#include "api/cli/notify_common.h"

#include <ctime>

#include "api/notify/client/engine_login.h"

namespace orderly::cli {

sigset_t block_stop_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  // SIGHUP's default action ends the process at once, without the drain:
  // `systemctl reload` (ops/orderly.service) and a closed terminal send it.
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

void wait_for_stop_signal(const sigset_t& signals, spdlog::logger& log, std::string_view next) {
  wait_for_stop_signal(signals, log, next, [&log] {
    log.info("signal {} (SIGHUP) received: nothing to reload, settings are read at start", SIGHUP);
  });
}

void wait_for_stop_signal(const sigset_t& signals, spdlog::logger& log, std::string_view next,
                          const std::function<void()>& on_reload) {
  for (;;) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0)
      continue;
    if (sig != SIGHUP) {
      log.info("signal {} received: {}", sig, next);
      return;
    }
    on_reload();
  }
}

Result<std::unique_ptr<api::notify::client::EngineClient>> connect_engine(
    const NotifyOptions& options, const sigset_t& signals, spdlog::logger& log) {
  auto password = api::notify::client::read_password_file(options.engine_password_file);
  if (!password) {
    log.error("cannot read a password from --engine-password-file {}",
              options.engine_password_file);
    return password.status();
  }
  // Waiting is a wait for a stop signal, so Ctrl-C ends it at once.
  const api::notify::client::WaitOrStop wait = [&signals](std::chrono::milliseconds d) {
    timespec t{static_cast<time_t>(d.count() / 1000),
               static_cast<long>(d.count() % 1000) * 1'000'000};
    const int sig = sigtimedwait(&signals, nullptr, &t);
    return sig > 0 && sig != SIGHUP;  // SIGHUP only cuts this wait short
  };
  return api::notify::client::connect_engine({options.engine_url, options.engine_email, *password},
                                             wait, log);
}

int exit_status_of(const Status& connect_failure) {
  return connect_failure.code() == ErrorCode::kShuttingDown ? kExitOk : kExitUsage;
}

}  // namespace orderly::cli
