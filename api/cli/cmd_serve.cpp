// `orderly serve`: the event store, the single-writer command pipeline
// (which also expires stale reservations), the read models and the HTTP API
// (HTTPS with --tls-cert/--tls-key), until SIGINT/SIGTERM; then a graceful
// stop that loses nothing acknowledged. SIGHUP reloads the TLS certificate.
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <atomic>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iterator>

#include "api/api.h"
#include "api/auth/email_token.h"
#include "api/auth/secret.h"
#include "api/cli/commands.h"
#include "api/cli/demo_catalog.h"
#include "api/cli/email_options.h"
#include "api/cli/image_store_options.h"
#include "api/cli/logger.h"
#include "api/cli/notify_common.h"
#include "api/cli/oidc_options.h"
#include "api/cli/payment_options.h"
#include "api/cli/terminal.h"
#include "api/engine/engine.h"
#include "api/http/server.h"
#include "api/images/image_processing.h"
#include "api/payments/secret_file.h"
#include "api/replication/replica_node.h"
#include "api/rest/rate_limiter.h"
#include "commands/analytics_recorder.h"
#include "commands/processor.h"
#include "core/json_writer.h"
#include "eventstore/owner_only.h"
#include "eventstore/store.h"
#include "projections/registry.h"
#include "projections/runner.h"

namespace orderly::cli {

std::optional<int64_t> parse_duration_us(std::string_view text) {
  int64_t n = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || n <= 0)
    return std::nullopt;
  const std::string_view unit(p, static_cast<size_t>(text.data() + text.size() - p));
  if (unit == "ms")
    return n * 1000;
  if (unit == "s")
    return n * 1'000'000;
  if (unit == "m")
    return n * 60'000'000;
  if (unit == "h")
    return n * 3'600'000'000LL;
  if (unit == "d")
    return n * 86'400'000'000LL;
  return std::nullopt;
}

namespace {

// Runs this program again with the arguments it was started with, in this
// process (its PID, so a supervisor or a test still holds it): a deposed
// leader comes back as a follower. Returns only if it cannot.
// It listens where it listened (`http_address`, the port it was given or
// got), so its advertised URL stays true.
void restart_in_place(const std::string& http_address) {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> args;
  size_t start = 0;
  for (size_t i = 0; i < all.size(); ++i) {
    if (all[i] == '\0') {
      args.push_back(all.substr(start, i - start));
      start = i + 1;
    }
  }
  bool replaced = false;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--http-address" && i + 1 < args.size()) {
      args[i + 1] = http_address;
      replaced = true;
    } else if (args[i].starts_with("--http-address=")) {
      args[i] = "--http-address=" + http_address;
      replaced = true;
    }
  }
  if (!replaced) {
    args.emplace_back("--http-address");
    args.push_back(http_address);
  }
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  // The stop signals were blocked for sigwait: unblocked again for the new image.
  sigset_t none;
  sigemptyset(&none);
  pthread_sigmask(SIG_SETMASK, &none, nullptr);
  if (!args.empty())
    ::execv("/proc/self/exe", argv.data());
}

}  // namespace

int run_serve(const CommonOptions& common, const ServeOptions& serve) {
  auto log = make_logger(common.log_format);
  auto sync = eventstore::parse_sync_mode(common.sync);
  if (!sync) {
    log->error("{}", sync.status().message());
    return kExitUsage;
  }
  const auto ttl = parse_duration_us(serve.reservation_ttl);
  const auto rate_ip = api::rest::parse_rate(serve.rate_limit_ip);
  const auto rate_user = api::rest::parse_rate(serve.rate_limit_user);
  const auto email_rate = api::rest::parse_rate(serve.email_recipient_rate);
  if (!email_rate) {
    log->error("--email-recipient-rate must look like 1/m, 10/h or 0");
    return kExitUsage;
  }
  if (!ttl || !rate_ip || !rate_user) {
    log->error("{}", !ttl ? "--reservation-ttl must look like 15m, 30s, 2h or 500ms"
                          : "--rate-limit-ip/--rate-limit-user must look like 100/s, 6000/m or 0");
    return kExitUsage;
  }
  auto trusted_proxies = api::http::TrustedProxies::parse(serve.trusted_proxies);
  if (!trusted_proxies) {
    log->error("{}", trusted_proxies.status().message());
    return kExitUsage;
  }
  const auto access_ttl = parse_duration_us(serve.access_token_ttl);
  const auto refresh_ttl = parse_duration_us(serve.refresh_token_ttl);
  // Whole seconds: a JWT's exp is in seconds.
  if (!access_ttl || !refresh_ttl || *access_ttl < 1'000'000 || *refresh_ttl < 1'000'000) {
    log->error("--access-token-ttl and --refresh-token-ttl must be at least 1s, like 15m or 7d");
    return kExitUsage;
  }
  const auto verify_ttl = parse_duration_us(serve.email_verification_ttl);
  const auto reset_ttl = parse_duration_us(serve.password_reset_ttl);
  if (!verify_ttl || !reset_ttl || *verify_ttl < 1'000'000 || *reset_ttl < 1'000'000) {
    log->error(
        "--email-verification-ttl and --password-reset-ttl must be at least 1s, like 48h "
        "or 30m");
    return kExitUsage;
  }
  const EmailFlags email_flags{serve.smtp_url, serve.smtp_tls, serve.smtp_ca_file, serve.mail_from,
                               serve.public_url};
  // Checked now; the default public URL is known once the API listens.
  if (auto checked = email_delivery_options(email_flags, "", "http://127.0.0.1"); !checked) {
    log->error("{}", checked.status().message());
    return kExitUsage;
  }
  auto oidc = oidc_provider_config(
      {serve.oidc_issuer, serve.oidc_client_id, serve.oidc_client_secret_file, serve.oidc_name});
  if (!oidc) {
    log->error("{}", oidc.status().message());
    return kExitUsage;
  }
  auto payment_provider =
      payment_dispatcher_options({serve.payment_provider_url, serve.payment_provider_key_file});
  if (!payment_provider) {
    log->error("{}", payment_provider.status().message());
    return kExitUsage;
  }
  if (*payment_provider && serve.payment_webhook_secret_file.empty()) {
    log->warn(
        "--payment-provider-url without --payment-webhook-secret-file: the provider's webhooks "
        "are refused, so card payments stay processing");
  }
  auto image_base = image_base_url(serve.image_base_url);
  if (!image_base) {
    log->error("{}", image_base.status().message());
    return kExitUsage;
  }
  auto image_store = open_image_store({serve.image_store, serve.s3_endpoint, serve.s3_region,
                                       serve.s3_credentials_file, serve.image_base_url},
                                      common.data_dir);
  if (!image_store) {
    log->error("image store: {}", image_store.status().message());
    return kExitUsage;
  }
  log->info("product images in {}", (*image_store)->describe());
  std::vector<std::string> webhook_secrets;
  if (!serve.payment_webhook_secret_file.empty()) {
    auto read = api::payments::read_secrets("--payment-webhook-secret-file",
                                            serve.payment_webhook_secret_file,
                                            api::payments::kMinWebhookSecretBytes);
    if (!read) {
      log->error("{}", read.status().message());
      return kExitUsage;
    }
    webhook_secrets = std::move(*read);
  }
  if (serve.tls_cert.empty() != serve.tls_key.empty()) {
    log->error("--tls-cert and --tls-key go together: give both (HTTPS) or neither (plain HTTP)");
    return kExitUsage;
  }
  std::shared_ptr<api::http::TlsCertificates> tls;  // null: plain HTTP
  if (!serve.tls_cert.empty()) {
    auto loaded = api::http::TlsCertificates::load(serve.tls_cert, serve.tls_key);
    if (!loaded) {
      log->error("{}", loaded.status().message());
      return kExitUsage;
    }
    tls = std::move(*loaded);
    log->info("HTTPS with the certificate {} ({}, key {})", tls->describe(), serve.tls_cert,
              serve.tls_key);
  }
  // Before any thread starts, so only sigwait sees them.
  sigset_t signals = block_stop_signals();
  api::images::init_image_library();  // may start libvips's threads: after the signals

  // A data directory made before (or by hand) under a looser umask: its
  // owner's only from now on (eventstore/owner_only.h), and said so.
  if (auto tightened = eventstore::restrict_to_owner(common.data_dir); !tightened) {
    log->error("{}", tightened.status().to_string());
    return kExitFailure;
  } else if (*tightened > 0) {
    log->warn(
        "{} files and directories under {} were readable by group or others: restricted "
        "to the owner (directories 0700, files 0600)",
        *tightened, common.data_dir);
  }
  api::engine::EngineOptions engine_options;
  engine_options.data_dir = common.data_dir;
  engine_options.store.sync = *sync;
  engine_options.runner.snapshot_every = serve.snapshot_every;
  engine_options.runner.snapshot_interval =
      std::chrono::milliseconds(static_cast<int64_t>(serve.snapshot_interval_s * 1000));
  engine_options.processor.queue_capacity = serve.queue_capacity;
  engine_options.processor.currency = common.currency;
  engine_options.processor.payment_provider = !serve.payment_provider_url.empty();
  engine_options.processor.hold_limits = {serve.hold_max_units, serve.hold_max_orders,
                                          serve.hold_max_cents};
  if (!serve.nats_url.empty()) {
    engine_options.fanout.emplace();
    engine_options.fanout->url = serve.nats_url;
  }
  const bool replicated = !serve.replicate.empty();
  const auto lease_ttl = parse_duration_us(serve.lease_ttl);
  if (replicated && (!lease_ttl || *lease_ttl < 300'000)) {
    log->error("--lease-ttl must be at least 300ms, like 3s");
    return kExitUsage;
  }
  if (replicated) {
    // A follower: its writer a standby until this node leads
    // (api/replication/replica_node.h); records small enough for a NATS
    // message each (its default max_payload is 1 MiB).
    engine_options.processor.standby = true;
    engine_options.store.max_record_bytes = 512 << 10;
  }
  engine_options.oidc = std::move(*oidc);
  engine_options.payment_provider = std::move(*payment_provider);
  if (replicated) {
    if (auto set_aside = api::replication::set_aside_unreplicated(common.data_dir, *log);
        !set_aside) {
      log->error("cannot check this node's log against the cluster's: {}",
                 set_aside.status().to_string());
      return kExitFailure;
    }
  }
  auto engine = api::engine::Engine::open(engine_options, log);  // says why it failed
  if (!engine)
    return kExitFailure;
  eventstore::EventStore& store = (*engine)->store();
  commands::CommandProcessor& processor = (*engine)->processor();
  projections::ProjectionRunner& runner = (*engine)->read_models();
  // A shop with no products yet (a new data directory, perhaps with just its
  // admin created) gets the demo catalog; a replicated node asks when it
  // leads, after it has read the cluster's log (a follower writes nothing).
  auto make_demo_catalog = [&]() -> Status {
    if (serve.no_demo)
      return Status::ok();
    bool has_products = false;
    eventstore::LogQuery q;
    q.types = {EventType::kProductCreated};
    q.limit = 1;
    (void)store.scan(q, [&](const EventView&) {
      has_products = true;
      return false;
    });
    if (has_products)
      return Status::ok();
    auto demo = create_demo_catalog(processor);
    if (!demo) {
      log->error("cannot create the demo catalog: {}", demo.status().to_string());
      return demo.status();
    }
    log->info("no products yet: created the demo catalog ({} products)", *demo);
    return Status::ok();
  };
  if (!replicated && !make_demo_catalog().is_ok())
    return kExitFailure;
  auto secret = api::auth::load_jwt_secret(serve.jwt_secret_file, common.data_dir);
  if (!secret) {
    log->error("{}", secret.status().to_string());
    return serve.jwt_secret_file.empty() ? kExitFailure : kExitUsage;
  }
  auto analytics = std::make_unique<commands::AnalyticsRecorder>(processor);
  api::rest::routes::ApiOptions api_options;
  api_options.reservation_ttl_us = *ttl;
  api_options.access_ttl_s = *access_ttl / 1'000'000;
  api_options.refresh_ttl_s = *refresh_ttl / 1'000'000;
  api_options.email_verification_ttl_s = *verify_ttl / 1'000'000;
  api_options.password_reset_ttl_s = *reset_ttl / 1'000'000;
  api_options.currency = common.currency;
  api_options.rate_limit_ip = *rate_ip;
  api_options.rate_limit_user = *rate_user;
  api_options.cors_origins = serve.cors_origins;
  api_options.nats_url = serve.nats_url;
  // One set of per-recipient email buckets for this engine, whichever
  // notifier asks (in-process, or `orderly notify email` through the API).
  api_options.email_limiter =
      std::make_shared<api::notify::requests::EmailRateLimiter>(api::notify::requests::EmailLimits{
          *email_rate, serve.email_recipient_burst, serve.email_recipient_daily});
  api_options.extra_metrics = [fanout = (*engine)->fanout_metrics(),
                               payments = (*engine)->payment_metrics(),
                               email = (*engine)->email_metrics()] {
    return (fanout ? fanout() : std::string()) + (payments ? payments() : std::string()) + email();
  };
  // The replicated node starts once the API listens (its URL is the
  // default advertised one); the routes ask it through this pointer.
  std::atomic<api::replication::ReplicaNode*> node_now{nullptr};
  if (replicated) {
    api_options.replication = [&node_now] {
      api::rest::routes::ReplicationView v;
      api::replication::ReplicaNode* node = node_now.load();
      if (node == nullptr) {
        v.role = "follower";
        v.failure = "joining the cluster";
        return v;
      }
      const api::replication::NodeStatus s = node->status();
      v.role = s.role;
      v.term = s.term;
      v.leader_url = s.leader_url;
      v.lag = s.lag;
      v.failure = s.failure;
      v.published_messages = s.published_messages;
      v.publish_retries = s.publish_retries;
      return v;
    };
    api_options.cluster_nodes = [&node_now] {
      std::vector<api::rest::routes::ClusterNodeView> out;
      api::replication::ReplicaNode* node = node_now.load();
      if (node == nullptr)
        return out;
      auto nodes = node->cluster();
      if (!nodes)
        return out;
      for (const auto& n : *nodes)
        out.push_back({n.node, n.url, n.role, n.term, n.position, n.lag, n.reported_unix_ms});
      return out;
    };
  }
  api_options.oidc_provider = (*engine)->oidc_provider();
  api_options.image_store = *image_store;
  api_options.image_base_url = *image_base;
  api_options.max_image_bytes = serve.max_image_bytes;
  api_options.payment_webhook_secrets = std::move(webhook_secrets);
  // The account emails' links, recomputed from their events under the
  // server secret (api/auth/email_token.h), for the in-process notifier.
  auto action_token = [key = *secret](api::notify::requests::ActionPurpose p, const Uuid& user,
                                      const Uuid& token_id) {
    return api::auth::email_token(key,
                                  p == api::notify::requests::ActionPurpose::kPasswordReset
                                      ? api::auth::EmailTokenPurpose::kPasswordReset
                                      : api::auth::EmailTokenPurpose::kVerifyEmail,
                                  user, token_id)
        .text;
  };
  const std::string cluster_secret = *secret;  // every node of a cluster must have the same
  api::Api http_api(store, processor, runner, *analytics, std::move(*secret), api_options, log);
  api::http::ServerOptions server_options;
  server_options.address = serve.http_address;
  server_options.max_connections = serve.max_connections;
  server_options.max_connections_per_address = serve.max_connections_per_address;
  server_options.max_websockets_per_address = serve.max_websockets_per_address;
  server_options.body_bytes_in_flight = serve.max_body_bytes_in_flight;
  // The largest body any route takes (image uploads have their own limit).
  server_options.body_limit = std::max(api_options.body_limit, api_options.max_image_bytes);
  server_options.trusted_proxies = *trusted_proxies;
  server_options.tls = tls;
  auto server = api::http::HttpServer::start(
      server_options,
      [&http_api](api::http::Request req, api::http::Respond respond) {
        http_api.handle(std::move(req), std::move(respond));
      },
      &api::Api::error, {http_api.websocket_endpoint()},
      [&http_api](api::http::Request& head, api::http::Respond respond) {
        return http_api.admit(head, std::move(respond));
      });
  if (!server) {
    log->error("{}", server.status().to_string());
    return server.status().code() == ErrorCode::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  const std::string host = serve.http_address.substr(0, serve.http_address.rfind(':'));
  const uint16_t port = (*server)->port();
  // Where the API is, and so the default of every URL pointing here: the
  // public URL (email links, the OpenID redirect, image links) and the
  // advertised one (a follower's redirects).
  const std::string url = (tls ? "https://" : "http://") + host + ":" + std::to_string(port);
  log->info("HTTP API listening on {}", url);
  // The email notifier starts here, where the default public URL (the
  // address the API listens on, its port now known) is.
  api::notify::email::EmailNotifierOptions mail;
  mail.delivery = *email_delivery_options(email_flags, common.data_dir + "/outbox", url);
  // Resolved and checked, as the links use it: the email links, the OpenID
  // redirect URI and the callback's way back to the pages.
  http_api.set_public_url(mail.delivery.public_url);
  mail.action_token = action_token;
  if (serve.public_url.empty() && (host == "0.0.0.0" || host == "[::]" || host.empty()))
    log->warn("emails link to {}, which no browser can open: set --public-url", url);
  mail.nats_url = serve.nats_url;  // with NATS, emails are driven by a durable consumer
  mail.limiter = api_options.email_limiter;
  mail.triggers.on_error = [log](const std::string& why) { log->warn("email notifier: {}", why); };
  // What only the leader runs (all of it, on a single node): the fan-out,
  // the payment dispatcher, the email notifier (their checkpoints are in
  // the log, so a new leader goes on where the last one stopped).
  auto start_leader_services = [&]() -> Status {
    (*engine)->start_fanout();
    // Intents carry the shop's address back from the provider's pages.
    ORDERLY_RETURN_IF_ERROR((*engine)->start_payment_dispatcher(mail.delivery.public_url));
    if (serve.no_email_notifier) {
      log->info(
          "no email notifier in this process (--no-email-notifier): run `orderly notify email`");
    } else {
      ORDERLY_RETURN_IF_ERROR((*engine)->start_email_notifier(mail));  // says why
      log->info("emails go {}", describe_delivery(mail.delivery));
    }
    return make_demo_catalog();
  };
  std::unique_ptr<api::replication::ReplicaNode> node;
  std::atomic<bool> restart_as_follower{false}, refused_by_cluster{false};
  if (!replicated) {
    if (!start_leader_services().is_ok())
      return kExitFailure;
  } else {
    api::replication::NodeOptions no;
    no.nats_url = serve.replicate;
    no.replicas = serve.replicas;
    no.advertise_url = serve.advertise_url.empty() ? url : serve.advertise_url;
    no.jwt_secret = cluster_secret;
    no.lease_ttl = std::chrono::milliseconds(*lease_ttl / 1000);
    no.on_promoted = start_leader_services;
    no.on_fatal = [&refused_by_cluster, log](const Status& why) {
      log->error("cannot join the cluster: {}", why.message());
      refused_by_cluster.store(true);
      ::kill(::getpid(), SIGTERM);
    };
    no.on_deposed = [&restart_as_follower](const Status&) {
      // Stop as for SIGTERM (nothing acknowledged is lost), then start
      // again in place as a follower (below).
      restart_as_follower.store(true);
      ::kill(::getpid(), SIGTERM);
    };
    auto started = api::replication::ReplicaNode::start(store, processor, no, log);
    if (!started) {
      log->error("cannot join the cluster at {}: {}", serve.replicate,
                 started.status().to_string());
      http_api.shutdown();
      (*server)->stop(std::chrono::seconds(1));
      (*engine)->stop();
      (void)(*engine)->close();
      return started.status().code() == ErrorCode::kInvalidArgument ? kExitUsage : kExitFailure;
    }
    node = std::move(*started);
    node_now.store(node.get());
    log->info("replicating over {} as {} (a follower until it leads)", serve.replicate,
              no.advertise_url);
  }
  // One line on stdout for people and scripts: where the API and its docs are.
  std::printf("orderly listening on %s (API docs: %s/docs)\n", url.c_str(), url.c_str());
  std::fflush(stdout);

  // SIGHUP: the certificate files read again; open connections keep the
  // certificate they started with, new ones get the new one.
  const auto reload = [&tls, log] {
    if (!tls) {
      log->info("SIGHUP received: nothing to reload (no --tls-cert)");
      return;
    }
    if (Status st = tls->reload(); !st.is_ok()) {
      log->error("SIGHUP received: TLS certificate not reloaded, the old one stays in use: {}",
                 st.message());
      return;
    }
    log->info("SIGHUP received: TLS certificate reloaded, new connections use {}", tls->describe());
  };
  wait_for_stop_signal(signals, *log, "finishing in-flight requests, draining the command pipeline",
                       reload);
  http_api.shutdown();                        // WebSocket clients told, waits answered
  (*server)->stop(std::chrono::seconds(10));  // no new requests; answers in flight delivered
  http_api.stop_recording();                  // the last WebSocket push outcomes recorded
  analytics.reset();                          // pending view/search counts recorded
  if (node) {
    // A leader hands its lease back (a follower takes over at once).
    node->stop();
  }
  // The fan-out and the email notifier, the writer, then the read models:
  // every answer given, all saved.
  (*engine)->stop();
  http_api.finish_waits();  // the last answers, while the server object still exists
  Status st = (*engine)->close();
  if (!st.is_ok()) {
    log->error("close failed: {}", st.to_string());
    return kExitFailure;
  }
  log->info("closed cleanly at log position {}", store.last_position());
  if (refused_by_cluster.load())
    return kExitUsage;
  if (restart_as_follower.load()) {
    node_now.store(nullptr);
    node.reset();
    log->warn("this node lost its leadership: starting again as a follower");
    restart_in_place(host + ":" + std::to_string(port));  // returns only when it cannot
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace orderly::cli
