// What the long-running commands need: the stop signals; and for both
// `orderly notify` processes, a logged-in client of the engine's API.
#pragma once

#include <signal.h>
#include <spdlog/spdlog.h>

#include <functional>
#include <memory>
#include <string_view>

#include "api/cli/commands.h"
#include "api/notify/client/engine_client.h"
#include "core/status.h"

namespace orderly::cli {

// Blocks SIGINT, SIGTERM and SIGHUP in this thread and those it starts, so
// only sigwait sees them. Call before starting any thread.
sigset_t block_stop_signals();
// Waits for SIGINT or SIGTERM, then says which came and what happens
// `next`. A SIGHUP is logged and changes nothing (no setting is reloaded).
void wait_for_stop_signal(const sigset_t& signals, spdlog::logger& log, std::string_view next);
// The same, with each SIGHUP running `on_reload` (on this thread): the
// daemon's "reload", as nginx's (`orderly serve` reloads its TLS
// certificate).
void wait_for_stop_signal(const sigset_t& signals, spdlog::logger& log, std::string_view next,
                          const std::function<void()>& on_reload);

// Logs in to the engine as --engine-email with --engine-password-file's
// password (api/notify/client/engine_login.h), waiting while the engine
// cannot be reached. Errors: invalid_argument (an unreadable password
// file), unauthorized (refused, or not an admin account), shutting_down (a
// stop signal came while waiting); each said on `log`.
Result<std::unique_ptr<api::notify::client::EngineClient>> connect_engine(
    const NotifyOptions& options, const sigset_t& signals, spdlog::logger& log);

// The exit status for a failed connect_engine: 0 when stopped by a signal.
int exit_status_of(const Status& connect_failure);

}  // namespace orderly::cli
