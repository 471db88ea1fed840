#include "api/cli/operator_engine.h"

#include "eventstore/store.h"

namespace orderly::cli {

Result<std::unique_ptr<api::engine::Engine>> open_operator_engine(const CommonOptions& common) {
  auto sync = eventstore::parse_sync_mode(common.sync);
  if (!sync)
    return sync.status();
  api::engine::EngineOptions options;
  options.data_dir = common.data_dir;
  options.store.sync = *sync;
  options.processor.currency = common.currency;
  options.read_models = false;
  auto engine = api::engine::Engine::open(options);
  if (!engine && engine.status().code() == ErrorCode::kBusy) {
    return Status::busy("the data directory " + common.data_dir +
                        " is in use by a running server: stop it first (or use its API)");
  }
  return engine;
}

commands::CommandMeta operator_meta() {
  commands::CommandMeta m;
  m.role = commands::Role::kEngine;
  return m;
}

}  // namespace orderly::cli
