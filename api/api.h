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
#include "api/rest/routes/api_options.h"
#include "commands/analytics_recorder.h"
#include "commands/processor.h"
#include "eventstore/store.h"
#include "projections/runner.h"

namespace orderly::api::rest::routes {
struct Context;  // the engine parts the routes share (api/rest/routes/context.h)
}  // namespace orderly::api::rest::routes

namespace orderly::api {

class Api {
 public:
  Api(eventstore::EventStore& store, commands::CommandProcessor& processor,
      projections::ProjectionRunner& runner, commands::AnalyticsRecorder& analytics,
      std::string jwt_secret, rest::routes::ApiOptions options,
      std::shared_ptr<spdlog::logger> log);
  ~Api();

  // The HTTP server's admission step (message.h's Admit), on a request's
  // head before its body is read: CORS preflight, the address's rate limit,
  // the route, the caller's token and role, the user's rate limit and the
  // route's body limit. What it found travels in head.admitted to handle().
  std::optional<size_t> admit(http::Request& head, http::Respond respond);
  // A whole request. Without head.admitted (no admission step ran), it is
  // admitted here first, with `respond`.
  void handle(http::Request request, http::Respond respond);
  // Before the HTTP server stops: closes WebSocket clients and finishes
  // password work (later logins are refused with 503).
  void shutdown();
  // The shop's public URL, once the listener knows its port (--public-url
  // or http://<address>): the links the routes build, the OpenID redirect
  // URI and the way back from the provider. From any thread; sign-ins
  // before it is set are 503.
  void set_public_url(std::string url);
  // After the HTTP server has stopped, before the command pipeline does:
  // records what became of the last WebSocket pushes.
  void stop_recording();
  // After the command pipeline has stopped, while the HTTP server object
  // still exists: answers any read-your-writes wait still pending.
  void finish_waits();
  // GET /ws/notifications: the live feed of the caller's events.
  http::WsEndpoint websocket_endpoint();
  size_t websocket_clients() const;

  // Every route as (METHOD, pattern), e.g. ("GET", "/api/orders/{id}").
  std::vector<std::pair<std::string, std::string>> routes() const;
  // For refusals the HTTP server makes itself (413, 431, 400).
  static http::Response error(int status, std::string_view code, std::string_view detail);

 private:
  std::unique_ptr<rest::routes::Context> ctx_;
};

}  // namespace orderly::api
