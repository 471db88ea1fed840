// The `orderly` subcommands, as plain functions over plain option structs so
// that CLI11 stays in main.cpp. Each returns the process exit status.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace orderly::cli {

struct CommonOptions {
  std::string data_dir = "./data";
  std::string sync = "always";
  std::string log_format;        // "" = text on a terminal, json otherwise
  std::string currency = "USD";  // the shop's one currency (ISO 4217)
};

struct ServeOptions {
  std::string http_address = "127.0.0.1:8080";
  std::string jwt_secret_file;  // "" = <data-dir>/jwt.secret, generated once
  std::string reservation_ttl = "15m";
  std::string access_token_ttl = "15m";        // a JWT's life; a WebSocket closes at its end
  std::string refresh_token_ttl = "7d";        // a session's life without a refresh
  std::string email_verification_ttl = "48h";  // how long an email verification link works
  std::string password_reset_ttl = "30m";      // how long a password reset link works
  std::string rate_limit_ip = "1000/s";
  std::string rate_limit_user = "100/s";
  bool no_demo = false;
  bool no_email_notifier = false;  // `orderly notify email` runs instead
  std::string nats_url;            // "" = events fan out in-process only
  std::string smtp_url;            // "" = emails are written to <data-dir>/outbox/ as .eml files
  std::string mail_from = "orders@localhost";
  std::string smtp_tls = "opportunistic";  // STARTTLS: required | opportunistic | off
  std::string smtp_ca_file;                // "" = the system's CAs
  std::string public_url;  // "" = http(s)://<http-address>: links in emails, OpenID, images
  // What one customer may hold unpaid (commands/order.h; 0 = no limit):
  // a generous retail basket, far from a catalog's worth. Paying releases
  // the hold at once, so these bound only what is reserved and not bought.
  int64_t hold_max_units = 10;         // units of one product
  int64_t hold_max_orders = 20;        // pending orders
  int64_t hold_max_cents = 1'000'000;  // 10,000.00 in the shop's currency
  // Emails to one address (api/notify/requests/email_limits.h), until addresses are
  // verified: a burst, then a steady rate ("0" = no bucket), and a cap per
  // day (0 = none). Past them an email is recorded as suppressed.
  std::string email_recipient_rate = "1/m";
  double email_recipient_burst = 5;
  uint32_t email_recipient_daily = 50;
  size_t queue_capacity = 100'000;    // commands waiting for the writer; beyond: 503 overloaded
  uint64_t snapshot_every = 500'000;  // events between a read model's snapshots
  double snapshot_interval_s = 30;    // and at least this long between them
  std::vector<std::string> cors_origins;
  // Connections: all addresses together, one client address, WebSockets of
  // one address (api/http/connection_ledger.h).
  size_t max_connections = 10'000;
  size_t max_connections_per_address = 512;
  size_t max_websockets_per_address = 128;
  size_t max_body_bytes_in_flight = 64 << 20;  // request bodies held at once
  std::vector<std::string> trusted_proxies;    // CIDRs whose X-Forwarded-For is believed
  // Sign-in with an OpenID Connect provider (api/cli/oidc_options.h); all
  // empty: none.
  std::string oidc_issuer, oidc_client_id, oidc_client_secret_file, oidc_name;
  // Product images (api/cli/image_store_options.h).
  std::string image_store, s3_endpoint, s3_region = "us-east-1", s3_credentials_file,
                                        image_base_url;
  size_t max_image_bytes = 10 << 20;
  // Payments (docs/design/payments.md): the provider's API and key, the
  // webhook signing secrets. All empty: the engine stands in for the provider.
  std::string payment_provider_url, payment_provider_key_file, payment_webhook_secret_file;
  // Replication (issue 25, api/replication/replica_node.h): the JetStream
  // cluster's URLs ("" = a single node), the replicas of its stream and
  // buckets, this node's URL for the others' redirects, the lease's TTL.
  std::string replicate;
  int replicas = 3;
  std::string advertise_url;  // "" = http(s)://<http-address>
  std::string lease_ttl = "3s";
  // HTTPS (api/http/tls_certificates.h): the certificate chain and its key,
  // PEM files, both or neither; reloaded on SIGHUP.
  std::string tls_cert, tls_key;
};

// `orderly notify email|websocket`: a notifier as its own process.
struct NotifyOptions {
  std::string nats_url;                                  // required
  std::string engine_url = "http://127.0.0.1:8080";      // the engine's HTTP API
  std::string engine_email, engine_password_file;        // an admin account
  std::string smtp_url, mail_from = "orders@localhost";  // email
  std::string smtp_tls = "opportunistic", smtp_ca_file;  // email
  std::string public_url;                                // email; "" = engine_url
  std::string http_address = "127.0.0.1:8081";           // websocket
};

// "15m", "30s", "2h", "7d", "500ms" -> microseconds; nullopt when malformed.
std::optional<int64_t> parse_duration_us(std::string_view text);

// Exit statuses shared by every subcommand.
inline constexpr int kExitOk = 0;
inline constexpr int kExitDamage = 1;   // verify found damage
inline constexpr int kExitUsage = 2;    // bad arguments or configuration
inline constexpr int kExitFailure = 3;  // the operation could not run

struct ReplayOptions {
  uint64_t from = 1;
  uint64_t to = UINT64_MAX;
  std::string stream;              // exact, or a prefix when it ends with '-'
  std::vector<std::string> types;  // "order.placed", ...
  std::string since, until;        // RFC 3339
  // Only the events with this correlation id: the W3C trace id of the
  // request whose commands appended them (32 lower-case hex digits).
  std::string correlation;
  bool follow = false;
};

struct InspectOptions {
  std::string stream;
  // A quarantine file (eventstore/quarantine.h) instead: its events, one
  // JSON line each.
  std::string quarantine;
  uint64_t at_version = 0;  // 0 = the latest
  std::string at_time;      // RFC 3339; "" = no limit
};

struct RebuildOptions {
  std::string model;  // "" with all = true
  bool all = false;
  bool verify = false;
};

struct CreateUserOptions {
  std::string username, email, password_file;
};

// `orderly admin list-users|set-role|deactivate` (offline, engine role).
struct AdminUserOptions {
  std::string q, role, status;  // list-users' filters ("" = any)
  bool json = false;            // list-users: one JSON object a line
  std::string user, email;      // set-role, deactivate: the user, by id or by email
  std::string new_role;         // set-role
  bool reactivate = false;      // deactivate --reactivate
  std::string reason;           // deactivate: recorded in the event
};

int run_serve(const CommonOptions& common, const ServeOptions& serve);
int run_notify_email(const CommonOptions& common, const NotifyOptions& notify);
int run_notify_websocket(const CommonOptions& common, const NotifyOptions& notify);
int run_replay(const CommonOptions& common, const ReplayOptions& replay);
int run_inspect(const CommonOptions& common, const InspectOptions& inspect);
int run_rebuild(const CommonOptions& common, const RebuildOptions& rebuild);
int run_import_catalog(const CommonOptions& common, const std::string& file);
int run_create_admin(const CommonOptions& common, const CreateUserOptions& user);
int run_list_users(const CommonOptions& common, const AdminUserOptions& o);
int run_set_role(const CommonOptions& common, const AdminUserOptions& o);
int run_deactivate(const CommonOptions& common, const AdminUserOptions& o);
int run_verify(const CommonOptions& common);
int run_backup(const CommonOptions& common, const std::string& backup_dir);
int run_restore(const CommonOptions& common, const std::string& backup_dir, bool force);

}  // namespace orderly::cli
