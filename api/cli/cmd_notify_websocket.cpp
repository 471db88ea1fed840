// `orderly notify websocket`: the WebSocket notifier as its own process. It
// serves GET /ws/notifications (same messages and rules as the engine's)
// from the JetStream stream the engine's fan-out fills, so pages can be
// served by as many of these as needed, away from the engine. A client's
// token is checked by asking the engine who it is (GET /api/auth/me), so a
// deleted user or a demoted admin is refused exactly as by the engine;
// orders placed before this process started are attributed to their owner
// through the admin API. What became of each push to the user an event
// concerns is recorded in the engine's log like the engine's own pushes
// (POST /api/admin/notifications/websocket-pushes, about once a second).
#include <boost/json.hpp>

#include <chrono>
#include <unordered_map>

#include "api/api.h"
#include "api/auth/jwt.h"
#include "api/cli/commands.h"
#include "api/cli/logger.h"
#include "api/cli/notify_common.h"
#include "api/http/server.h"
#include "api/notify/push/ws_hub.h"
#include "api/notify/push/ws_push_json.h"
#include "api/rest/call.h"
#include "api/rest/problem.h"
#include "core/mutex.h"

namespace orderly::cli {

namespace json = boost::json;

namespace {

// Who tokens name, asked of the engine once and remembered for 30 s: an
// upgrade is checked twice (before and at the switch), and pages reconnect,
// so most checks never leave the process. Revoking a user reaches this
// feed within those 30 s (the engine itself refuses at once).
class TokenCheck {
 public:
  explicit TokenCheck(std::unique_ptr<api::EngineClient> engine) : engine_(std::move(engine)) {}

  Result<EngineUser> who(const api::Request& req) EXCLUDES(mu_) {
    auto token = api::websocket_token(req);
    if (!token)
      return token.status();
    const auto now = std::chrono::steady_clock::now();
    {
      MutexLock lock(mu_);
      if (auto it = known_.find(*token); it != known_.end() && it->second.until > now)
        return it->second.user;
    }
    auto user = engine_user(*engine_, *token);
    if (user) {
      MutexLock lock(mu_);
      if (known_.size() >= 10'000)
        known_.clear();  // bounded: an attacker's tokens cannot grow it
      known_[*token] = {*user, now + std::chrono::seconds(30)};
    }
    return user;
  }

 private:
  struct Known {
    EngineUser user;
    std::chrono::steady_clock::time_point until;
  };
  std::unique_ptr<api::EngineClient> engine_;  // its own connection, apart from the lookups
  Mutex mu_;
  std::unordered_map<std::string, Known> known_ GUARDED_BY(mu_);
};

// The connection's session as the engine's own hub keeps it (api/api.cpp):
// the token's expiry and its refresh-token family, so the connection is
// closed (1008) at `exp`, at logout and at revocation here too. The engine
// has just said whom the token names; its claims are read, not re-verified
// (this process holds no signing secret).
Result<api::WsSession> session_of(const api::WsHub& hub, const api::Request& req,
                                  const EngineUser& who) {
  auto token = api::websocket_token(req);
  if (!token)
    return token.status();
  auto claims = api::read_verified_jwt_claims(*token, now_us() / 1'000'000);
  if (!claims)
    return claims.status();
  api::WsSession session =
      api::ws_session_of(who.id, api::wants_all_events(req) && who.admin, *claims);
  if (hub.session_ended(session.family))
    return Status::unauthorized("the access token's session has ended");
  return session;
}

}  // namespace

int run_notify_websocket(const CommonOptions& common, const NotifyOptions& o) {
  auto log = make_logger(common.log_format);
  sigset_t signals = block_stop_signals();
  auto engine = connect_engine(o, signals, *log);
  if (!engine)
    return engine.status().code() == ErrorCode::kShuttingDown ? kExitOk : kExitUsage;
  api::EngineClient& api = **engine;
  TokenCheck tokens(std::make_unique<api::EngineClient>(api::EngineAccount{o.engine_url, "", ""}));

  api::WsHub hub(
      [&api](const Uuid& order) -> std::optional<Uuid> {
        // On the thread that pushes messages: one short try, never a stall.
        auto r = api.call_once("GET", "/api/orders/" + order.to_string(), std::chrono::seconds(2));
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

  // The push outcomes go to the engine on a connection of their own: a slow
  // answer never holds up the owner lookups above. While the engine cannot
  // be reached they wait (bounded) for the next interval.
  auto recording = connect_engine(o, signals, *log);
  if (!recording)
    return recording.status().code() == ErrorCode::kShuttingDown ? kExitOk : kExitUsage;
  auto pushes = std::make_shared<commands::WebSocketPushRecorder>(
      [engine = recording->get(), log](const commands::RecordWebSocketPushes& batch) -> Status {
        auto r = engine->call("POST", "/api/admin/notifications/websocket-pushes",
                              api::ws_pushes_json(batch));
        if (!r || r->status == 503 || r->status == 429)
          return Status::overloaded("the engine cannot record pushes now");
        if (r->status == 204)
          return Status::ok();
        log->warn("the engine refused {} WebSocket push records: {} {}", batch.pushes.size(),
                  r->status, r->body);
        return Status::internal("push records refused");
      },
      std::chrono::seconds(1), api::kMaxPushesPerRequest);
  hub.record_pushes(pushes);

  api::WsEndpoint ws;
  ws.path = "/ws/notifications";
  ws.check = [&tokens, &hub](const api::Request& req) -> std::optional<api::Response> {
    auto who = tokens.who(req);
    std::optional<api::Response> refusal;
    Status session = who ? session_of(hub, req, *who).status() : who.status();
    if (!session.is_ok()) {
      refusal = api::problem_from(session);
      // The engine refused the token (or there was none): as the engine says it.
      api::add_challenge(*refusal, api::websocket_token_sent(req));
    } else if (api::wants_all_events(req) && !who->admin) {
      refusal = api::problem(403, "forbidden", "scope=all is for admins");
    }
    if (refusal)
      refusal->header("X-Request-Id", api::request_id_of(req));
    return refusal;
  };
  ws.request_id = api::request_id_of;
  ws.open = [&tokens, &hub](const api::Request& req,
                            std::shared_ptr<api::WsSink> sink) -> std::function<void()> {
    auto who = tokens.who(req);
    auto session = who ? session_of(hub, req, *who) : Result<api::WsSession>(who.status());
    if (!session) {  // expired or ended between the check and now
      sink->close(1008, "unauthorized");
      return [] {};
    }
    return hub.subscribe(*session, std::move(sink));
  };
  api::ServerOptions server_options;
  server_options.address = o.http_address;
  auto server = api::HttpServer::start(
      server_options,
      [&hub](const api::Request& req, const api::Respond& respond) {
        api::Response r =
            req.method == "GET" && req.path == "/health"
                ? api::json_response(200,
                                     json::object{{"status", hub.from_nats() ? "ok" : "connecting"},
                                                  {"clients", hub.clients()},
                                                  {"position", hub.position()}})
                : api::problem(404, "not_found", "this process serves /ws/notifications only");
        respond(std::move(r.header("X-Request-Id", api::request_id_of(req))));
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
  pushes->stop();  // the last outcomes recorded
  if (const uint64_t lost = pushes->lost(); lost > 0)
    log->warn("{} WebSocket push outcomes could not be recorded", lost);
  return kExitOk;
}

}  // namespace orderly::cli
