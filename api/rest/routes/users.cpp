// The staff's user tools: GET /api/admin/users (search, filters, pages),
// GET /api/admin/users/{id} (with the user's order stats), PUT
// /api/admin/users/{id}/role, POST /api/admin/users/{id}/deactivate and
// /reactivate. The rules (an admin may not deactivate or demote themselves,
// nor the last active admin; a closed account stays closed) are the user
// aggregate's (commands/user.cpp); these handlers only ask.
//
// A change answers once the users read model has it: the next request of
// the user it concerns is judged by the new role or status (api/api.cpp,
// principal_of). A deactivation's session ends reach the WebSocket hub
// before the answer too (Context::end_sessions_now).
#include "api/rest/requests/users.h"
#include "api/rest/problem.h"
#include "api/rest/routes/context.h"
#include "projections/orders.h"
#include "projections/users.h"

namespace orderly::api::rest::routes {

namespace {

using namespace commands;

// The user `id` names, or a 404 answered.
std::optional<projections::UserRow> existing_user(Context& ctx, const CallPtr& call,
                                                  const Uuid& id) {
  auto row = ctx.model<projections::UsersReadModel>("users")->get(id.to_string());
  if (!row)
    call->answer(problem(404, "not_found", "no such user"));
  return row;
}

// {user} as the users model has it after the command.
void answer_user(Context& ctx, const CallPtr& call, const std::string& id, const CommandReply& r) {
  auto row = ctx.model<projections::UsersReadModel>("users")->get(id);
  call->answer(row_response(row, "user", admin_user_json, id, 200, r.last_position, ""));
}

void list_users(Context& ctx, const CallPtr& call) {
  auto paging = call->page_query();
  if (!paging)
    return call->fail(paging.status());
  auto query =
      requests::user_query_from(call->query("q"), call->query("role"), call->query("status"));
  if (!query)
    return call->fail(query.status());
  projections::UserQuery q;
  q.q = query->q;
  q.role = query->role;
  q.status = query->status;
  q.page = paging->page;
  q.per_page = paging->per_page;
  const auto page = ctx.model<projections::UsersReadModel>("users")->list(q);
  call->answer(page_response(page, admin_user_json));
}

void get_user(Context& ctx, const CallPtr& call) {
  const auto id = parse_id(call, "id");
  if (!id)
    return;
  const auto row = existing_user(ctx, call, *id);
  if (!row)
    return;
  const auto stats = ctx.model<projections::OrdersReadModel>("orders")->stats(row->id);
  call->answer(json_response(
      200, json::object{{"user", admin_user_json(*row)}, {"stats", order_stats_json(stats)}}));
}

void set_role(Context& ctx, const CallPtr& call) {
  const auto id = parse_id(call, "id");
  if (!id || !existing_user(ctx, call, *id))
    return;
  const auto change = call->parsed_body(requests::role_change_from, *id);
  if (!change)
    return;
  ctx.run(call, *change, call->meta(), "users",
          [&ctx, id = id->to_string()](const CallPtr& call, const CommandReply& r) {
            answer_user(ctx, call, id, r);
          });
}

// deactivate (`status` "deactivated") and reactivate ("active"); an optional
// body {reason} is recorded in the event.
void set_status(Context& ctx, const CallPtr& call, const char* status) {
  const auto id = parse_id(call, "id");
  if (!id || !existing_user(ctx, call, *id))
    return;
  std::string reason;
  if (!call->request.body.empty()) {
    const auto parsed = call->parsed_body(requests::status_reason_from);
    if (!parsed)
      return;
    reason = *parsed;
  }
  ctx.run(call, SetUserStatus{*id, status, reason}, call->meta(), "users",
          [&ctx, id = id->to_string()](const CallPtr& call, const CommandReply& r) {
            // The account's WebSockets close, and its sessions' tokens are
            // refused, before the answer (the users model refuses them too).
            ctx.end_sessions_now(r);
            answer_user(ctx, call, id, r);
          });
}

void deactivate(Context& ctx, const CallPtr& call) {
  set_status(ctx, call, "deactivated");
}

void reactivate(Context& ctx, const CallPtr& call) {
  set_status(ctx, call, "active");
}

}  // namespace

void add_user_routes(Context& ctx) {
  ctx.route("GET", "/api/admin/users", Access::kAdmin, list_users);
  ctx.route("GET", "/api/admin/users/{id}", Access::kAdmin, get_user);
  ctx.route("PUT", "/api/admin/users/{id}/role", Access::kAdmin, set_role);
  ctx.route("POST", "/api/admin/users/{id}/deactivate", Access::kAdmin, deactivate);
  ctx.route("POST", "/api/admin/users/{id}/reactivate", Access::kAdmin, reactivate);
}

}  // namespace orderly::api::rest::routes
