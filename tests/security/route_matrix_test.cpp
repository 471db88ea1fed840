// Every operation of the served OpenAPI document, called as an anonymous
// client, as a customer and as another customer naming a victim's ids:
// 401 without a token, 403 for customers on admin routes, and never a
// byte of another customer's data. The table in route_table.cpp must name
// exactly the spec's operations, so a new route cannot go untested.
#include <doctest/doctest.h>

#include <map>
#include <set>

#include "tests/security/checks.h"
#include "tests/security/route_table.h"
#include "tests/security/victim.h"

using namespace orderly::testing;

namespace {

// Rate limits are the flood tests' subject; here they would only add noise.
const std::vector<std::string> kNoLimits = {"--rate-limit-ip", "0", "--rate-limit-user", "0"};

HttpResult call(HttpClient& c, const Operation& op, const Ids& ids, const std::string& token) {
  const Probe p = op.probe(ids);
  return c.send(op.method, p.target, token, p.body);
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); !from.empty() && at != std::string::npos;
       at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
  return s;
}

// The problem's detail with every id the probe named replaced by "<id>":
// what is left must not depend on whether the id exists.
std::string detail_without_ids(const HttpResult& r, const Ids& ids) {
  const auto v = r.json();
  std::string detail = v.is_object() && v.as_object().contains("detail") ? str(v, "detail") : "";
  for (const auto& id : {ids.pending_order, ids.paid_order, ids.pending_payment, ids.paid_payment,
                         ids.product, ids.notification, ids.user, ids.refresh_token}) {
    detail = replace_all(detail, id, "<id>");
  }
  return detail;
}

}  // namespace

TEST_CASE("route matrix: the table names exactly the served spec's operations, with its auth") {
  OrderlyServer server(kNoLimits);
  HttpClient c = server.client();
  auto served = c.request("GET", "/api/openapi.json");
  REQUIRE(served.status == 200);
  const auto spec = served.json();
  // The served document is the one in the source tree.
  CHECK(spec == boost::json::parse(read_text_file(ORDERLY_SOURCE_DIR "/api/docs/openapi.json")));

  std::map<std::string, const Operation*> table;
  for (const auto& op : operations()) {
    CHECK_MESSAGE(table.emplace(op.key(), &op).second, "two rows for " << op.key());
  }
  std::set<std::string> in_spec;
  for (const auto& [path, methods] : spec.at("paths").as_object()) {
    // The WebSocket upgrade is served outside the router and answers 101,
    // not a JSON route's codes: tests/api/notify/push/websocket_test.cpp and
    // tests/api/rest/routes/openapi_test.cpp cover it.
    if (path == "/ws/notifications")
      continue;
    for (const auto& [method_lower, op_value] : methods.as_object()) {
      if (method_lower == "parameters")
        continue;
      std::string method(method_lower);
      for (char& ch : method)
        ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      const std::string key = method + " " + std::string(path);
      in_spec.insert(key);
      CAPTURE(key);
      auto row = table.find(key);
      CHECK_MESSAGE(row != table.end(),
                    "the spec has " << key
                                    << " but route_table.cpp has no row for it: decide who may "
                                       "call it and add one");
      if (row == table.end())
        continue;
      const auto& op = op_value.as_object();
      const auto* security = op.if_contains("security");
      const bool needs_token = security && security->is_array() && !security->as_array().empty();
      const auto& responses = op.at("responses").as_object();
      CHECK(needs_token == (row->second->who != Who::kAnyone));
      if (needs_token)
        CHECK(responses.contains("401"));
      // Admin routes, and only they, document 403 for the other callers;
      // besides, the sign-in routes that start a session answer 403 to a
      // deactivated account (not about the caller's role).
      static const std::set<std::string> kSignIns = {"GET /api/auth/oidc/callback",
                                                     "POST /api/auth/oidc/exchange"};
      // Public routes with an admin-only parameter answer 403 to others
      // for it (GET /api/products?status=discontinued|all).
      static const std::set<std::string> kAdminParameters = {"GET /api/products"};
      CHECK(responses.contains("403") ==
            (row->second->who == Who::kAdmin || kSignIns.count(key) == 1 ||
             kAdminParameters.count(key) == 1));
      if (std::string_view(path).starts_with("/api/admin/"))
        CHECK(row->second->who == Who::kAdmin);
      CHECK((row->second->foreign == Foreign::kNotApplicable) == (row->second->who != Who::kUser));
    }
  }
  for (const auto& [key, op] : table)
    CHECK_MESSAGE(in_spec.count(key) == 1, "route_table.cpp has " << key << ", the spec does not");
  CHECK(in_spec.size() == operations().size());
  MESSAGE(in_spec.size() << " operations in the spec, each with a row");
}

TEST_CASE("route matrix: without a valid token every route for users and admins answers 401") {
  OrderlyServer server(kNoLimits);
  const Victim a = make_victim(server);
  const std::string before = victim_view(server, a);
  HttpClient c = server.client();
  int refused = 0;
  for (const auto& op : operations()) {
    CAPTURE(op.key());
    auto r = call(c, op, a.ids, "");
    if (op.who == Who::kAnyone) {
      CAPTURE(r.body);
      CHECK(std::count(op.anonymous_statuses.begin(), op.anonymous_statuses.end(), r.status) == 1);
    } else {
      CHECK(is_problem(r, 401, "unauthorized"));
      ++refused;
    }
    // A token that is present must be valid, on every route, public ones too.
    auto forged = call(c, op, a.ids, a.session.access_token + "x");
    CHECK(is_problem(forged, 401, "unauthorized"));
  }
  CHECK(victim_view(server, a) == before);
  MESSAGE(refused << " routes refused an anonymous caller, " << operations().size()
                  << " refused a forged token");
}

TEST_CASE(
    "route matrix: a customer gets 403 on every admin route, with a victim's ids, changing "
    "nothing") {
  OrderlyServer server(kNoLimits);
  const Victim a = make_victim(server);
  const Session bob = server.register_user("bob");
  const Session admin = server.admin();
  const std::string before = victim_view(server, a);
  HttpClient c = server.client();
  const Ids nothing = nonexistent_ids();
  int admin_routes = 0;
  for (const auto& op : operations()) {
    CAPTURE(op.key());
    if (op.who != Who::kAdmin) {
      // Routes for users are open to every signed-in caller (what they may
      // touch is the next test's subject); none is refused as admin-only.
      if (op.who == Who::kUser)
        CHECK(call(c, op, nothing, bob.access_token).status != 403);
      continue;
    }
    ++admin_routes;
    // Bob, with Alice's ids, and Alice herself on her own things.
    CHECK(is_problem(call(c, op, a.ids, bob.access_token), 403, "forbidden"));
    CHECK(is_problem(call(c, op, a.ids, a.session.access_token), 403, "forbidden"));
    // The admin gets past the check (ids that name nothing: no side effects).
    auto as_admin = call(c, op, nothing, admin.access_token);
    CAPTURE(as_admin.body);
    CHECK(as_admin.status != 401);
    CHECK(as_admin.status != 403);
    CHECK(as_admin.status < 500);
  }
  CHECK(admin_routes >= 15);
  CHECK(victim_view(server, a) == before);
  MESSAGE(admin_routes << " admin routes refused to two customers");
}

TEST_CASE("route matrix: customer B naming customer A's ids never sees or changes A's data") {
  OrderlyServer server(kNoLimits);
  const Victim a = make_victim(server);
  const Session bob = server.register_user("bob");
  const std::string before = victim_view(server, a);
  HttpClient c = server.client();
  const Ids nothing = nonexistent_ids();
  const std::vector<std::string> alices = {a.ids.user,
                                           a.ids.email,
                                           a.ids.pending_order,
                                           a.ids.paid_order,
                                           a.ids.pending_payment,
                                           a.ids.paid_payment,
                                           a.ids.notification,
                                           "alice"};
  int probed = 0;
  for (const auto& op : operations()) {
    if (op.who != Who::kUser)
      continue;
    ++probed;
    CAPTURE(op.key());
    auto r = call(c, op, a.ids, bob.access_token);
    CAPTURE(r.status);
    CAPTURE(r.body);
    if (op.foreign == Foreign::kNotFound) {
      CHECK(is_problem(r, 404, "not_found"));
      // Alice's ids get the answer an id that names nothing gets: they
      // cannot be probed for existence.
      auto unknown = call(c, op, nothing, bob.access_token);
      CHECK(unknown.status == r.status);
      CHECK(code_of(unknown) == code_of(r));
      CHECK(detail_without_ids(unknown, nothing) == detail_without_ids(r, a.ids));
    } else {
      CHECK(r.status != 401);
      CHECK(r.status != 403);
      CHECK(r.status < 500);
      CHECK(first_found(r.body, alices) == "");
    }
  }
  CHECK(probed >= 15);

  // Another customer reusing Alice's Idempotency-Key with her very body
  // gets an order of their own: keys are scoped per user, never a way to
  // read her answer. (Not Bob: the last probe closed his account.)
  const Session carol = server.register_user("carol");
  auto same_key = c.send("POST", "/api/orders", carol.access_token, a.order_body,
                         {{"Idempotency-Key", a.idempotency_key}});
  REQUIRE(same_key.status == 201);
  const auto order = same_key.json().as_object().at("order");
  CHECK(str(order, "id") != a.ids.pending_order);
  CHECK(str(order, "user_id") == carol.id);

  // Nothing of Alice's changed, and her session Bob tried to log out lives.
  CHECK(victim_view(server, a) == before);
  CHECK(c.send("POST", "/api/auth/refresh", "",
               R"({"refresh_token":")" + a.ids.refresh_token + R"("})")
            .status == 200);
  MESSAGE(probed << " routes for users probed with another customer's ids");
}
