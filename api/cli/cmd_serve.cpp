// `orderly serve`. So far it runs what exists: the event store, the
// single-writer command pipeline (which also expires stale reservations) and
// the read models, until SIGINT/SIGTERM. The HTTP/WS API joins in issue 5.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <csignal>

#include "api/cli/commands.h"
#include "api/cli/terminal.h"
#include "commands/processor.h"
#include "eventstore/store.h"
#include "projections/registry.h"
#include "projections/runner.h"

namespace orderly::cli {

namespace {

std::shared_ptr<spdlog::logger> make_logger(const std::string& format) {
  auto logger = spdlog::stderr_color_mt("orderly");
  const bool json = format == "json" || (format.empty() && !stderr_is_terminal());
  if (json) {
    logger->set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","msg":"%v"})",
                        spdlog::pattern_time_type::utc);
  } else {
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
  }
  return logger;
}

}  // namespace

int run_serve(const CommonOptions& common, const ServeOptions& serve) {
  auto log = make_logger(common.log_format);
  auto sync = eventstore::parse_sync_mode(common.sync);
  if (!sync) {
    log->error("{}", sync.status().message());
    return kExitUsage;
  }
  // Block the signals before any thread starts so only sigwait sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  eventstore::StoreOptions options;
  options.sync = *sync;
  auto store = eventstore::EventStore::open(common.data_dir, options);
  if (!store) {
    log->error("cannot open the event store: {}", store.status().to_string());
    return kExitFailure;
  }
  log->info("event store open at {} (sync={}), log position {}", common.data_dir,
            eventstore::sync_mode_name(*sync), (*store)->last_position());
  auto processor = commands::CommandProcessor::start(**store);
  if (!processor) {
    log->error("cannot rebuild the writer's state: {}", processor.status().to_string());
    return kExitFailure;
  }
  const auto rebuilt = (*processor)->stats();
  log->info("command pipeline running: {} events folded in {:.3f} s", rebuilt.rebuilt_events,
            rebuilt.rebuild_seconds);
  auto rows = projections::ReadModelStore::open(common.data_dir + "/readmodels");
  if (!rows) {
    log->error("cannot open the read models: {}", rows.status().to_string());
    return kExitFailure;
  }
  std::vector<std::shared_ptr<projections::Projection>> models;
  for (auto& m : projections::all_read_models())
    models.push_back(std::move(m));
  projections::ProjectionRunner runner(**store, **rows, std::move(models));
  if (Status st = runner.start(); !st.is_ok()) {
    log->error("cannot start the read models: {} (try `orderly rebuild --all`)", st.to_string());
    return kExitFailure;
  }
  for (const auto& m : runner.status()) {
    log->info("read model {} at position {} ({} behind)", m.name, m.position, m.lag);
  }
  log->warn(
      "the HTTP API ({}) is not built yet: nothing outside this process can send commands or "
      "queries",
      serve.http_address);

  int sig = 0;
  sigwait(&signals, &sig);
  log->info("signal {} received: draining the command pipeline, stopping the read models", sig);
  (*processor)->stop();  // every queued command answered, every batch durable
  runner.stop();
  Status st = (*store)->close();
  if (!st.is_ok()) {
    log->error("close failed: {}", st.to_string());
    return kExitFailure;
  }
  log->info("closed cleanly at log position {}", (*store)->last_position());
  return kExitOk;
}

}  // namespace orderly::cli
