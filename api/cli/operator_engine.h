// The engine an operator command opens (`orderly admin ...`,
// `orderly import-catalog`): the store and the single writer, no read
// models, no API; every change goes through the normal commands, sent with
// the engine's role (the operator at the machine, who can read the data
// directory anyway, is trusted as the engine is).
#pragma once

#include <memory>

#include "api/cli/commands.h"
#include "api/engine/engine.h"
#include "commands/command.h"
#include "core/status.h"

namespace orderly::cli {

// Errors: busy (a running server holds the data directory: use its API),
// or whatever opening the store and the writer gave.
Result<std::unique_ptr<api::engine::Engine>> open_operator_engine(const CommonOptions& common);

// Who the commands of an operator are sent as: the engine.
commands::CommandMeta operator_meta();

}  // namespace orderly::cli
