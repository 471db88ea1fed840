// Reaching the engine as an admin account, for the notifier processes:
// the password from its file, a login that waits while the engine is not
// up yet, and who an access token names according to the engine.
#pragma once

#include <spdlog/logger.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "api/notify/client/engine_client.h"
#include "core/status.h"
#include "core/uuid.h"

namespace orderly::api::notify::client {

// The password in `path`, trailing newlines dropped. Errors:
// invalid_argument (unreadable or empty).
Result<std::string> read_password_file(const std::string& path);

// Who an access token names, according to the engine (GET /api/auth/me).
// Errors: unauthorized (refused), busy (the engine cannot say now).
struct EngineUser {
  Uuid id;
  bool admin = false;
};
Result<EngineUser> engine_user(EngineClient& engine, const std::string& token);

// Waits up to the given time; true when the process is asked to stop.
using WaitOrStop = std::function<bool(std::chrono::milliseconds)>;

// Logs in to the engine, waiting (with backoff, through `wait`) while it
// cannot be reached, and checks the account is an admin (the notifiers
// record deliveries and look orders up). Errors: unauthorized (refused, or
// not an admin account), shutting_down (`wait` said stop). Says why on `log`.
Result<std::unique_ptr<EngineClient>> connect_engine(EngineAccount account, const WaitOrStop& wait,
                                                     spdlog::logger& log);

}  // namespace orderly::api::notify::client
