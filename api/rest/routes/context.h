// What the route handlers share: the engine's parts, the options, and the
// helpers that turn a command into an answer (api/ internal).
#pragma once

#include <spdlog/logger.h>
#include <atomic>
#include <boost/json.hpp>

#include "commands/analytics_recorder.h"
#include "commands/processor.h"
#include "eventstore/store.h"
#include "projections/orders.h"
#include "projections/runner.h"

#include "api/auth/password_gate.h"
#include "api/auth/verified_tokens.h"
#include "api/notify/push/ws_hub.h"
#include "api/rest/conditional_get.h"
#include "api/rest/first_answers.h"
#include "api/rest/metrics.h"
#include "api/rest/position_waiter.h"
#include "api/rest/problem.h"
#include "api/rest/rate_limiter.h"
#include "api/rest/router.h"
#include "api/rest/routes/api_options.h"
#include "api/rest/routes/oidc_flows.h"
#include "api/rest/worker_pool.h"

namespace orderly::projections {
struct CatalogProduct;
struct CatalogImage;
struct OrderRow;
struct UserRow;
struct PaymentRow;
struct PaymentWebhookRow;
struct NotificationRow;
struct PopularProduct;
struct TrendingSearch;
}  // namespace orderly::projections

namespace orderly::api::rest::routes {

namespace json = boost::json;

struct Context {
  eventstore::EventStore& store;
  // The log's end when the server started: every account created before
  // (offline, or before a crash) is in the log up to here. Accounts made
  // while it runs are in the users model before their first answer.
  const uint64_t log_position_at_start;
  commands::CommandProcessor& processor;
  projections::ProjectionRunner& runner;
  commands::AnalyticsRecorder& analytics;
  std::string jwt_secret;
  auth::VerifiedTokens access_tokens{
      jwt_secret};  // bearer tokens checked before (declared after the secret)
  ApiOptions options;
  std::shared_ptr<spdlog::logger> log;
  TimestampUs started_at = now_us();
  Router router;
  Metrics metrics;
  RateLimiter ip_limiter, user_limiter;
  PositionWaiter waiter;
  FirstAnswers first_answers;  // what a keyed command answered first, for its retries
  notify::push::WsHub hub;
  // What became of each push to the user an event concerns (api/notify/push/ws_hub.h),
  // recorded as one event a second.
  std::shared_ptr<commands::WebSocketPushRecorder> pushes;
  // Who may make the password workers run argon2id, decided before they do;
  // declared before them: their queued jobs hold its slots.
  auth::PasswordGate password_gate;
  WorkerPool password_workers{2, 256};   // argon2id off the I/O threads
  WorkerPool notifier_workers{2, 1024};  // routes/notifications.cpp: they wait for the pipeline
  // OpenID Connect sign-in (routes/oidc.cpp): the sign-ins under way, the
  // exchange codes, the public URL; the provider's blocking calls
  // (discovery, token endpoint, keys) run on oidc_workers, never on an I/O thread.
  OidcFlows oidc_flows;
  WorkerPool oidc_workers{2, 256};
  // Image uploads: decode, resize, store (seconds for a large picture):
  // routes/images.cpp.
  WorkerPool image_workers{2, 64};
  // Image files read from the store (S3: the network) for GET /images/:
  // their own pool, so that visitors' page loads and an admin's uploads
  // never queue behind each other.
  WorkerPool image_reads{2, 1024};
  // Password reset requests (routes/email_tokens.cpp): 5 per 15 min per
  // client address (429), 3 per hour per normalised email (then silence);
  // and the reset requests the pipeline refused (never said to the caller).
  RateLimiter reset_address_limiter{5.0 / 900, 5}, reset_email_limiter{3.0 / 3600, 3};
  std::atomic<uint64_t> password_resets_dropped{0};

  Context(eventstore::EventStore& s, commands::CommandProcessor& p,
          projections::ProjectionRunner& r, commands::AnalyticsRecorder& a, std::string secret,
          ApiOptions o, std::shared_ptr<spdlog::logger> l)
      : store(s),
        log_position_at_start(s.last_position()),
        processor(p),
        runner(r),
        analytics(a),
        jwt_secret(std::move(secret)),
        options(std::move(o)),
        log(std::move(l)),
        ip_limiter(options.rate_limit_ip),
        user_limiter(options.rate_limit_user),
        waiter(r),
        hub(
            s,
            [this](const Uuid& order) -> std::optional<Uuid> {
              auto o = model<projections::OrdersReadModel>("orders")->get(order.to_string());
              return o ? Uuid::parse(o->user_id) : std::nullopt;
            },
            options.nats_url),
        pushes(std::make_shared<commands::WebSocketPushRecorder>(
            commands::WebSocketPushRecorder::through(p))) {
    hub.record_pushes(pushes);
    hub.remember_ended_sessions_for(std::chrono::seconds(options.access_ttl_s));
  }

  // The read model queries should use now (swapped by online rebuilds).
  template <typename T>
  std::shared_ptr<const T> model(std::string_view name) const {
    return runner.current_as<T>(name);
  }

  // Submits `command`; on success waits (bounded) until read model
  // `read_model` has applied its events, then calls `then` on the waiter's
  // thread with the reply (X-Log-Position is added to the answer). Errors
  // are answered as problem+json. An empty `read_model`: no wait, for
  // answers built from the command alone.
  void run(const CallPtr& call, commands::Command command, commands::CommandMeta meta,
           std::string read_model,
           std::function<void(const CallPtr&, const commands::CommandReply&)> then);

  // Hands the events of `reply` to the hub's end_sessions before the
  // answer goes out: after a logout (or anything else that ends sessions)
  // is answered, its tokens are refused by the very next request, on HTTP
  // and at the WebSocket upgrade, not once the hub's feed has caught up.
  void end_sessions_now(const commands::CommandReply& reply);

  // Adds a route whose handler is `handler` over this context.
  void route(std::string method, std::string pattern, Access access,
             void (*handler)(Context&, const CallPtr&)) {
    router.add(std::move(method), std::move(pattern), access,
               [this, handler](const CallPtr& call) { handler(*this, call); });
  }

  // Accounts are read from the users model, which right after a start may
  // still fold the log behind its snapshot: an account missing from it then
  // is not "unknown" but "not loaded yet". True until the users model has
  // applied log_position_at_start (never again after: a steady lag of a few
  // events is not "loading", and a token of an unknown user stays 401).
  bool accounts_loading() const;
  // How the outside world reaches the shop (--public-url, else the address
  // the listener got, known only once it listens: set then, while requests
  // may already arrive, hence the lock). Read this, not options.public_url.
  std::string public_url() const EXCLUDES(public_url_mu_) {
    MutexLock lock(public_url_mu_);
    return public_url_;
  }
  void set_public_url(std::string url) EXCLUDES(public_url_mu_) {
    while (!url.empty() && url.back() == '/')  // links append "/#/..."
      url.pop_back();
    MutexLock lock(public_url_mu_);
    public_url_ = std::move(url);
  }

  // What product image links start with: --image-base-url, else
  // <public url>/images (no trailing slash).
  std::string image_base_url() const {
    if (!options.image_base_url.empty())
      return options.image_base_url;
    return public_url() + "/images";
  }

  // Runs `then` once the users model holds every account of the log at
  // start (at once after the first moments); answers 503
  // projection_lagging when it does not within the read-your-writes wait.
  void when_accounts_loaded(const CallPtr& call, std::function<void()> then);

 private:
  mutable Mutex public_url_mu_;
  std::string public_url_ GUARDED_BY(public_url_mu_) = options.public_url;
};

// JSON shapes of the contract.
// `image_base`: Context::image_base_url(), which image links start with.
// `sp`: where its values live; default: the heap.
json::object product_json(const projections::CatalogProduct& p, std::string_view image_base,
                          const json::storage_ptr& sp = {});
// {id, alt, width, height, urls: {thumb, medium, original}}
json::object image_json(const projections::CatalogImage& i, std::string_view image_base);
// product_json with the context's image links, for the helpers that take a
// row-to-JSON function.
inline auto product_view(const Context& ctx) {
  return [base = ctx.image_base_url()](const projections::CatalogProduct& p) {
    return product_json(p, base);
  };
}
// `sp`: where its values live; default: the heap.
json::object order_json(const projections::OrderRow& o, const json::storage_ptr& sp = {});
json::object user_json(const projections::UserRow& u);
json::object address_json(const Address& a);  // a saved address (core/account.h)
// user_json and what staff see besides (routes/users.cpp, `orderly admin list-users`).
json::object admin_user_json(const projections::UserRow& u);
json::object order_stats_json(const projections::OrderStats& s);  // GET /api/orders/stats' shape
// A payment with its history: attempts, refunds, disputes, webhooks.
json::object payment_json(const projections::PaymentRow& p);
// A webhook delivery (GET /api/admin/payments/webhooks, a payment's webhooks).
json::object payment_webhook_json(const projections::PaymentWebhookRow& w);
// The analytics endpoints' rows (routes/analytics.cpp).
json::object popular_product_json(const projections::PopularProduct& p);
json::object trending_search_json(const projections::TrendingSearch& s);
// A page of rows as {items, page, per_page, total}. `sp`: where the values
// live; default: the heap. List routes answer with page_response.
template <typename Page, typename F>
json::object page_json(const Page& page, F&& item, const json::storage_ptr& sp = {}) {
  json::array items(sp);
  items.reserve(page.items.size());
  for (const auto& i : page.items)
    items.push_back(item(i));
  return json::object({{"items", std::move(items)},
                       {"page", page.page},
                       {"per_page", page.per_page},
                       {"total", page.total}},
                      sp);
}

// product_json and order_json (and order_view's user_status, when not
// empty) appended to `out` as JSON text, for the busiest lists (see
// page_response).
void write_product(std::string& out, const projections::CatalogProduct& p,
                   std::string_view image_base);
void write_order(std::string& out, const projections::OrderRow& o,
                 std::string_view user_status = {});

// The 200 answer of a list route: `page` as page_json. How `item` makes a
// row says how the page is built:
// - item(std::string& out, row) appends the row's JSON text: the page is
//   written straight into the body, with no JSON values to build, then
//   serialise and free (products and orders: what users list most; a tree
//   of values for a page of them, even in one arena, was about half of the
//   request's CPU);
// - item(row) builds the row's values, and the page is serialised.
template <typename Page, typename F>
http::Response page_response(const Page& page, F&& item) {
  using Row = typename decltype(page.items)::value_type;
  if constexpr (std::is_invocable_v<F&, std::string&, const Row&>) {
    http::Response r;
    r.status = 200;
    std::string& out = r.body;
    out.reserve(64 + 640 * page.items.size());
    out += R"({"items":[)";
    for (size_t i = 0; i < page.items.size(); ++i) {
      if (i > 0)
        out += ',';
      item(out, page.items[i]);
    }
    out += R"(],"page":)";
    out += std::to_string(page.page);
    out += R"(,"per_page":)";
    out += std::to_string(page.per_page);
    out += R"(,"total":)";
    out += std::to_string(page.total);
    out += '}';
    return r;
  } else {
    return json_response(200, page_json(page, std::forward<F>(item)));
  }
}

// Each file adds its routes.
void add_auth_routes(Context& ctx);
void add_account_routes(Context& ctx);  // profile, password, closing, addresses
void add_catalog_routes(Context& ctx);
void add_category_routes(Context& ctx);  // /api/categories (routes/categories.cpp)
void add_image_routes(Context& ctx);     // product images and their files (routes/images.cpp)
void add_order_routes(Context& ctx);     // cart, orders
void add_payment_routes(Context& ctx);   // payments, the provider's webhook (routes/payments.cpp)
void add_admin_routes(Context& ctx);     // stats, notifications, events, projections, health
void add_notifier_routes(Context& ctx);  // what `orderly notify email` writes and reads through
void add_web_routes(Context& ctx);       // the shop's web pages at / (api/web/)
void add_oidc_routes(Context& ctx);      // sign-in with an OpenID provider (routes/oidc.cpp)
void add_email_token_routes(Context& ctx);  // email verification, password reset
void add_user_routes(Context& ctx);         // the staff's user tools (/api/admin/users)
void add_analytics_routes(Context& ctx);    // popular products, trending searches, revenue

// The answer to a command that made or changed a row: the row under `key`
// (e.g. {"order": {...}}), or 202 with the id when the read model has not
// applied the command in time. Both carry X-Log-Position, and a creation
// (`status` 201) names the new resource, at `path`, in Location.
template <typename Row, typename ToJson>
http::Response row_response(const std::optional<Row>& row, std::string_view key, ToJson&& to_json,
                            const std::string& id, int status, uint64_t position,
                            std::string_view path) {
  http::Response r = row ? json_response(status, json::object{{key, to_json(*row)}})
                         : json_response(202, json::object{{"id", id}, {"position", position}});
  r.header("X-Log-Position", std::to_string(position));
  if (status == 201)
    r.header("Location", std::string(path));
  return r;
}

// row_response with the row's version as its ETag, when the row is there.
template <typename Row, typename ToJson>
http::Response versioned_row_response(const std::optional<Row>& row, std::string_view key,
                                      ToJson&& to_json, const std::string& id, int status,
                                      uint64_t position, std::string_view path) {
  http::Response r =
      row_response(row, key, std::forward<ToJson>(to_json), id, status, position, path);
  if (row)
    r.header("ETag", etag_of(row->version));
  return r;
}

// Helpers for handlers.
// Who reads a notification: its customer gets a plain reason for a failed
// delivery (last_error_code and a sentence), staff the transport's detail.
enum class Audience { kCustomer, kStaff };
json::object notification_json(const projections::NotificationRow& n, Audience audience);
Audience audience_of(const Call& call);  // staff: an admin
http::Response with_position(http::Response r, uint64_t position);
http::Response no_content(uint64_t position);  // 204 with X-Log-Position
std::optional<Uuid> parse_id(const CallPtr& call, std::string_view param);  // answers 404 if bad
// none_match_hits (If-None-Match names an ETag): api/rest/conditional_get.h.
std::string new_id_text();
// The id a creating command made: from its reply's stream ("order-<id>"),
// which for a retried command (same Idempotency-Key) is the first one's.
std::string created_id(const commands::CommandReply& reply, std::string_view prefix,
                       const std::string& fallback);
Uuid new_id_value();

}  // namespace orderly::api::rest::routes
