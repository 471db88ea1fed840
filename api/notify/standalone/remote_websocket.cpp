#include "api/notify/standalone/remote_websocket.h"

#include <boost/json.hpp>

#include <chrono>

#include "api/auth/jwt.h"
#include "api/http/server.h"
#include "api/notify/client/engine_login.h"
#include "api/notify/push/ws_hub.h"
#include "api/notify/push/ws_push_json.h"
#include "api/rest/call.h"
#include "api/rest/problem.h"
#include "commands/ws_push_recorder.h"
#include "core/ids.h"

namespace orderly::api::notify::standalone {

namespace json = boost::json;

namespace {

// Who an upgrade's token names, asked of the engine at every upgrade and
// never remembered across upgrades: the engine refuses a logged-out,
// deactivated or deleted user's token, and reads a demoted admin's role, at
// once, so this feed does too. The check before the switch leaves its answer
// in the request (`admitted`) for the one at the switch: one upgrade, one
// GET /api/auth/me.
Result<client::EngineUser> token_user(client::EngineClient& engine, const http::Request& req) {
  if (req.admitted)  // this upgrade's check asked a moment ago
    return *std::static_pointer_cast<client::EngineUser>(req.admitted);
  auto token = rest::websocket_token(req);
  if (!token)
    return token.status();
  return client::engine_user(engine, *token);
}

// The connection's session as the engine's own hub keeps it (api/api.cpp):
// the token's expiry and its refresh-token family, so the connection is
// closed (1008) at `exp`, at logout and at revocation here too. The engine
// has just said whom the token names; its claims are read, not re-verified
// (this process holds no signing secret).
Result<push::WsSession> session_of(const push::WsHub& hub, const http::Request& req,
                                   const client::EngineUser& who) {
  auto token = rest::websocket_token(req);
  if (!token)
    return token.status();
  auto claims = auth::read_verified_jwt_claims(*token, now_us() / 1'000'000);
  if (!claims)
    return claims.status();
  push::WsSession session =
      push::ws_session_of(who.id, rest::wants_all_events(req) && who.admin, *claims);
  if (hub.session_ended(session.family))
    return Status::unauthorized("the access token's session has ended");
  return session;
}

// The owner of an order, asked of the engine. On the thread that pushes
// messages: one short try, never a stall.
std::optional<Uuid> owner_of(client::EngineClient& engine, const Uuid& order) {
  auto r = engine.call_once("GET", "/api/orders/" + order.to_string(), std::chrono::seconds(2));
  if (!r || r->status != 200)
    return std::nullopt;
  boost::system::error_code ec;
  const json::value v = json::parse(r->body, ec);
  const auto* row = !ec && v.is_object() ? v.as_object().if_contains("order") : nullptr;
  const auto* user = row && row->is_object() ? row->as_object().if_contains("user_id") : nullptr;
  if (!user || !user->is_string())
    return std::nullopt;
  return Uuid::parse(std::string(user->as_string()));
}

}  // namespace

// The upgrade's checks and the subscription of /ws/notifications.
http::WsEndpoint notifications_endpoint(client::EngineClient& tokens, push::WsHub& hub) {
  http::WsEndpoint ws;
  ws.path = "/ws/notifications";
  ws.check = [&tokens, &hub](http::Request& req) -> std::optional<http::Response> {
    req.admitted.reset();  // (nothing but this check may speak for the token)
    auto who = token_user(tokens, req);
    std::optional<http::Response> refusal;
    Status session = who ? session_of(hub, req, *who).status() : who.status();
    if (!session.is_ok()) {
      refusal = rest::problem_from(session);
      // The engine refused the token (or there was none): as the engine says it.
      rest::add_challenge(*refusal, rest::websocket_token_sent(req));
    } else if (rest::wants_all_events(req) && !who->admin) {
      refusal = rest::problem(403, "forbidden", "scope=all is for admins");
    }
    if (refusal) {
      refusal->header("X-Request-Id", rest::request_id_of(req));
      return refusal;
    }
    req.admitted = std::make_shared<client::EngineUser>(*who);  // for `open`, next
    return std::nullopt;
  };
  ws.request_id = rest::request_id_of;
  ws.open = [&tokens, &hub](const http::Request& req,
                            std::shared_ptr<http::WsSink> sink) -> std::function<void()> {
    auto who = token_user(tokens, req);
    // The engine's answer is this upgrade's; the token's expiry and session
    // are checked again here (a session may have ended meanwhile).
    auto session = who ? session_of(hub, req, *who) : Result<push::WsSession>(who.status());
    if (!session) {  // expired or ended between the check and now
      sink->close(1008, "unauthorized");
      return [] {};
    }
    return hub.subscribe(*session, std::move(sink));
  };
  return ws;
}

Status run_remote_websocket(client::EngineClient& lookups, client::EngineClient& recording,
                            const RemoteWebSocketOptions& options,
                            const std::shared_ptr<spdlog::logger>& log,
                            const std::function<void(uint16_t port)>& listening,
                            const std::function<void()>& until_stopped) {
  // Its own connection, apart from the lookups (no account: it only
  // passes clients' tokens on).
  client::EngineClient tokens(client::EngineAccount{options.engine_url, "", ""});
  push::WsHub hub([&lookups](const Uuid& order) { return owner_of(lookups, order); },
                  options.nats_url);
  // While the engine cannot be reached, outcomes wait (bounded) for the
  // next interval.
  auto pushes = std::make_shared<commands::WebSocketPushRecorder>(
      [&recording, log](const commands::RecordWebSocketPushes& batch) -> Status {
        auto r = recording.call("POST", "/api/admin/notifications/websocket-pushes",
                                push::ws_pushes_json(batch));
        if (!r || r->status == 503 || r->status == 429)
          return Status::overloaded("the engine cannot record pushes now");
        if (r->status == 204)
          return Status::ok();
        log->warn("the engine refused {} WebSocket push records: {} {}", batch.pushes.size(),
                  r->status, r->body);
        return Status::internal("push records refused");
      },
      std::chrono::seconds(1), push::kMaxPushesPerRequest);
  hub.record_pushes(pushes);
  http::ServerOptions server_options;
  server_options.address = options.http_address;
  // This process serves /ws/notifications, and /health for probes.
  auto server = http::HttpServer::start(
      server_options,
      [&hub](const http::Request& req, const http::Respond& respond) {
        http::Response r =
            req.method == "GET" && req.path == "/health"
                ? rest::json_response(
                      200, json::object{{"status", hub.from_nats() ? "ok" : "connecting"},
                                        {"clients", hub.clients()},
                                        {"position", hub.position()}})
                : rest::problem(404, "not_found", "this process serves /ws/notifications only");
        respond(std::move(r.header("X-Request-Id", rest::request_id_of(req))));
      },
      &rest::refused_request, {notifications_endpoint(tokens, hub)});
  if (!server) {
    pushes->stop();
    return server.status();
  }
  listening((*server)->port());

  until_stopped();
  hub.close_all();
  (*server)->stop(std::chrono::seconds(5));
  pushes->stop();  // the last outcomes recorded
  if (const uint64_t lost = pushes->lost(); lost > 0)
    log->warn("{} WebSocket push outcomes could not be recorded", lost);
  return Status::ok();
}

}  // namespace orderly::api::notify::standalone
