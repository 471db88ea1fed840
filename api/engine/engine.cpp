#include "api/engine/engine.h"

#include <chrono>
#include <future>

#include "api/engine/email_metrics.h"
#include "api/engine/fanout_metrics.h"
#include "api/engine/payment_metrics.h"
#include "projections/read_model_store.h"
#include "projections/registry.h"

namespace orderly::api::engine {

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

Result<std::unique_ptr<Engine>> Engine::open(EngineOptions options,
                                             std::shared_ptr<spdlog::logger> log) {
  const auto t0 = std::chrono::steady_clock::now();
  std::unique_ptr<Engine> e(new Engine());
  e->options_ = std::move(options);
  e->log_ = std::move(log);
  const EngineOptions& o = e->options_;
  spdlog::logger* say = e->log_.get();

  auto store = eventstore::EventStore::open(o.data_dir, o.store);
  if (!store) {
    if (say)
      say->error("cannot open the event store: {}", store.status().to_string());
    return store.status();
  }
  e->store_ = std::move(*store);
  if (say) {
    say->info("event store open at {} (sync={}), log position {}", o.data_dir,
              eventstore::sync_mode_name(o.store.sync), e->store_->last_position());
  }
  if (o.read_models) {
    auto rows = projections::ReadModelStore::open(o.data_dir + "/readmodels");
    if (!rows) {
      if (say)
        say->error("cannot open the read models: {}", rows.status().to_string());
      return rows.status();
    }
    e->rows_ = std::move(*rows);
  }
  auto snapshots = eventstore::SnapshotStore::open(o.data_dir + "/snapshots");
  if (!snapshots) {
    if (say)
      say->error("cannot open the writer's snapshots: {}", snapshots.status().to_string());
    return snapshots.status();
  }
  e->snapshots_ = std::move(*snapshots);
  e->timings_.stores_opened_s = seconds_since(t0);

  // The read models load their snapshots while the writer loads its own.
  std::future<Status> models_loaded;
  const auto loading_started = std::chrono::steady_clock::now();
  if (o.read_models) {
    e->runner_ = std::make_unique<projections::ProjectionRunner>(
        *e->store_, *e->rows_, projections::all_read_models_shared(), o.runner);
    models_loaded = std::async(std::launch::async, [r = e->runner_.get()] { return r->start(); });
  }
  commands::ProcessorOptions processor_options = o.processor;
  processor_options.snapshots = e->snapshots_.get();
  auto processor = commands::CommandProcessor::start(*e->store_, processor_options);
  if (!processor) {
    if (say)
      say->error("cannot rebuild the writer's state: {}", processor.status().to_string());
    if (models_loaded.valid())
      (void)models_loaded.get();  // the runner is not destroyed under its own start()
    return processor.status();
  }
  e->processor_ = std::move(*processor);
  e->timings_.writer_ready_s = seconds_since(t0);
  const auto rebuilt = e->processor_->stats();
  if (say) {
    if (!rebuilt.snapshot_note.empty())
      say->warn("{}", rebuilt.snapshot_note);
    say->info(
        "command pipeline running: snapshot at position {} loaded in {:.3f} s, then {} events "
        "folded ({:.3f} s in all)",
        rebuilt.snapshot_position, rebuilt.snapshot_load_seconds, rebuilt.rebuilt_events,
        rebuilt.rebuild_seconds);
  }
  if (!o.read_models)
    return e;
  if (Status st = models_loaded.get(); !st.is_ok()) {
    if (say)
      say->error("cannot start the read models: {} (try `orderly rebuild --all`)", st.to_string());
    return st;
  }
  e->timings_.read_models_ready_s = seconds_since(t0);
  if (say) {
    say->info("read models loaded in {:.3f} s", seconds_since(loading_started));
    for (const auto& m : e->runner_->status()) {
      say->info("read model {} at position {} ({} behind), snapshot loaded in {:.3f} s", m.name,
                m.position, m.lag, m.load_seconds);
      if (!m.last_rebuild.empty())
        say->warn("read model {}: {}", m.name, m.last_rebuild);
    }
  }
  if (o.oidc) {
    e->oidc_ = std::make_shared<oidc::CurlProvider>(*o.oidc);
    if (say)
      say->info("sign-in with the OpenID provider {} ({})", o.oidc->issuer, e->oidc_->name());
    // In the background, so the first sign-in does not wait for them; a
    // failure is retried by that sign-in.
    e->oidc_warm_up_ = std::thread([provider = e->oidc_, log = e->log_] {
      if (Status st = provider->warm_up(); !st.is_ok() && log)
        log->warn("OpenID provider: {} (retried at the first sign-in)", st.message());
    });
  }
  if (o.payment_provider) {
    payments::provider::DispatcherOptions d = *o.payment_provider;
    if (!d.on_refused && e->log_)
      d.on_refused = [log = e->log_](const std::string& why) { log->error("{}", why); };
    if (!d.on_error && e->log_)
      d.on_error = [log = e->log_](const Status& st) {
        log->warn("payment dispatcher: {}", st.message());
      };
    e->payments_ =
        std::make_unique<payments::provider::PaymentDispatcher>(*e->store_, std::move(d));
  }
  if (o.fanout) {
    e->fanout_ = std::make_unique<fanout::NatsFanout>(*e->store_, *e->store_, *o.fanout);
    // A follower's writer is a standby: only the leader fans out, from when
    // it leads (start_fanout()).
    if (!o.processor.standby)
      e->start_fanout();
  }
  return e;
}

void Engine::start_fanout() {
  if (!fanout_ || fanout_started_)
    return;
  fanout_started_ = true;
  fanout_->start();  // connects (and reconnects) on its own thread
  if (log_)
    log_->info("publishing events to NATS JetStream at {} (stream ORDERLY)", options_.fanout->url);
}

std::function<std::string()> Engine::fanout_metrics() const {
  if (!fanout_)
    return {};
  return [f = fanout_.get(), s = store_.get()] {
    return api::engine::fanout_metrics(f->stats(), s->last_position());
  };
}

std::function<std::string()> Engine::payment_metrics() const {
  if (!payments_)
    return {};
  return [p = payments_.get()] { return api::engine::payment_dispatch_metrics(p->stats()); };
}

Status Engine::start_payment_dispatcher(std::string public_url) {
  if (!payments_)
    return Status::ok();
  Status st = payments_->start(std::move(public_url));
  if (!st.is_ok() && log_)
    log_->error("cannot start the payment dispatcher: {}", st.to_string());
  else if (log_)
    log_->info("payments go to the provider at {}", options_.payment_provider->provider.base_url);
  return st;
}

Status Engine::start_email_notifier(notify::email::EmailNotifierOptions options) {
  email_ = std::make_unique<notify::email::EmailNotifier>(*store_, *processor_, *runner_,
                                                          std::move(options));
  Status st = email_->start();
  if (!st.is_ok()) {
    if (log_)
      log_->error("cannot start the email notifier: {}", st.to_string());
    email_.reset();
  } else {
    email_started_.store(email_.get());
  }
  return st;
}

std::function<std::string()> Engine::email_metrics() const {
  return [this] {
    const notify::email::EmailNotifier* e = email_started_.load();
    return e ? api::engine::email_notifier_metrics(e->stats()) : std::string();
  };
}

Engine::~Engine() {
  if (oidc_warm_up_.joinable())
    oidc_warm_up_.join();
}

void Engine::stop() {
  if (oidc_warm_up_.joinable())
    oidc_warm_up_.join();
  if (fanout_)
    fanout_->stop();  // resumes from its checkpoint at the next start
  if (payments_)
    payments_->stop();  // a call in flight is sent again at the next start
  if (email_)
    email_->stop();    // before the writer: it records its outcomes through it
  processor_->stop();  // every queued command answered, every batch durable; its snapshot saved
  if (const auto stopped = processor_->stats(); !stopped.snapshot_note.empty() && log_)
    log_->warn("{}", stopped.snapshot_note);
  if (!runner_)
    return;
  if (Status saved = runner_->stop(); !saved.is_ok() && log_)  // saved where they stopped
    log_->warn("saving the read models' snapshots: {} (the next start folds more)",
               saved.to_string());
}

Status Engine::close() {
  return store_->close();
}

}  // namespace orderly::api::engine
