// `orderly notify websocket`: the WebSocket notifier as its own process. It
// serves GET /ws/notifications (same messages and rules as the engine's)
// from the JetStream stream the engine's fan-out fills, so pages can be
// served by as many of these as needed, away from the engine. A client's
// token is checked by asking the engine who it is (GET /api/auth/me), so a
// deleted user or a demoted admin is refused exactly as by the engine;
// orders placed before this process started are attributed to their owner
// through the admin API.
#include <boost/json.hpp>

#include "api/api.h"
#include "api/call.h"
#include "api/cli/commands.h"
#include "api/cli/logger.h"
#include "api/cli/notify_common.h"
#include "api/http/server.h"
#include "api/problem.h"
#include "api/ws_hub.h"

namespace orderly::cli {

namespace json = boost::json;

namespace {

struct Caller {
  Uuid user;
  bool admin = false;
};

// Who the request's token names, according to the engine.
Result<Caller> caller_of(api::EngineClient& engine, const api::Request& req) {
  auto token = api::websocket_token(req);
  if (!token)
    return token.status();
  auto r = engine.call_with_token(*token, "GET", "/api/auth/me");
  if (!r)
    return Status::busy("the engine cannot check the token now; retry");
  if (r->status == 401 || r->status == 404)
    return Status::unauthorized("the engine refused the access token");
  if (r->status != 200)
    return Status::busy("the engine answered " + std::to_string(r->status) + "; retry");
  boost::system::error_code ec;
  const json::value v = json::parse(r->body, ec);
  const json::object* user = nullptr;
  if (!ec && v.is_object()) {
    if (const auto* u = v.as_object().if_contains("user"); u && u->is_object())
      user = &u->as_object();
  }
  const auto* id = user ? user->if_contains("id") : nullptr;
  const auto* role = user ? user->if_contains("role") : nullptr;
  if (!id || !id->is_string() || !role || !role->is_string())
    return Status::busy("the engine's answer about the token is incomplete");
  auto uuid = Uuid::parse(std::string(id->as_string()));
  if (!uuid)
    return Status::unauthorized("the access token names no user");
  return Caller{*uuid, role->as_string() == "admin"};
}

}  // namespace

int run_notify_websocket(const CommonOptions& common, const NotifyOptions& o) {
  auto log = make_logger(common.log_format);
  sigset_t signals = block_stop_signals();
  auto engine = connect_engine(o, signals, *log);
  if (!engine)
    return engine.status().code() == ErrorCode::kShuttingDown ? kExitOk : kExitUsage;
  api::EngineClient& api = **engine;

  api::WsHub hub(
      [&api](const Uuid& order) -> std::optional<Uuid> {
        auto r = api.call("GET", "/api/orders/" + order.to_string());
        if (!r || r->status != 200)
          return std::nullopt;
        boost::system::error_code ec;
        const json::value v = json::parse(r->body, ec);
        const auto* row = !ec && v.is_object() ? v.as_object().if_contains("order") : nullptr;
        const auto* user =
            row && row->is_object() ? row->as_object().if_contains("user_id") : nullptr;
        if (!user || !user->is_string())
          return std::nullopt;
        return Uuid::parse(std::string(user->as_string()));
      },
      o.nats_url);

  api::WsEndpoint ws;
  ws.path = "/ws/notifications";
  ws.check = [&api](const api::Request& req) -> std::optional<api::Response> {
    auto who = caller_of(api, req);
    if (!who)
      return api::problem_from(who.status());
    if (api::wants_all_events(req) && !who->admin)
      return api::problem(403, "forbidden", "scope=all is for admins");
    return std::nullopt;
  };
  ws.open = [&api, &hub](const api::Request& req,
                         std::shared_ptr<api::WsSink> sink) -> std::function<void()> {
    auto who = caller_of(api, req);
    if (!who) {
      sink->close(1008, "unauthorized");
      return [] {};
    }
    return hub.subscribe(who->user, api::wants_all_events(req) && who->admin, std::move(sink));
  };
  api::ServerOptions server_options;
  server_options.address = o.http_address;
  auto server = api::HttpServer::start(
      server_options,
      [&hub](api::Request req, api::Respond respond) {
        if (req.method == "GET" && req.path == "/health") {
          respond(api::json_response(200,
                                     json::object{{"status", hub.from_nats() ? "ok" : "connecting"},
                                                  {"clients", hub.clients()},
                                                  {"position", hub.position()}}));
          return;
        }
        respond(api::problem(404, "not_found", "this process serves /ws/notifications only"));
      },
      &api::Api::error, {ws});
  if (!server) {
    log->error("{}", server.status().to_string());
    return server.status().code() == ErrorCode::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  const std::string host = o.http_address.substr(0, o.http_address.rfind(':'));
  const std::string url = "http://" + host + ":" + std::to_string((*server)->port());
  log->info("WebSocket notifier on {}/ws/notifications, events from NATS {}", url, o.nats_url);
  std::printf("orderly notify websocket listening on %s\n", url.c_str());
  std::fflush(stdout);

  int sig = 0;
  sigwait(&signals, &sig);
  log->info("signal {} received: closing WebSocket connections", sig);
  hub.close_all();
  (*server)->stop(std::chrono::seconds(5));
  return kExitOk;
}

}  // namespace orderly::cli
