// The HTTP command/query API of CONTRACT.md over the engine: requests become
// commands for the single writer or queries of the read models. It holds no
// business rule (those are in commands/); it authenticates, validates the
// shape of input, maps JSON both ways, and answers problem+json on errors.
//
// Thread safety: handle() from any I/O thread.
#pragma once

#include <spdlog/logger.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/http/message.h"
#include "api/http/server.h"
#include "commands/analytics_recorder.h"
#include "commands/processor.h"
#include "eventstore/store.h"
#include "projections/runner.h"

namespace orderly::api {

class EmailRateLimiter;

struct ApiOptions {
  int64_t access_ttl_s = 15 * 60;
  int64_t refresh_ttl_s = 7 * 24 * 3600;
  TimestampUs reservation_ttl_us = 15 * 60 * 1'000'000LL;
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
  // The /ws/notifications feed reads the JetStream stream when set (else the log).
  std::string nats_url;
  // Per-recipient email limits for the requests `orderly notify email`
  // makes through the notifier routes (null: none; api/notify/email/email_limits.h).
  std::shared_ptr<EmailRateLimiter> email_limiter;
};

class Api {
 public:
  Api(eventstore::EventStore& store, commands::CommandProcessor& processor,
      projections::ProjectionRunner& runner, commands::AnalyticsRecorder& analytics,
      std::string jwt_secret, ApiOptions options, std::shared_ptr<spdlog::logger> log);
  ~Api();

  // The HTTP server's admission step (message.h's Admit), on a request's
  // head before its body is read: CORS preflight, the address's rate limit,
  // the route, the caller's token and role, the user's rate limit and the
  // route's body limit. What it found travels in head.admitted to handle().
  std::optional<size_t> admit(Request& head, Respond respond);
  // A whole request. Without head.admitted (no admission step ran), it is
  // admitted here first, with `respond`.
  void handle(Request request, Respond respond);
  // Before the HTTP server stops: closes WebSocket clients and finishes
  // password work (later logins are refused with 503).
  void shutdown();
  // After the HTTP server has stopped, before the command pipeline does:
  // records what became of the last WebSocket pushes.
  void stop_recording();
  // After the command pipeline has stopped, while the HTTP server object
  // still exists: answers any read-your-writes wait still pending.
  void finish_waits();
  // GET /ws/notifications: the live feed of the caller's events.
  WsEndpoint websocket_endpoint();
  size_t websocket_clients() const;

  // Every route as (METHOD, pattern), e.g. ("GET", "/api/orders/{id}").
  std::vector<std::pair<std::string, std::string>> routes() const;
  // For refusals the HTTP server makes itself (413, 431, 400).
  static Response error(int status, std::string_view code, std::string_view detail);

  struct Context;

 private:
  std::unique_ptr<Context> ctx_;
};

}  // namespace orderly::api
