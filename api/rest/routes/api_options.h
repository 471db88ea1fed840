// What `orderly serve` sets for the HTTP API: token lifetimes, waits,
// rate and body limits, CORS, and the parts the routes reach (the fan-out's
// metrics, NATS for the WebSocket feed, the email limits).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/oidc/provider.h"
#include "core/clock.h"

namespace orderly::api::images {
class ImageStore;
}  // namespace orderly::api::images

namespace orderly::api::notify::requests {
class EmailRateLimiter;
}  // namespace orderly::api::notify::requests

namespace orderly::api::rest::routes {

// This node's place in a replicated cluster (issue 25, `--replicate`), as
// the routes show it: /health, /ready, /metrics, the 307 to the leader.
struct ReplicationView {
  std::string role;  // "leader" or "follower"
  uint64_t term = 0;
  std::string leader_url;  // "" when no leader is known
  uint64_t lag = 0;        // messages of the replicated log not yet applied
  std::string failure;     // why this node can neither follow nor lead
  uint64_t published_messages = 0, publish_retries = 0;  // as the leader, this process
};

// One node as GET /api/admin/cluster lists it.
struct ClusterNodeView {
  std::string node, url, role;
  uint64_t term = 0, position = 0, lag = 0;
  int64_t reported_unix_ms = 0;
};

struct ApiOptions {
  int64_t access_ttl_s = int64_t{15} * 60;
  int64_t refresh_ttl_s = int64_t{7} * 24 * 3600;
  TimestampUs reservation_ttl_us = TimestampUs{15} * 60 * 1'000'000;
  // How long the links of account emails work (--email-verification-ttl,
  // --password-reset-ttl).
  int64_t email_verification_ttl_s = int64_t{48} * 3600;
  int64_t password_reset_ttl_s = int64_t{30} * 60;
  // How the outside world reaches the shop (--public-url): links and the
  // OpenID Connect redirect. Empty until the listener has its address.
  std::string public_url;
  std::chrono::milliseconds min_position_wait{2000};
  uint64_t ready_max_lag = 10'000;  // positions a projection may trail for /ready
  double rate_limit_ip = 1000;      // requests per second, 0 = off
  double rate_limit_user = 100;
  // Request bodies: at most json_body_limit bytes on the routes of anyone
  // and of customers, body_limit on admin routes (see body_limit_of).
  size_t body_limit = 1 << 20;
  size_t json_body_limit = 64 << 10;
  std::string version = "0.1.0";
  std::string currency = "USD";  // the shop's one currency (carts show it)
  // Origins allowed to call the API from a browser page ("*": any); empty:
  // no CORS headers (same-origin pages only).
  std::vector<std::string> cors_origins;
  // More Prometheus text for /metrics (e.g. the fan-out's), appended as is.
  std::function<std::string()> extra_metrics;
  // Set with --replicate: this node's role now (a follower answers every
  // command with 307 to the leader), and the cluster's nodes.
  std::function<ReplicationView()> replication;
  std::function<std::vector<ClusterNodeView>()> cluster_nodes;
  // The /ws/notifications feed reads the JetStream stream when set (else the log).
  std::string nats_url;
  // Per-recipient email limits for the requests `orderly notify email`
  // makes through the notifier routes (null: none; api/notify/requests/email_limits.h).
  std::shared_ptr<notify::requests::EmailRateLimiter> email_limiter;
  // Sign-in with an OpenID Connect provider (routes/oidc.cpp); null: none.
  // Built by the engine (api/oidc/curl_provider.h).
  std::shared_ptr<oidc::Provider> oidc_provider;
  // Product images (routes/images.cpp): where their files are (built by the
  // engine: a directory, or S3 through api/images/s3), the URL their links
  // start with (--image-base-url; empty: <public url>/images), and the
  // largest upload (--max-image-bytes). No store: image uploads are 503.
  std::shared_ptr<images::ImageStore> image_store;
  std::string image_base_url;
  size_t max_image_bytes = 10 << 20;
  // The secrets the payment provider signs webhooks with
  // (--payment-webhook-secret-file; several during a rotation). Empty:
  // POST /api/payments/webhook is refused (routes/payments.cpp).
  std::vector<std::string> payment_webhook_secrets;
};

}  // namespace orderly::api::rest::routes
