#include "tests/security/route_table.h"

#include <algorithm>
#include <atomic>

#include "core/ids.h"

namespace orderly::testing {

namespace {

Probe at(std::string target, std::string body = "") {
  return {std::move(target), std::move(body)};
}

std::string quoted(const std::string& s) {
  return "\"" + s + "\"";
}

std::vector<Operation> build() {
  const Who anyone = Who::kAnyone, user = Who::kUser, admin = Who::kAdmin;
  const Foreign na = Foreign::kNotApplicable, not_found = Foreign::kNotFound,
                own = Foreign::kOwnData;
  static std::atomic<int> registrations{0};
  return {
      // Auth. Anonymous probes succeed: the credentials are A's own.
      {"POST",
       "/api/auth/register",
       anyone,
       na,
       {201},
       [](const Ids&) {
         const std::string name = "probe" + std::to_string(++registrations);
         return at("/api/auth/register", R"({"username":")" + name + R"(","email":")" + name +
                                             R"(@example.com","password":"probe-password-1"})");
       }},
      {"POST",
       "/api/auth/login",
       anyone,
       na,
       {200},
       [](const Ids& i) {
         return at("/api/auth/login",
                   R"({"email":")" + i.email + R"(","password":")" + i.password + R"("})");
       }},
      {"POST",
       "/api/auth/refresh",
       anyone,
       na,
       {200},
       [](const Ids& i) {
         return at("/api/auth/refresh", R"({"refresh_token":")" + i.spare_refresh_token + R"("})");
       }},
      {"POST",
       "/api/auth/logout",
       user,
       not_found,
       {},
       [](const Ids& i) {
         return at("/api/auth/logout", R"({"refresh_token":")" + i.refresh_token + R"("})");
       }},
      {"GET", "/api/auth/me", user, own, {}, [](const Ids&) { return at("/api/auth/me"); }},
      // Email tokens: a probe's token names nobody (one 400 for every bad
      // token); a reset request is 202 whoever it names, or 429 past the
      // address's limit.
      {"POST",
       "/api/auth/verify-email",
       anyone,
       na,
       {400},
       [](const Ids&) { return at("/api/auth/verify-email", R"({"token":"not-a-token"})"); }},
      {"POST",
       "/api/auth/verify-email/resend",
       user,
       own,
       {},
       [](const Ids&) { return at("/api/auth/verify-email/resend"); }},
      {"POST",
       "/api/auth/password-reset",
       anyone,
       na,
       {202, 429},
       // Not the victim's email: anyone may ask a reset for any address (the
       // answer is the same 202 either way), and hers would mail her, which
       // the matrix's "the victim is unchanged" rightly notices.
       [](const Ids&) {
         return at("/api/auth/password-reset", R"({"email":"nobody@example.com"})");
       }},
      {"POST",
       "/api/auth/password-reset/confirm",
       anyone,
       na,
       {400},
       [](const Ids&) {
         return at("/api/auth/password-reset/confirm",
                   R"({"token":"not-a-token","new_password":"probe-password-2"})");
       }},

      // Sign-in with an OpenID provider: none is configured here, so start
      // and callback are 404 and no exchange code exists.
      {"GET",
       "/api/auth/providers",
       anyone,
       na,
       {200},
       [](const Ids&) { return at("/api/auth/providers"); }},
      {"GET",
       "/api/auth/oidc/start",
       anyone,
       na,
       {404},
       [](const Ids&) { return at("/api/auth/oidc/start?return_to=/"); }},
      {"GET",
       "/api/auth/oidc/callback",
       anyone,
       na,
       {404},
       [](const Ids&) { return at("/api/auth/oidc/callback?state=x&code=y"); }},
      {"POST",
       "/api/auth/oidc/exchange",
       anyone,
       na,
       {400},
       [](const Ids&) { return at("/api/auth/oidc/exchange", R"({"code":"not-a-code"})"); }},

      // The caller's account (routes/account.cpp). The probes change only
      // the caller's own data; the password change's lacks the new password
      // (422: a wrong current one would be a 401 the matrix reads as refused).
      {"PATCH",
       "/api/auth/me",
       user,
       own,
       {},
       [](const Ids&) { return at("/api/auth/me", R"({"display_name":"Probe"})"); }},
      {"POST",
       "/api/auth/password",
       user,
       own,
       {},
       [](const Ids& i) {
         return at("/api/auth/password", R"({"current_password":")" + i.password + R"("})");
       }},
      {"GET",
       "/api/auth/me/addresses",
       user,
       own,
       {},
       [](const Ids&) { return at("/api/auth/me/addresses"); }},
      {"POST",
       "/api/auth/me/addresses",
       user,
       own,
       {},
       [](const Ids&) {
         return at("/api/auth/me/addresses",
                   R"({"name":"Probe","line1":"1 Probe Way",)"
                   R"("city":"Probeton","postal_code":"1","country":"GB"})");
       }},
      {"PATCH",
       "/api/auth/me/addresses/{id}",
       user,
       not_found,
       {},
       [](const Ids& i) {
         return at("/api/auth/me/addresses/" + i.pending_order, R"({"city":"Elsewhere"})");
       }},
      {"DELETE",
       "/api/auth/me/addresses/{id}",
       user,
       not_found,
       {},
       [](const Ids& i) { return at("/api/auth/me/addresses/" + i.pending_order); }},
      // Closes the caller's account: operations() runs it last.
      {"DELETE", "/api/auth/me", user, own, {}, [](const Ids&) { return at("/api/auth/me"); }},

      // Catalog.
      {"POST",
       "/api/products",
       admin,
       na,
       {},
       [](const Ids&) {
         return at(
             "/api/products",
             R"({"name":"Probe","description":"x","price_cents":100,"stock":1,"category":"probe"})");
       }},
      {"GET", "/api/products", anyone, na, {200}, [](const Ids&) { return at("/api/products"); }},
      {"GET",
       "/api/products/{id}",
       anyone,
       na,
       {200},
       [](const Ids& i) { return at("/api/products/" + i.product); }},
      {"PATCH",
       "/api/products/{id}",
       admin,
       na,
       {},
       [](const Ids& i) { return at("/api/products/" + i.product, R"({"price_cents":1})"); }},
      {"PUT",
       "/api/products/{id}",
       admin,
       na,
       {},
       [](const Ids& i) {
         return at("/api/products/" + i.product,
                   R"({"name":"Probe","description":"","price_cents":1,"category":"probe"})");
       }},
      {"DELETE",
       "/api/products/{id}",
       admin,
       na,
       {},
       [](const Ids& i) { return at("/api/products/" + i.product); }},
      {"PUT",
       "/api/products/{id}/stock",
       admin,
       na,
       {},
       [](const Ids& i) { return at("/api/products/" + i.product + "/stock", R"({"stock":0})"); }},
      // Product images: the admin's uploads and changes, the files for
      // anyone (a well-formed name that is no stored file: 404).
      {"POST",
       "/api/products/{id}/images",
       admin,
       na,
       {},
       [](const Ids& i) { return at("/api/products/" + i.product + "/images", R"({})"); }},
      {"PATCH",
       "/api/products/{id}/images/{image_id}",
       admin,
       na,
       {},
       [](const Ids& i) {
         return at("/api/products/" + i.product + "/images/" + i.product, R"({"alt":"x"})");
       }},
      {"DELETE",
       "/api/products/{id}/images/{image_id}",
       admin,
       na,
       {},
       [](const Ids& i) { return at("/api/products/" + i.product + "/images/" + i.product); }},
      {"GET",
       "/images/{name}",
       anyone,
       na,
       {404},
       [](const Ids&) { return at("/images/" + std::string(64, '0') + ".webp"); }},
      {"GET",
       "/api/categories",
       anyone,
       na,
       {200},
       [](const Ids&) { return at("/api/categories"); }},
      {"GET",
       "/api/categories/{slug}",
       anyone,
       na,
       {200, 404},
       [](const Ids&) { return at("/api/categories/kitchen"); }},
      {"POST",
       "/api/categories",
       admin,
       na,
       {},
       [](const Ids&) {
         static std::atomic<int> made{0};
         return at("/api/categories",
                   R"({"name":"Probe category )" + std::to_string(++made) + R"("})");
       }},
      {"PATCH",
       "/api/categories/{slug}",
       admin,
       na,
       {},
       [](const Ids&) { return at("/api/categories/kitchen", R"({"description":"Probe"})"); }},
      {"DELETE",
       "/api/categories/{slug}",
       admin,
       na,
       {},
       [](const Ids&) { return at("/api/categories/probe-none"); }},

      // The cart: always the caller's own; a product id in the path names a
      // line of the caller's cart.
      {"GET", "/api/cart", user, own, {}, [](const Ids&) { return at("/api/cart"); }},
      {"DELETE", "/api/cart", user, own, {}, [](const Ids&) { return at("/api/cart"); }},
      {"POST",
       "/api/cart/items",
       user,
       own,
       {},
       [](const Ids& i) {
         return at("/api/cart/items", R"({"product_id":")" + i.product + R"(","quantity":1})");
       }},
      {"PUT",
       "/api/cart/items/{product_id}",
       user,
       own,
       {},
       [](const Ids& i) { return at("/api/cart/items/" + i.product, R"({"quantity":0})"); }},
      {"DELETE",
       "/api/cart/items/{product_id}",
       user,
       own,
       {},
       [](const Ids& i) { return at("/api/cart/items/" + i.product); }},
      {"POST",
       "/api/cart/checkout",
       user,
       own,
       {},
       [](const Ids&) { return at("/api/cart/checkout"); }},

      // Orders. A customer asking for another user's list gets their own.
      {"POST",
       "/api/orders",
       user,
       own,
       {},
       [](const Ids& i) {
         return at("/api/orders",
                   R"({"items":[{"product_id":")" + i.product + R"(","quantity":1}]})");
       }},
      {"GET",
       "/api/orders",
       user,
       own,
       {},
       [](const Ids& i) { return at("/api/orders?user_id=" + i.user); }},
      {"GET",
       "/api/orders/stats",
       user,
       own,
       {},
       [](const Ids& i) { return at("/api/orders/stats?user_id=" + i.user); }},
      {"GET",
       "/api/orders/{id}",
       user,
       not_found,
       {},
       [](const Ids& i) { return at("/api/orders/" + i.pending_order); }},
      {"POST",
       "/api/orders/{id}/cancel",
       user,
       not_found,
       {},
       [](const Ids& i) { return at("/api/orders/" + i.pending_order + "/cancel"); }},
      {"PUT",
       "/api/orders/{id}/status",
       admin,
       na,
       {},
       [](const Ids& i) {
         return at("/api/orders/" + i.pending_order + "/status", R"({"status":"cancelled"})");
       }},

      // Payments.
      {"GET",
       "/api/payments",
       user,
       own,
       {},
       [](const Ids& i) { return at("/api/payments?user_id=" + i.user); }},
      {"GET",
       "/api/admin/payments/webhooks",
       admin,
       na,
       {},
       [](const Ids&) { return at("/api/admin/payments/webhooks"); }},
      {"POST",
       "/api/payments",
       user,
       not_found,
       {},
       [](const Ids& i) {
         return at("/api/payments", R"({"order_id":)" + quoted(i.pending_order) + "}");
       }},
      {"POST",
       "/api/payments/{id}/confirm",
       user,
       not_found,
       {},
       [](const Ids& i) {
         return at("/api/payments/" + i.pending_payment + "/confirm",
                   R"({"payment_method":"pm_card_ok"})");
       }},
      // Anonymous: the provider, authenticated by its signature (none here:
      // 400 invalid_signature, or 404 while webhooks are off).
      {"POST",
       "/api/payments/webhook",
       anyone,
       na,
       {400, 404},
       [](const Ids& i) {
         return at(
             "/api/payments/webhook",
             R"({"id":"evt_probe","type":"payment.succeeded","created":1,"data":{"payment_id":)" +
                 quoted(i.pending_payment) + R"(,"amount_cents":1}})");
       }},
      {"POST",
       "/api/payments/{id}/authenticate",
       user,
       not_found,
       {},
       [](const Ids& i) {
         return at("/api/payments/" + i.pending_payment + "/authenticate", R"({"result":"fail"})");
       }},
      {"POST",
       "/api/payments/{id}/capture",
       admin,
       na,
       {},
       [](const Ids& i) { return at("/api/payments/" + i.paid_payment + "/capture"); }},
      {"POST",
       "/api/payments/{id}/refund",
       admin,
       na,
       {},
       [](const Ids& i) { return at("/api/payments/" + i.paid_payment + "/refund", "{}"); }},
      {"GET",
       "/api/payments/{id}",
       user,
       not_found,
       {},
       [](const Ids& i) { return at("/api/payments/" + i.paid_payment); }},

      // Notifications, analytics, stats.
      {"GET",
       "/api/notifications",
       user,
       own,
       {},
       [](const Ids& i) { return at("/api/notifications?user_id=" + i.user); }},
      {"GET",
       "/api/notifications/{id}",
       user,
       not_found,
       {},
       [](const Ids& i) { return at("/api/notifications/" + i.notification); }},
      {"POST",
       "/api/notifications/{id}/retry",
       admin,
       na,
       {},
       [](const Ids& i) { return at("/api/notifications/" + i.notification + "/retry"); }},
      {"POST",
       "/api/analytics/events",
       anyone,
       na,
       {202},
       [](const Ids&) {
         return at("/api/analytics/events", R"({"type":"search","query":"probe"})");
       }},
      {"GET",
       "/api/stats/dashboard",
       admin,
       na,
       {},
       [](const Ids&) { return at("/api/stats/dashboard"); }},
      {"GET",
       "/api/analytics/products/popular",
       admin,
       na,
       {},
       [](const Ids&) { return at("/api/analytics/products/popular?by=revenue&limit=5"); }},
      {"GET",
       "/api/analytics/searches/trending",
       admin,
       na,
       {},
       [](const Ids&) { return at("/api/analytics/searches/trending?from=2026-11-01"); }},
      {"GET",
       "/api/analytics/revenue",
       admin,
       na,
       {},
       [](const Ids&) { return at("/api/analytics/revenue?interval=week"); }},

      // The audit views and projections.
      {"GET",
       "/api/admin/events",
       admin,
       na,
       {},
       [](const Ids& i) { return at("/api/admin/events?stream=user-" + i.user); }},
      {"GET",
       "/api/admin/streams/{stream}",
       admin,
       na,
       {},
       [](const Ids& i) { return at("/api/admin/streams/user-" + i.user); }},
      {"GET",
       "/api/admin/projections",
       admin,
       na,
       {},
       [](const Ids&) { return at("/api/admin/projections"); }},
      // 404 on a node that is not replicated; admins only either way.
      {"GET",
       "/api/admin/cluster",
       admin,
       na,
       {},
       [](const Ids&) { return at("/api/admin/cluster"); }},
      {"POST",
       "/api/admin/projections/{name}/rebuild",
       admin,
       na,
       {},
       [](const Ids& i) { return at("/api/admin/projections/" + i.projection + "/rebuild"); }},

      // Operations and documents.
      {"GET", "/health", anyone, na, {200}, [](const Ids&) { return at("/health"); }},
      {"GET", "/ready", anyone, na, {200, 503}, [](const Ids&) { return at("/ready"); }},
      {"GET", "/metrics", anyone, na, {200}, [](const Ids&) { return at("/metrics"); }},
      {"GET",
       "/api/openapi.json",
       anyone,
       na,
       {200},
       [](const Ids&) { return at("/api/openapi.json"); }},
      {"GET", "/docs", anyone, na, {200}, [](const Ids&) { return at("/docs"); }},
      // The web pages (api/web), compiled in.
      {"GET", "/", anyone, na, {200}, [](const Ids&) { return at("/"); }},
      {"GET", "/web/{file}", anyone, na, {200}, [](const Ids&) { return at("/web/app.js"); }},
      {"GET",
       "/pay/3ds",
       anyone,
       na,
       {200},
       [](const Ids&) { return at("/pay/3ds?payment_id=x"); }},

      // The routes the standalone notifiers write and read through.
      {"POST",
       "/api/admin/notifications",
       admin,
       na,
       {},
       [](const Ids& i) {
         return at("/api/admin/notifications",
                   R"({"source_position":)" + std::to_string(i.order_position) + "}");
       }},
      {"POST",
       "/api/admin/notifications/{id}/outcome",
       admin,
       na,
       {},
       [](const Ids& i) {
         return at("/api/admin/notifications/" + i.notification + "/outcome",
                   R"({"status":"failed","error":"probe","will_retry":false})");
       }},
      {"GET",
       "/api/admin/email-facts/{position}",
       admin,
       na,
       {},
       [](const Ids& i) {
         return at("/api/admin/email-facts/" + std::to_string(i.order_position));
       }},
      {"GET",
       "/api/admin/notifications/{id}",
       admin,
       na,
       {},
       [](const Ids& i) { return at("/api/admin/notifications/" + i.notification); }},
      {"POST",
       "/api/admin/notifications/websocket-pushes",
       admin,
       na,
       {},
       [](const Ids& i) {
         return at("/api/admin/notifications/websocket-pushes",
                   R"({"pushes":[{"user_id":")" + i.user +
                       R"(","type":"order.created","source_position":1,)"
                       R"("pushed_at":"2026-01-01T00:00:00.000Z","status":"sent"}]})");
       }},

      // The staff's user tools (issue 21).
      {"GET",
       "/api/admin/users",
       admin,
       na,
       {},
       [](const Ids& i) { return at("/api/admin/users?q=" + i.email + "&status=active"); }},
      {"GET",
       "/api/admin/users/{id}",
       admin,
       na,
       {},
       [](const Ids& i) { return at("/api/admin/users/" + i.user); }},
      {"PUT",
       "/api/admin/users/{id}/role",
       admin,
       na,
       {},
       [](const Ids& i) {
         return at("/api/admin/users/" + i.user + "/role", R"({"role":"admin"})");
       }},
      {"POST",
       "/api/admin/users/{id}/deactivate",
       admin,
       na,
       {},
       [](const Ids& i) {
         return at("/api/admin/users/" + i.user + "/deactivate", R"({"reason":"probe"})");
       }},
      {"POST",
       "/api/admin/users/{id}/reactivate",
       admin,
       na,
       {},
       [](const Ids& i) { return at("/api/admin/users/" + i.user + "/reactivate"); }},
  };
}

}  // namespace

Ids nonexistent_ids() {
  Ids i;
  i.user = new_uuid_v7();
  i.email = "nobody@example.com";
  i.password = "not-a-password";
  i.pending_order = i.paid_order = new_uuid_v7();
  i.pending_payment = i.paid_payment = new_uuid_v7();
  i.product = new_uuid_v7();
  i.notification = new_uuid_v7();
  i.refresh_token = i.spare_refresh_token =
      i.user + "." + new_uuid_v7() + ".bm90LWEtcmVhbC1yZWZyZXNoLXRva2VuLXNlY3JldA";
  i.projection = "no-such-model";
  i.order_position = 999'999'999;
  return i;
}

const std::vector<Operation>& operations() {
  static const std::vector<Operation> table = [] {
    std::vector<Operation> t = build();
    // Closing the account ends the caller's access: the tests probe every
    // other route first with the same token.
    std::stable_partition(t.begin(), t.end(),
                          [](const Operation& op) { return op.key() != "DELETE /api/auth/me"; });
    return t;
  }();
  return table;
}

}  // namespace orderly::testing
