#include "api/api.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <set>

#include "api/auth/jwt.h"
#include "api/rest/conditional_get.h"
#include "api/rest/problem.h"
#include "api/rest/routes/context.h"
#include "core/ids.h"
#include "projections/users.h"

namespace orderly::api {

namespace {

// The read model a query path reads, for X-Min-Position.
std::string_view model_of(std::string_view path) {
  if (path.starts_with("/api/products") || path.starts_with("/api/categories"))
    return "catalog";
  if (path.starts_with("/api/orders"))
    return "orders";
  if (path.starts_with("/api/cart"))
    return "carts";
  if (path.starts_with("/api/payments") || path.starts_with("/api/admin/payments"))
    return "payments";
  if (path.starts_with("/api/notifications"))
    return "notifications";
  if (path.starts_with("/api/stats") || path.starts_with("/api/analytics"))
    return "stats";
  if (path.starts_with("/api/auth") || path.starts_with("/api/admin/users"))
    return "users";
  return "";
}

// A handler that throws (a bug) answers 500 and is logged; the server keeps going.
void run_handler(rest::routes::Context& ctx, const rest::Route& route, const rest::CallPtr& call) {
  try {
    route.handler(call);
  } catch (const std::exception& e) {
    ctx.log->error("handler for {} {} threw: {}", route.method, route.pattern, e.what());
    call->answer(rest::problem(500, "internal", "the engine could not complete the request"));
  }
}

// 429 rate_limited with Retry-After in whole seconds.
http::Response rate_limited(std::string_view detail, double retry_after_s) {
  http::Response r = rest::problem(429, "rate_limited", detail);
  r.headers.clear();
  r.header("Retry-After", std::to_string(static_cast<int>(std::ceil(retry_after_s))));
  return r;
}

// How large a body a route takes. A customer's JSON (an order of 100 lines,
// a cart line, a login) is a few KiB: the small limit keeps what anonymous
// and customer requests can make the server hold small. Admins (checked
// before the body is read) may send up to the server's limit (bulk
// notifier records, long product descriptions).
size_t body_limit_of(const rest::Route& route, const rest::routes::ApiOptions& options) {
  if (route.body_limit != 0)
    return route.body_limit;
  return route.access == rest::Access::kAdmin
             ? options.body_limit
             : std::min(options.json_body_limit, options.body_limit);
}

}  // namespace

Api::Api(eventstore::EventStore& store, commands::CommandProcessor& processor,
         projections::ProjectionRunner& runner, commands::AnalyticsRecorder& analytics,
         std::string jwt_secret, rest::routes::ApiOptions options,
         std::shared_ptr<spdlog::logger> log)
    : ctx_(std::make_unique<rest::routes::Context>(store, processor, runner, analytics,
                                                   std::move(jwt_secret), std::move(options),
                                                   std::move(log))) {
  rest::routes::add_auth_routes(*ctx_);
  rest::routes::add_account_routes(*ctx_);
  rest::routes::add_catalog_routes(*ctx_);
  rest::routes::add_category_routes(*ctx_);
  rest::routes::add_image_routes(*ctx_);
  rest::routes::add_order_routes(*ctx_);
  rest::routes::add_payment_routes(*ctx_);
  rest::routes::add_admin_routes(*ctx_);
  rest::routes::add_notifier_routes(*ctx_);
  rest::routes::add_email_token_routes(*ctx_);
  rest::routes::add_web_routes(*ctx_);
  rest::routes::add_oidc_routes(*ctx_);
  rest::routes::add_user_routes(*ctx_);
  rest::routes::add_analytics_routes(*ctx_);
}

Api::~Api() = default;

void Api::set_public_url(std::string url) {
  ctx_->set_public_url(std::move(url));
}

namespace {

// The caller a valid token names, as the users read model knows them now:
// a user who no longer exists, or whose account is not active (deactivated,
// closed), is refused, and so is a token issued before the account's
// sessions were all ended (a password reset, a deactivation: a later
// reactivation does not revive it); the role is the current one (a demoted
// admin is a customer at once, not when the token expires).
Result<rest::Principal> principal_of(const rest::routes::Context& ctx, const Uuid& id,
                                     const auth::AccessClaims& claims) {
  const std::string& text = claims.sub;
  // Right after a start the users model may still fold the log behind its
  // snapshot: a row it has is then possibly stale (an account deactivated
  // or an admin demoted offline, by `orderly admin`, after the snapshot),
  // and a missing one possibly not folded yet. Neither is trusted: retry.
  if (ctx.accounts_loading())
    return Status::projection_lagging("the accounts are still being loaded; retry");
  auto user = ctx.model<projections::UsersReadModel>("users")->get(text);
  if (!user)
    return Status::unauthorized("the access token's user does not exist");
  if (!user->active())
    return Status::unauthorized("the account is " + user->status);
  if (claims.iat < user->sessions_revoked_at_s)
    return Status::unauthorized("the access token's session has ended");
  rest::Principal p;
  p.user_id = id;
  p.user_id_text = text;
  p.role = user->role == "admin" ? commands::Role::kAdmin : commands::Role::kCustomer;
  return p;
}

// Who an access token names, or why it names nobody: the one check of a
// bearer token on plain HTTP and of a WebSocket upgrade's token alike, so
// that a token refused by one is refused by the other. Besides the
// signature and expiry, a token of a session that ended (logged out, or
// its family revoked; the hub remembers those for the tokens' lifetime)
// and a token of an account that is no longer active (principal_of) are
// refused at once rather than when they expire. `claims_out`, when
// given, gets the token's claims (a WebSocket lives no longer than they do).
Result<rest::Principal> caller_of(const rest::routes::Context& ctx, std::string_view token,
                                  auth::AccessClaims* claims_out = nullptr) {
  auto claims = ctx.access_tokens.verify(token, now_us() / 1'000'000);
  if (!claims)
    return claims.status();
  const auto id = Uuid::parse(claims->sub);
  if (!id)
    return Status::unauthorized("the access token names no user");
  if (ctx.hub.session_ended(Uuid::parse(claims->sid).value_or(Uuid{})))
    return Status::unauthorized("the access token's session has ended");
  auto who = principal_of(ctx, *id, *claims);
  if (who && claims_out)
    *claims_out = std::move(*claims);
  return who;
}

// The caller of a WebSocket upgrade (and, when asked, the token's claims).
Result<rest::Principal> ws_caller(const rest::routes::Context& ctx, const http::Request& req,
                                  auth::AccessClaims* claims_out = nullptr) {
  auto token = rest::websocket_token(req);
  if (!token)
    return token.status();
  return caller_of(ctx, *token, claims_out);
}

}  // namespace

http::WsEndpoint Api::websocket_endpoint() {
  http::WsEndpoint e;
  e.path = "/ws/notifications";
  rest::routes::Context* ctx = ctx_.get();
  e.check = [ctx](const http::Request& req) -> std::optional<http::Response> {
    // A refusal names the request and its trace, as every answer does.
    const auto identified = [&req](http::Response r) {
      r.header("X-Request-Id", rest::request_id_of(req));
      r.header("traceparent", rest::request_trace_of(req).traceparent());
      return r;
    };
    // An upgrade is a request like any other to the rate limits: the
    // address's before anything, the user's once the token names them.
    double retry = 0;
    if (!ctx->ip_limiter.allow(req.remote_address, &retry))
      return identified(rate_limited("too many requests from this address", retry));
    auto who = ws_caller(*ctx, req);
    std::optional<http::Response> refusal;
    if (who && !ctx->user_limiter.allow(who->user_id_text, &retry)) {
      refusal = rate_limited("too many requests from this user", retry);
    } else if (!who) {
      refusal = rest::problem_from(who.status());
      // Refused with a token in hand (a bad or expired one), or for want of one.
      rest::add_challenge(*refusal, rest::websocket_token_sent(req));
    } else if (rest::wants_all_events(req) && !who->is_admin()) {
      refusal = rest::problem(403, "forbidden", "scope=all is for admins");
    } else if (ctx->hub.clients_of(who->user_id) >= notify::push::WsHub::kMaxClientsPerUser) {
      refusal = rest::problem(429, "rate_limited",
                              "at most " + std::to_string(notify::push::WsHub::kMaxClientsPerUser) +
                                  " WebSocket connections per user: close one first");
      refusal->header("Retry-After", "5");
    }
    if (refusal)
      return identified(std::move(*refusal));
    return refusal;
  };
  e.request_id = [](const http::Request& req) { return rest::request_id_of(req); };
  e.open = [ctx](const http::Request& req,
                 std::shared_ptr<http::WsSink> sink) -> std::function<void()> {
    auth::AccessClaims claims;
    auto who = ws_caller(*ctx, req, &claims);
    if (!who) {  // expired between the check and now
      sink->close(1008, "unauthorized");
      return [] {};
    }
    return ctx->hub.subscribe(
        notify::push::ws_session_of(who->user_id, rest::wants_all_events(req) && who->is_admin(),
                                    claims),
        std::move(sink));
  };
  return e;
}

void Api::shutdown() {
  ctx_->hub.close_all();
  ctx_->password_workers.stop();
  ctx_->notifier_workers.stop();
  ctx_->oidc_workers.stop();
  ctx_->image_workers.stop();  // uploads in hand are processed and recorded first
  ctx_->image_reads.stop();
}

void Api::stop_recording() {
  ctx_->pushes->stop();
}

void Api::finish_waits() {
  ctx_->waiter.stop();
}

size_t Api::websocket_clients() const {
  return ctx_->hub.clients();
}

std::vector<std::pair<std::string, std::string>> Api::routes() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const rest::Route& r : ctx_->router.routes())
    out.emplace_back(r.method, r.pattern);
  return out;
}

http::Response Api::error(int status, std::string_view code, std::string_view detail) {
  return rest::refused_request(status, code, detail);
}

std::optional<size_t> Api::admit(http::Request& request, http::Respond respond) {
  rest::routes::Context& ctx = *ctx_;
  auto call = std::make_shared<rest::Call>();
  call->request_id = rest::request_id_of(request);
  call->trace = rest::request_trace_of(request);
  const auto started = std::chrono::steady_clock::now();
  const rest::Router::Match match = ctx.router.match(request.method, request.path);
  const std::string route = match.route ? match.route->route_label : "unmatched";
  // Metric labels from a fixed set: a client's made-up methods add no series.
  static const std::set<std::string, std::less<>> kMethods = {"GET",    "POST",    "PUT", "PATCH",
                                                              "DELETE", "OPTIONS", "HEAD"};
  const std::string method_label = kMethods.count(request.method) ? request.method : "OTHER";
  const std::string_view auth_header = request.header("authorization");
  const bool bearer_sent = auth_header.starts_with("Bearer ") || auth_header.starts_with("bearer ");
  call->respond = [&ctx, started, route, method = method_label, path = request.path,
                   remote = request.remote_address, id = call->request_id, bearer_sent,
                   trace = call->trace, respond = std::move(respond),
                   call_weak = std::weak_ptr<rest::Call>(call)](http::Response r) {
    r.header("X-Request-Id", id);
    r.header("traceparent", trace.traceparent());
    if (!trace.tracestate.empty())
      r.header("tracestate", trace.tracestate);
    // Every 401 names the scheme, here where all answers pass: a bearer
    // token was refused when one was sent and names no caller.
    auto c = call_weak.lock();
    rest::add_challenge(r, bearer_sent && !(c && c->who));
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    ctx.metrics.record(route, method, r.status, secs);
    std::string user;
    if (c && c->who)
      user = c->who->user_id_text;
    ctx.log->info("request {} {} {} {:.3f}ms id={} trace={} remote={} user={}", method, path,
                  r.status, secs * 1000, id, trace.trace_id, remote, user.empty() ? "-" : user);
    respond(std::move(r));
  };
  call->request = std::move(request);
  const http::Request& req = call->request;

  // CORS: answer preflights, and mark answers readable by allowed origins.
  const std::string_view origin = req.header("origin");
  const bool cors = !origin.empty() &&
                    std::any_of(ctx.options.cors_origins.begin(), ctx.options.cors_origins.end(),
                                [&](const std::string& o) { return o == "*" || o == origin; });
  if (cors) {
    auto inner = std::move(call->respond);
    call->respond = [inner = std::move(inner), origin = std::string(origin)](http::Response r) {
      r.header("Access-Control-Allow-Origin", origin);
      r.header("Vary", "Origin");
      r.header("Access-Control-Expose-Headers",
               "X-Request-Id, X-Log-Position, Retry-After, ETag, Location, WWW-Authenticate, "
               "traceparent, tracestate");
      inner(std::move(r));
    };
    if (req.method == "OPTIONS") {
      http::Response r;
      r.status = 204;
      r.header("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE");
      r.header(
          "Access-Control-Allow-Headers",
          "Authorization, Content-Type, Idempotency-Key, If-Match, If-None-Match, X-Min-Position, "
          "X-Request-Id, traceparent, tracestate");
      r.header("Access-Control-Max-Age", "600");
      call->answer(std::move(r));
      return std::nullopt;
    }
  }

  // Every refusal below is answered now, before the body is read.
  auto refuse = [&call](http::Response r) -> std::optional<size_t> {
    call->answer(std::move(r));
    return std::nullopt;
  };
  double retry = 0;
  if (!ctx.ip_limiter.allow(req.remote_address, &retry))
    return refuse(rate_limited("too many requests from this address", retry));
  if (match.route == nullptr) {
    if (!match.allow.empty()) {
      http::Response r =
          rest::problem(405, "method_not_allowed", req.method + " is not allowed on " + req.path);
      r.header("Allow", match.allow);
      return refuse(std::move(r));
    }
    return refuse(rest::problem(404, "not_found", "no route " + req.path));
  }
  call->params = match.params;
  call->route = match.route;

  // A follower decides no command: to the leader, body and all (307 keeps
  // the method and body), before anything is read or checked here.
  if (ctx.options.replication && req.method != "GET" && req.method != "HEAD") {
    const rest::routes::ReplicationView role = ctx.options.replication();
    if (role.role != "leader") {
      if (role.leader_url.empty()) {
        http::Response r = rest::problem(
            503, "no_leader",
            "this node is a follower and no leader is known right now (a failover is under "
            "way): retry shortly");
        r.header("Retry-After", "1");
        return refuse(std::move(r));
      }
      http::Response r = rest::problem(
          307, "not_leader",
          "this node is a follower: send commands to the leader at " + role.leader_url);
      r.header("Location", role.leader_url + req.path + (req.query.empty() ? "" : "?" + req.query));
      return refuse(std::move(r));
    }
  }

  // Authentication: a token that is present must be valid, whatever the route.
  std::string_view auth = req.header("authorization");
  if (!auth.empty()) {
    if (!auth.starts_with("Bearer ") && !auth.starts_with("bearer "))
      return refuse(rest::problem(401, "unauthorized", "use Authorization: Bearer <token>"));
    auto who = caller_of(ctx, auth.substr(7));
    if (!who)
      return refuse(rest::problem_from(who.status()));
    call->who = *who;
  }
  if (match.route->access != rest::Access::kAnyone && !call->who)
    return refuse(rest::problem(401, "unauthorized", "this route needs an access token"));
  if (match.route->access == rest::Access::kAdmin && !call->who->is_admin())
    return refuse(rest::problem(403, "forbidden", "this route is for admins"));
  if (call->who && !ctx.user_limiter.allow(call->who->user_id_text, &retry))
    return refuse(rate_limited("too many requests from this user", retry));

  // The body this route may bring, refused by its announced length now.
  const size_t limit = body_limit_of(*match.route, ctx.options);
  const std::string_view length = req.header("content-length");
  uint64_t announced = 0;
  const auto [end, ec] = std::from_chars(length.data(), length.data() + length.size(), announced);
  if (!length.empty() && ec == std::errc() && end == length.data() + length.size() &&
      announced > limit) {
    return refuse(rest::problem(413, "payload_too_large",
                                "the body is larger than " + std::to_string(limit) + " bytes"));
  }
  // The head was moved into the call; the server keeps `request` itself
  // (its body is read into it next) and hands `admitted` back with it.
  request.admitted = call;  // NOLINT(bugprone-use-after-move)
  return limit;
}

void Api::handle(http::Request request, http::Respond respond) {
  rest::routes::Context& ctx = *ctx_;
  if (!request.admitted) {
    // No admission step ran (a server without one): admit now, body in hand.
    const auto limit = admit(request, std::move(respond));
    if (!limit)
      return;
    auto call = std::static_pointer_cast<rest::Call>(request.admitted);
    if (call->request.body.size() > *limit) {
      return call->answer(
          rest::problem(413, "payload_too_large",
                        "the body is larger than " + std::to_string(*limit) + " bytes"));
    }
  }
  const auto call = std::static_pointer_cast<rest::Call>(std::move(request.admitted));
  if (!request.body.empty())
    call->request.body = std::move(request.body);
  const http::Request& req = call->request;
  const rest::Route* route = call->route;
  // Every read answers with an ETag and honours If-None-Match (conditional_get.h),
  // here where all answers pass, after any read-your-writes wait.
  if (req.method == "GET") {
    call->respond = [inner = std::move(call->respond),
                     none_match = std::string(req.header("if-none-match")),
                     with_token = !req.header("authorization").empty()](http::Response r) {
      inner(rest::conditional_get(std::move(r), none_match, with_token));
    };
  }

  // Read-your-writes: hold the query until its read model has caught up.
  const std::string_view min_position = req.header("x-min-position");
  if (!min_position.empty() && req.method == "GET") {
    uint64_t position = 0;
    auto [p, ec] =
        std::from_chars(min_position.data(), min_position.data() + min_position.size(), position);
    if (ec != std::errc() || p != min_position.data() + min_position.size()) {
      return call->answer(rest::problem(400, "validation_failed",
                                        "X-Min-Position must be a log position (an integer)"));
    }
    std::string model(model_of(req.path));
    if (!model.empty()) {
      ctx.waiter.when_applied(
          model, position, ctx.options.min_position_wait,
          [&ctx, call, route, position](bool applied) {
            if (!applied) {
              return call->answer(rest::problem(503, "projection_lagging",
                                                "the read model has not reached position " +
                                                    std::to_string(position) + " yet; retry"));
            }
            run_handler(ctx, *route, call);
          });
      return;
    }
  }
  run_handler(ctx, *route, call);
}

}  // namespace orderly::api
