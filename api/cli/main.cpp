// `orderly`: the one binary. Parses the command line (CLI11) and hands plain
// option structs to the subcommands in cmd_*.cpp.
#include <sys/stat.h>
#include <CLI/CLI.hpp>

#include <csignal>

#include "api/cli/commands.h"
#include "core/text.h"

// An exception escaping a subcommand is a bug: it ends the process with
// its message (std::terminate), which is what an operator should see.
int main(int argc, char** argv) {  // NOLINT(bugprone-exception-escape)
  using namespace orderly::cli;
  // Everything any subcommand creates (the log, snapshots, read models, the
  // generated JWT secret, the outbox, backups) is its owner's only: the log
  // holds password hashes and personal data. Before anything is created.
  ::umask(077);
  CLI::App app{"Orderly: an event-sourced order engine"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "orderly 0.1.0");

  CommonOptions common;
  auto add_common = [&](CLI::App* cmd) {
    // Every subcommand's options share `common` (and some other structs):
    // CLI11 would otherwise read the environment for the options of every
    // subcommand, used or not, and an unused one's ORDERLY_DATA_DIR would
    // overwrite the used one's --data-dir. A parse-complete callback keeps
    // the environment and the option callbacks to the subcommand given, so
    // the flag wins over the environment, as documented.
    cmd->parse_complete_callback([] {});
    cmd->add_option("--data-dir", common.data_dir, "Data directory")
        ->envname("ORDERLY_DATA_DIR")
        ->capture_default_str();
    cmd->add_option("--sync", common.sync,
                    "Durability: always (fsync per commit) or none (benchmarks)")
        ->envname("ORDERLY_SYNC")
        ->check(CLI::IsMember({"always", "none"}))
        ->capture_default_str();
    cmd->add_option("--log-format", common.log_format, "text or json (default: text on a terminal)")
        ->envname("ORDERLY_LOG_FORMAT")
        ->check(CLI::IsMember({"text", "json"}));
    cmd->add_option("--currency", common.currency,
                    "The shop's one currency (ISO 4217): products in another are refused")
        ->envname("ORDERLY_CURRENCY")
        ->check(
            [](const std::string& c) {
              return orderly::is_currency_code(c)
                         ? std::string()
                         : "must be three capital letters such as USD or EUR";
            },
            "CURRENCY")
        ->capture_default_str();
  };

  ServeOptions serve;
  auto* serve_cmd = app.add_subcommand("serve", "Run the engine");
  add_common(serve_cmd);
  serve_cmd->add_option("--http-address", serve.http_address, "HTTP listen address")
      ->envname("ORDERLY_HTTP_ADDRESS")
      ->capture_default_str();
  serve_cmd
      ->add_option("--jwt-secret-file", serve.jwt_secret_file,
                   "File holding the JWT signing secret (default: generated into the data dir)")
      ->envname("ORDERLY_JWT_SECRET_FILE");
  serve_cmd
      ->add_option("--reservation-ttl", serve.reservation_ttl,
                   "How long a pending order holds its stock (e.g. 15m, 30s)")
      ->envname("ORDERLY_RESERVATION_TTL")
      ->capture_default_str();
  serve_cmd
      ->add_option("--access-token-ttl", serve.access_token_ttl,
                   "How long an access token (JWT) is valid, at least 1s (e.g. 15m, 30s)")
      ->envname("ORDERLY_ACCESS_TOKEN_TTL")
      ->capture_default_str();
  serve_cmd
      ->add_option("--refresh-token-ttl", serve.refresh_token_ttl,
                   "How long a refresh token is valid, at least 1s (e.g. 7d, 12h)")
      ->envname("ORDERLY_REFRESH_TOKEN_TTL")
      ->capture_default_str();
  serve_cmd
      ->add_option("--email-verification-ttl", serve.email_verification_ttl,
                   "How long an email verification link works, at least 1s (e.g. 48h)")
      ->envname("ORDERLY_EMAIL_VERIFICATION_TTL")
      ->capture_default_str();
  serve_cmd
      ->add_option("--password-reset-ttl", serve.password_reset_ttl,
                   "How long a password reset link works, at least 1s (e.g. 30m)")
      ->envname("ORDERLY_PASSWORD_RESET_TTL")
      ->capture_default_str();
  serve_cmd
      ->add_option("--rate-limit-ip", serve.rate_limit_ip,
                   "Requests per client address (N/s, N/m; 0 = off; burst 2x)")
      ->envname("ORDERLY_RATE_LIMIT_IP")
      ->capture_default_str();
  serve_cmd
      ->add_option("--rate-limit-user", serve.rate_limit_user,
                   "Requests per authenticated user (N/s, N/m; 0 = off; burst 2x)")
      ->envname("ORDERLY_RATE_LIMIT_USER")
      ->capture_default_str();
  serve_cmd
      ->add_option("--cors-origin", serve.cors_origins,
                   "An origin allowed to call the API from a browser (repeat; * for any)")
      ->envname("ORDERLY_CORS_ORIGINS")
      ->delimiter(',');
  serve_cmd
      ->add_option("--max-connections", serve.max_connections,
                   "Connections (HTTP and WebSocket) held at once; a tenth of them is kept for "
                   "addresses that hold few")
      ->envname("ORDERLY_MAX_CONNECTIONS")
      ->check(CLI::Range(size_t{1}, size_t{1'000'000}))
      ->capture_default_str();
  serve_cmd
      ->add_option("--max-connections-per-address", serve.max_connections_per_address,
                   "Connections one client address may hold; more are closed at once")
      ->envname("ORDERLY_MAX_CONNECTIONS_PER_ADDRESS")
      ->check(CLI::Range(size_t{1}, size_t{1'000'000}))
      ->capture_default_str();
  serve_cmd
      ->add_option("--max-websockets-per-address", serve.max_websockets_per_address,
                   "WebSocket connections one client address may hold; more are refused 429")
      ->envname("ORDERLY_MAX_WEBSOCKETS_PER_ADDRESS")
      ->check(CLI::Range(size_t{1}, size_t{1'000'000}))
      ->capture_default_str();
  serve_cmd
      ->add_option("--max-body-bytes-in-flight", serve.max_body_bytes_in_flight,
                   "Request-body bytes held at once, all connections; a request that would pass "
                   "it is refused 503 overloaded")
      ->envname("ORDERLY_MAX_BODY_BYTES_IN_FLIGHT")
      ->check(CLI::Range(size_t{1} << 20, size_t{1} << 40))
      ->capture_default_str();
  serve_cmd
      ->add_option("--trusted-proxy", serve.trusted_proxies,
                   "A reverse proxy's address or CIDR (repeat, or comma-separated; IPv4 or IPv6): "
                   "only from these is Forwarded / X-Forwarded-For believed for the client address")
      ->envname("ORDERLY_TRUSTED_PROXY")
      ->delimiter(',');
  serve_cmd
      ->add_option("--hold-max-units", serve.hold_max_units,
                   "Units of one product a customer may hold in unpaid orders (0 = no limit)")
      ->envname("ORDERLY_HOLD_MAX_UNITS")
      ->check(CLI::Range(int64_t{0}, int64_t{1'000'000'000}))
      ->capture_default_str();
  serve_cmd
      ->add_option("--hold-max-orders", serve.hold_max_orders,
                   "Unpaid (pending) orders a customer may have at once (0 = no limit)")
      ->envname("ORDERLY_HOLD_MAX_ORDERS")
      ->check(CLI::Range(int64_t{0}, int64_t{1'000'000'000}))
      ->capture_default_str();
  serve_cmd
      ->add_option("--hold-max-cents", serve.hold_max_cents,
                   "What a customer's unpaid orders may be worth together, in cents (0 = no limit)")
      ->envname("ORDERLY_HOLD_MAX_CENTS")
      ->check(CLI::Range(int64_t{0}, int64_t{1'000'000'000'000'000}))
      ->capture_default_str();
  serve_cmd
      ->add_option("--email-recipient-rate", serve.email_recipient_rate,
                   "Emails one address may get after its burst (N/s, N/m, N/h; 0 = no limit)")
      ->envname("ORDERLY_EMAIL_RECIPIENT_RATE")
      ->capture_default_str();
  serve_cmd
      ->add_option("--email-recipient-burst", serve.email_recipient_burst,
                   "Emails one address may get at once")
      ->envname("ORDERLY_EMAIL_RECIPIENT_BURST")
      ->check(CLI::Range(1.0, 1e6))
      ->capture_default_str();
  serve_cmd
      ->add_option("--email-recipient-daily", serve.email_recipient_daily,
                   "Emails one address may get per UTC day (0 = no cap)")
      ->envname("ORDERLY_EMAIL_RECIPIENT_DAILY")
      ->capture_default_str();
  serve_cmd
      ->add_option("--queue-capacity", serve.queue_capacity,
                   "Commands that may wait for the writer; more are answered 503 overloaded")
      ->envname("ORDERLY_QUEUE_CAPACITY")
      ->check(CLI::Range(size_t{1}, size_t{10'000'000}))
      ->capture_default_str();
  serve_cmd
      ->add_option("--snapshot-every", serve.snapshot_every,
                   "Events between two snapshots of a read model (also saved at stop): a restart "
                   "after a crash folds about this many at most")
      ->envname("ORDERLY_SNAPSHOT_EVERY")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1'000'000'000}))
      ->capture_default_str();
  serve_cmd
      ->add_option("--snapshot-interval", serve.snapshot_interval_s,
                   "Seconds at least between two snapshots of a read model")
      ->envname("ORDERLY_SNAPSHOT_INTERVAL")
      ->check(CLI::Range(0.0, 86400.0))
      ->capture_default_str();
  serve_cmd
      ->add_option("--nats-url", serve.nats_url,
                   "Publish every event to NATS JetStream (e.g. nats://127.0.0.1:4222)")
      ->envname("ORDERLY_NATS_URL");
  serve_cmd
      ->add_option("--replicate", serve.replicate,
                   "Replicate the log over this NATS JetStream cluster (nats://host:port, comma "
                   "separated): one node leads, the others follow, serve queries and take over")
      ->envname("ORDERLY_REPLICATE");
  serve_cmd
      ->add_option("--replicas", serve.replicas,
                   "Copies the cluster keeps of the replicated log and the leader's lease")
      ->envname("ORDERLY_REPLICAS")
      ->check(CLI::Range(1, 5))
      ->capture_default_str();
  serve_cmd
      ->add_option("--advertise-url", serve.advertise_url,
                   "The URL other nodes send clients to when this node leads (followers answer "
                   "commands with 307 to it); default: http://<http-address> (https:// with "
                   "--tls-cert)")
      ->envname("ORDERLY_ADVERTISE_URL");
  serve_cmd
      ->add_option("--lease-ttl", serve.lease_ttl,
                   "How long a leader's lease lasts unrenewed (renewed every third of it): the "
                   "longest a failover waits for a silent leader")
      ->envname("ORDERLY_LEASE_TTL")
      ->capture_default_str();
  serve_cmd
      ->add_option(
          "--smtp-url", serve.smtp_url,
          "Send emails through this SMTP server (smtp://host:port, or smtps://host:port for "
          "implicit TLS); default: "
          ".eml files in <data-dir>/outbox/")
      ->envname("ORDERLY_SMTP_URL");
  serve_cmd->add_option("--mail-from", serve.mail_from, "The sender address of emails")
      ->envname("ORDERLY_MAIL_FROM")
      ->capture_default_str();
  // The email flags beyond --smtp-url and --mail-from, alike for `serve` and
  // `notify email`.
  auto add_email_flags = [](CLI::App* cmd, std::string& smtp_tls, std::string& ca_file,
                            std::string& public_url, const char* public_url_default) {
    cmd->add_option("--smtp-tls", smtp_tls,
                    "STARTTLS on smtp:// URLs: opportunistic (when the server offers it), required "
                    "(never send in clear) or off; smtps:// URLs are always TLS. The server's "
                    "certificate is always verified when TLS is used")
        ->envname("ORDERLY_SMTP_TLS")
        ->check(CLI::IsMember({"required", "opportunistic", "off"}))
        ->capture_default_str();
    cmd->add_option("--smtp-ca-file", ca_file,
                    "PEM file of the CA(s) that verify the SMTP server's certificate (default: "
                    "the system's CAs)")
        ->envname("ORDERLY_SMTP_CA_FILE");
    cmd->add_option("--public-url", public_url,
                    std::string("Where the shop's pages are, for the links in emails (e.g. "
                                "https://shop.example.com); default: ") +
                        public_url_default)
        ->envname("ORDERLY_PUBLIC_URL");
  };
  add_email_flags(serve_cmd, serve.smtp_tls, serve.smtp_ca_file, serve.public_url,
                  "http://<http-address>, https:// with --tls-cert; also the OpenID redirect and "
                  "image links");
  // Sign-in with an OpenID Connect provider (api/cli/oidc_options.h).
  serve_cmd
      ->add_option("--oidc-issuer", serve.oidc_issuer,
                   "Sign in with this OpenID Connect provider (its issuer URL, https; e.g. "
                   "https://accounts.google.com)")
      ->envname("ORDERLY_OIDC_ISSUER");
  serve_cmd->add_option("--oidc-client-id", serve.oidc_client_id, "This shop's client id there")
      ->envname("ORDERLY_OIDC_CLIENT_ID");
  serve_cmd
      ->add_option("--oidc-client-secret-file", serve.oidc_client_secret_file,
                   "A file holding the client secret (its first line)")
      ->envname("ORDERLY_OIDC_CLIENT_SECRET_FILE");
  serve_cmd
      ->add_option("--oidc-name", serve.oidc_name,
                   "The provider's name on the sign-in button (default: google for Google, "
                   "else openid)")
      ->envname("ORDERLY_OIDC_NAME");
  // Product images (api/cli/image_store_options.h).
  serve_cmd
      ->add_option("--image-store", serve.image_store,
                   "Where product images are stored: a directory, or s3://bucket/prefix for an "
                   "S3-compatible store (default: <data-dir>/images)")
      ->envname("ORDERLY_IMAGE_STORE");
  serve_cmd
      ->add_option("--s3-endpoint", serve.s3_endpoint,
                   "The S3 endpoint (https, or http on a loopback address), e.g. "
                   "https://s3.eu-west-1.amazonaws.com")
      ->envname("ORDERLY_S3_ENDPOINT");
  serve_cmd->add_option("--s3-region", serve.s3_region, "The S3 region (default us-east-1)")
      ->envname("ORDERLY_S3_REGION");
  serve_cmd
      ->add_option("--s3-credentials-file", serve.s3_credentials_file,
                   "A file with aws_access_key_id and aws_secret_access_key lines (owner-only)")
      ->envname("ORDERLY_S3_CREDENTIALS_FILE");
  serve_cmd
      ->add_option("--image-base-url", serve.image_base_url,
                   "What image links start with, e.g. a CDN (default: <public-url>/images)")
      ->envname("ORDERLY_IMAGE_BASE_URL");
  serve_cmd
      ->add_option("--max-image-bytes", serve.max_image_bytes,
                   "The largest image upload, in bytes (default 10485760)")
      ->check(CLI::Range(size_t{1024}, size_t{100} << 20))
      ->envname("ORDERLY_MAX_IMAGE_BYTES");
  // Payments (docs/design/payments.md).
  serve_cmd
      ->add_option("--payment-provider-url", serve.payment_provider_url,
                   "The payment provider's API (https, or http on a loopback address, e.g. "
                   "ops/payment_simulator.py); card payments then go there and their outcome "
                   "comes by webhook (default: none, the engine decides the test cards itself)")
      ->envname("ORDERLY_PAYMENT_PROVIDER_URL");
  serve_cmd
      ->add_option("--payment-provider-key-file", serve.payment_provider_key_file,
                   "A file holding the API key sent to the payment provider (its first line)")
      ->envname("ORDERLY_PAYMENT_PROVIDER_KEY_FILE");
  serve_cmd
      ->add_option("--payment-webhook-secret-file", serve.payment_webhook_secret_file,
                   "A file holding the secret the provider signs webhooks with (one per line: "
                   "during a rotation, each is accepted); without it POST /api/payments/webhook "
                   "is refused")
      ->envname("ORDERLY_PAYMENT_WEBHOOK_SECRET_FILE");
  serve_cmd
      ->add_option("--tls-cert", serve.tls_cert,
                   "Serve HTTPS (and wss://) with this PEM certificate chain (the server's "
                   "certificate first); with --tls-key. Reloaded on SIGHUP")
      ->envname("ORDERLY_TLS_CERT");
  serve_cmd
      ->add_option("--tls-key", serve.tls_key,
                   "The certificate's private key, an unencrypted PEM file; with --tls-cert")
      ->envname("ORDERLY_TLS_KEY");
  serve_cmd->add_flag("--no-demo", serve.no_demo,
                      "Do not create the demo catalog in a new data directory");

  serve_cmd->add_flag("--no-email-notifier", serve.no_email_notifier,
                      "Send no emails from this process (run `orderly notify email` instead)");

  NotifyOptions notify;
  auto* notify_cmd =
      app.add_subcommand("notify", "A notifier as its own process, consuming from NATS");
  notify_cmd->require_subcommand(1);
  auto add_notify_common = [&](CLI::App* cmd) {
    add_common(cmd);
    cmd->add_option("--nats-url", notify.nats_url, "NATS with the engine's JetStream stream")
        ->envname("ORDERLY_NATS_URL")
        ->required();
    cmd->add_option("--engine-url", notify.engine_url, "The engine's HTTP API")
        ->envname("ORDERLY_ENGINE_URL")
        ->capture_default_str();
    cmd->add_option("--engine-email", notify.engine_email,
                    "The admin account the notifier logs in with")
        ->envname("ORDERLY_ENGINE_EMAIL")
        ->required();
    cmd->add_option("--engine-password-file", notify.engine_password_file,
                    "A file holding that account's password")
        ->envname("ORDERLY_ENGINE_PASSWORD_FILE")
        ->required();
  };
  auto* notify_email_cmd = notify_cmd->add_subcommand(
      "email", "Send the order and payment emails (outbox: <data-dir>/outbox without --smtp-url)");
  add_notify_common(notify_email_cmd);
  notify_email_cmd
      ->add_option("--smtp-url", notify.smtp_url,
                   "SMTP server (smtp://host:port, or smtps:// for implicit TLS); default: .eml "
                   "files in the outbox")
      ->envname("ORDERLY_SMTP_URL");
  notify_email_cmd->add_option("--mail-from", notify.mail_from, "The sender address of emails")
      ->envname("ORDERLY_MAIL_FROM")
      ->capture_default_str();
  add_email_flags(notify_email_cmd, notify.smtp_tls, notify.smtp_ca_file, notify.public_url,
                  "the --engine-url");
  auto* notify_ws_cmd =
      notify_cmd->add_subcommand("websocket", "Serve /ws/notifications from NATS");
  add_notify_common(notify_ws_cmd);
  notify_ws_cmd->add_option("--http-address", notify.http_address, "Listen address")
      ->envname("ORDERLY_NOTIFY_HTTP_ADDRESS")
      ->capture_default_str();

  auto* verify_cmd = app.add_subcommand(
      "verify", "Check the log: gapless positions, stream index agrees, every event decodes");
  add_common(verify_cmd);

  std::string backup_dir;
  auto* backup_cmd = app.add_subcommand("backup", "Consistent online backup of the data directory");
  add_common(backup_cmd);
  backup_cmd->add_option("DIR", backup_dir, "Backup directory (must not exist)")->required();

  bool force = false;
  auto* restore_cmd = app.add_subcommand("restore", "Restore the data directory from a backup");
  add_common(restore_cmd);
  restore_cmd->add_option("DIR", backup_dir, "Backup directory")->required();
  restore_cmd->add_flag("--force", force,
                        "Replace an existing store (kept aside as <dir>.before-restore-<time>)");

  ReplayOptions replay;
  auto* replay_cmd =
      app.add_subcommand("replay", "Print events as JSON lines, for audit and debugging");
  add_common(replay_cmd);
  replay_cmd->add_option("--from", replay.from, "First position");
  replay_cmd->add_option("--to", replay.to, "Last position");
  replay_cmd->add_option("--stream", replay.stream,
                         "One stream (order-<id>), or a category ending in '-' (order-)");
  replay_cmd->add_option("--type", replay.types, "Event type, e.g. order.placed (repeatable)");
  replay_cmd->add_option("--since", replay.since, "Events at or after this RFC 3339 time");
  replay_cmd->add_option("--until", replay.until, "Events at or before this RFC 3339 time");
  replay_cmd->add_option("--correlation", replay.correlation,
                         "Only the events of this correlation id: the trace id (32 hex digits) "
                         "of the HTTP request that caused them (its traceparent)");
  replay_cmd->add_flag("--follow", replay.follow,
                       "Keep printing new events (beside a running server too)");

  InspectOptions inspect;
  auto* inspect_cmd =
      app.add_subcommand("inspect", "An aggregate's state at a version or time, with its events");
  add_common(inspect_cmd);
  auto* inspect_stream =
      inspect_cmd->add_option("STREAM", inspect.stream, "e.g. order-0192f0c1-...");
  inspect_cmd
      ->add_option("--quarantine", inspect.quarantine,
                   "List the events of a quarantine file instead (a replicated node's records "
                   "the cluster never took: <data-dir>/quarantine/*.orq)")
      ->excludes(inspect_stream);
  auto* at_version =
      inspect_cmd->add_option("--at-version", inspect.at_version, "As of this stream version");
  inspect_cmd->add_option("--at-time", inspect.at_time, "As of this RFC 3339 time")
      ->excludes(at_version);

  RebuildOptions rebuild;
  auto* rebuild_cmd = app.add_subcommand(
      "rebuild", "Rebuild read models from the log (offline); --verify compares");
  add_common(rebuild_cmd);
  auto* model_opt = rebuild_cmd->add_option(
      "NAME", rebuild.model, "A read model: catalog, orders, users, notifications, stats");
  rebuild_cmd->add_flag("--all", rebuild.all, "Every read model")->excludes(model_opt);
  rebuild_cmd->add_flag("--verify", rebuild.verify,
                        "Compare with the stored rows instead; exit 1 on a difference");

  std::string catalog_file;
  auto* import_cmd = app.add_subcommand("import-catalog",
                                        "Bulk-load products (a JSON array) through the commands");
  add_common(import_cmd);
  import_cmd->add_option("FILE", catalog_file, "JSON file")->required();

  CreateUserOptions admin_user;
  auto* admin_cmd = app.add_subcommand("admin", "Administration");
  admin_cmd->require_subcommand(1);
  auto* create_user_cmd = admin_cmd->add_subcommand("create-user", "Create an admin user");
  add_common(create_user_cmd);
  create_user_cmd->add_option("--username", admin_user.username)->required();
  create_user_cmd->add_option("--email", admin_user.email)->required();
  create_user_cmd
      ->add_option("--password-file", admin_user.password_file, "A file holding the password")
      ->required();
  AdminUserOptions users;
  auto* list_users_cmd =
      admin_cmd->add_subcommand("list-users", "List the users (offline: the server stopped)");
  add_common(list_users_cmd);
  list_users_cmd->add_option("--q", users.q, "Part of a username, email or display name");
  list_users_cmd->add_option("--role", users.role, "customer or admin");
  list_users_cmd->add_option("--status", users.status, "active, deactivated or closed");
  list_users_cmd->add_flag("--json", users.json, "One JSON object a line");
  auto* set_role_cmd = admin_cmd->add_subcommand(
      "set-role", "Make a user an admin or a customer (offline: the server stopped)");
  add_common(set_role_cmd);
  auto* deactivate_cmd = admin_cmd->add_subcommand(
      "deactivate", "Deactivate a user, or reactivate one (offline: the server stopped)");
  add_common(deactivate_cmd);
  for (CLI::App* cmd : {set_role_cmd, deactivate_cmd}) {
    auto* by_id = cmd->add_option("--user", users.user, "The user's id");
    cmd->add_option("--email", users.email, "The user's email")->excludes(by_id);
  }
  set_role_cmd->add_option("--role", users.new_role, "customer or admin")->required();
  deactivate_cmd->add_flag("--reactivate", users.reactivate, "Make the user active again");
  deactivate_cmd->add_option("--reason", users.reason, "Why, recorded in the event");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  // A peer that closed its socket (nats-server killed, a client gone) is an
  // error to handle where the write fails, never a reason to die: NATS.c
  // writes without MSG_NOSIGNAL, and SIGPIPE's default ends the process
  // silently (the standalone notifiers did, when nats-server was killed).
  std::signal(SIGPIPE, SIG_IGN);
  if (*serve_cmd)
    return run_serve(common, serve);
  if (*notify_email_cmd)
    return run_notify_email(common, notify);
  if (*notify_ws_cmd)
    return run_notify_websocket(common, notify);
  if (*verify_cmd)
    return run_verify(common);
  if (*backup_cmd)
    return run_backup(common, backup_dir);
  if (*restore_cmd)
    return run_restore(common, backup_dir, force);
  if (*replay_cmd)
    return run_replay(common, replay);
  if (*inspect_cmd)
    return run_inspect(common, inspect);
  if (*rebuild_cmd)
    return run_rebuild(common, rebuild);
  if (*import_cmd)
    return run_import_catalog(common, catalog_file);
  if (*create_user_cmd)
    return run_create_admin(common, admin_user);
  if (*list_users_cmd)
    return run_list_users(common, users);
  if (*set_role_cmd)
    return run_set_role(common, users);
  if (*deactivate_cmd)
    return run_deactivate(common, users);
  return kExitUsage;
}
