// The engine's parts opened and started in order, stopped in reverse: the
// event store, the writer's snapshots, the single writer (command
// processor), when asked the read models and the NATS fan-out, and once
// the HTTP API listens (its address is in the emails' links and the payment
// intents' return URLs) the email notifier and the payment dispatcher.
// `orderly serve`, the operator commands (`orderly admin
// create-user`, `orderly import-catalog`) and `orderly-bench` all start the
// engine through this one sequence.
//
// Thread safety: open/stop/close from one thread; the parts are as safe as
// their own types say.
#pragma once

#include <spdlog/logger.h>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "api/fanout/nats_fanout.h"
#include "api/notify/email/email_notifier.h"
#include "api/oidc/curl_provider.h"
#include "api/payments/provider/dispatcher.h"
#include "commands/processor.h"
#include "core/status.h"
#include "eventstore/snapshot_store.h"
#include "eventstore/store.h"
#include "projections/runner.h"

namespace orderly::api::engine {

struct EngineOptions {
  std::string data_dir;
  eventstore::StoreOptions store;
  // The writer's own options; `snapshots` is filled in by open().
  commands::ProcessorOptions processor;
  // False: the store and the writer only (an operator command's engine).
  bool read_models = true;
  projections::RunnerOptions runner;
  // Set: publish every event to NATS JetStream (started once the writer and
  // the read models are up; REQUIRES read_models).
  std::optional<fanout::NatsFanoutOptions> fanout;
  // Set: sign-in with this OpenID Connect provider; open() builds it and
  // fetches its discovery document and keys in the background.
  std::optional<oidc::ProviderConfig> oidc;
  // Set: payments go through this provider; open() makes the dispatcher,
  // start_payment_dispatcher() starts it.
  std::optional<payments::provider::DispatcherOptions> payment_provider;
};

// When each part was ready, in seconds from the start of open().
struct EngineTimings {
  double stores_opened_s = 0, writer_ready_s = 0, read_models_ready_s = 0;
};

class Engine {
 public:
  // Opens the store, the read models' store and the writer's snapshots, then
  // starts the read models loading while the writer rebuilds its state (a
  // restart takes the longer of the two, not their sum). With `log`, says
  // what it opened and how long each part took, and why it failed; errors
  // are returned as the failing part gave them.
  static Result<std::unique_ptr<Engine>> open(EngineOptions options,
                                              std::shared_ptr<spdlog::logger> log = nullptr);
  ~Engine();

  eventstore::EventStore& store() { return *store_; }
  commands::CommandProcessor& processor() { return *processor_; }
  // REQUIRES: opened with read_models.
  projections::ProjectionRunner& read_models() { return *runner_; }
  const EngineTimings& timings() const { return timings_; }

  // The fan-out's Prometheus lines for /metrics (ApiOptions::extra_metrics),
  // or an empty function without a fan-out. Valid while the engine lives.
  std::function<std::string()> fanout_metrics() const;

  // Starts the NATS fan-out made by open() (at most once; nothing without
  // EngineOptions::fanout). open() starts it unless the writer is a standby
  // (a replicated follower): the leader starts it when it leads.
  void start_fanout();

  // The OpenID Connect provider for the routes (ApiOptions::oidc_provider),
  // null without EngineOptions::oidc.
  std::shared_ptr<oidc::Provider> oidc_provider() const { return oidc_; }

  // The payment dispatcher's Prometheus lines for /metrics, or an empty
  // function without a provider. Valid while the engine lives.
  std::function<std::string()> payment_metrics() const;

  // Starts the payment dispatcher with the shop's address (its intents'
  // return URLs), once the API listens. OK and nothing done without
  // EngineOptions::payment_provider. Errors: as PaymentDispatcher::start,
  // logged.
  Status start_payment_dispatcher(std::string public_url);

  // Starts the in-process email notifier (REQUIRES read_models; at most
  // once). Errors: as EmailNotifier::start, logged.
  Status start_email_notifier(notify::email::EmailNotifierOptions options);
  // The email notifier's Prometheus lines for /metrics: empty text until
  // start_email_notifier() has started it (never, with --no-email-notifier).
  // Valid while the engine lives; callable from any thread.
  std::function<std::string()> email_metrics() const;

  // Stops the fan-out, the payment dispatcher and the email notifier, then
  // the writer (every queued command answered, every batch durable, its
  // snapshot saved), then the read models (saved where they stopped).
  // A snapshot that could not be saved is a warning (the next start folds
  // more), logged.
  void stop();
  // Closes the store. REQUIRES: stop() ran.
  Status close();

 private:
  Engine() = default;

  EngineOptions options_;
  std::shared_ptr<spdlog::logger> log_;
  EngineTimings timings_;
  std::unique_ptr<eventstore::EventStore> store_;
  std::unique_ptr<eventstore::SnapshotStore> snapshots_;  // the writer's
  std::unique_ptr<eventstore::SnapshotStore> rows_;       // the read models'
  std::unique_ptr<projections::ProjectionRunner> runner_;
  std::unique_ptr<commands::CommandProcessor> processor_;
  std::shared_ptr<oidc::CurlProvider> oidc_;
  // Fetches the provider's discovery and keys once at start (each fetch
  // times out after 10 s); joined by stop().
  std::thread oidc_warm_up_;
  // Declared last: destroyed first (stop() has stopped them already).
  std::unique_ptr<fanout::NatsFanout> fanout_;
  bool fanout_started_ = false;
  std::unique_ptr<notify::email::EmailNotifier> email_;
  // email_ once started, for email_metrics() on other threads (email_ is
  // set on the thread that starts services while /metrics may render).
  std::atomic<const notify::email::EmailNotifier*> email_started_{nullptr};
  std::unique_ptr<payments::provider::PaymentDispatcher> payments_;  // made by open()
};

}  // namespace orderly::api::engine
