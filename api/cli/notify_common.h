// What both `orderly notify` processes need: the stop signals, and a
// logged-in client of the engine's API.
#pragma once

#include <signal.h>
#include <spdlog/spdlog.h>

#include <memory>

#include "api/cli/commands.h"
#include "api/notify/client/engine_client.h"
#include "core/status.h"
#include "core/uuid.h"

namespace orderly::cli {

// Blocks SIGINT and SIGTERM in this thread and those it starts, so only
// sigwait sees them. Call before starting any thread.
sigset_t block_stop_signals();

// Who an access token names, according to the engine (GET /api/auth/me).
// Errors: unauthorized (refused), busy (the engine cannot say now).
struct EngineUser {
  Uuid id;
  bool admin = false;
};
Result<EngineUser> engine_user(api::EngineClient& engine, const std::string& token);

// Reads the password file and logs in to the engine, waiting (with backoff)
// while the engine cannot be reached. Errors: invalid_argument (an
// unreadable password file), unauthorized (refused, or not an admin
// account), shutting_down (a stop signal came while waiting).
Result<std::unique_ptr<api::EngineClient>> connect_engine(const NotifyOptions& options,
                                                          const sigset_t& signals,
                                                          spdlog::logger& log);

}  // namespace orderly::cli
