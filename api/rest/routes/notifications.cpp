// The notification history as users and admins read it:
//
//   GET  /api/notifications       ?status&channel&user_id&page&per_page
//        newest first; a customer's own (another user_id matches none of
//        them: an empty page), everyone's for an admin
//   GET  /api/notifications/{id}  {notification}: its owner or an admin;
//        404 for anyone else, as for an id that does not exist (no probing)
//
// and the admin routes a notifier running as its own process (`orderly
// notify email`) writes and reads through, so the engine stays the single
// writer:
//
//   POST /api/admin/notifications              {"source_position": n}
//        the email request for the event at n (201 recorded, 200 recorded
//        before or nobody to mail: notification_id null)
//   POST /api/admin/notifications/{id}/outcome {"status": "sent"} or
//        {"status": "failed", "error": "...", "will_retry": true} -> 204
//   GET  /api/admin/notifications/{id}         one notification, as of the log's end
//   POST /api/admin/notifications/websocket-pushes  {"pushes": [...]} -> 204
//        what became of the pushes of `orderly notify websocket`
//        (api/notify/push/ws_push_json.h), recorded as one event
//   GET  /api/admin/email-facts/{position}     what that email says
//
// The first two wait for the read models and the pipeline, so they run on a
// worker thread, not on the I/O threads.
#include <algorithm>
#include <array>
#include <boost/json.hpp>

#include "api/auth/email_token.h"
#include "api/notify/push/ws_push_json.h"
#include "api/notify/requests/request_email.h"
#include "api/rest/requests/notifications.h"
#include "api/rest/routes/context.h"
#include "core/ids.h"
#include "projections/notifications.h"

namespace orderly::api::rest::routes {

namespace {

// What a customer is told of a failed delivery: a stable code and a plain
// sentence. The transport's own words (SMTP host and port, the mail
// library's message, a socket's error) are for staff: they describe the
// shop's infrastructure, not the customer's email.
std::pair<std::string_view, std::string_view> plain_reason(const projections::NotificationRow& n) {
  if (n.channel == "websocket")
    return {"push_not_delivered", "the live update could not be delivered to an open connection"};
  if (n.status == "sent")
    return {"delivery_failed", "an attempt to deliver the email failed; it was delivered later"};
  return {"delivery_failed", "the email could not be delivered yet; delivery is retried"};
}

}  // namespace

json::object notification_json(const projections::NotificationRow& n, Audience audience) {
  json::value error = nullptr, code = nullptr;
  if (!n.last_error.empty()) {
    const auto [plain_code, sentence] = plain_reason(n);
    code = plain_code;
    error = audience == Audience::kStaff ? json::value(n.last_error) : json::value(sentence);
  }
  json::object o{{"id", n.id},
                 {"user_id", n.user_id},
                 {"channel", n.channel},
                 {"template", n.template_name},
                 {"status", n.status},
                 {"attempts", n.attempts},
                 {"last_error", std::move(error)},
                 {"last_error_code", std::move(code)},
                 {"created_at", format_rfc3339(n.created_at)},
                 {"updated_at", format_rfc3339(n.updated_at)}};
  return o;
}

Audience audience_of(const Call& call) {
  return call.who && call.who->is_admin() ? Audience::kStaff : Audience::kCustomer;
}

namespace {

using namespace commands;

constexpr std::array<std::string_view, 4> kStatuses = {"pending", "sent", "failed", "dropped"};
constexpr std::array<std::string_view, 2> kChannels = {"email", "websocket"};

// ?name= when absent (nullopt), one of `allowed`, or a problem naming it.
template <size_t N>
std::optional<std::string> one_of(const CallPtr& call, std::string_view name,
                                  const std::array<std::string_view, N>& allowed,
                                  std::vector<FieldError>& errors) {
  auto v = call->query(name);
  if (!v || std::find(allowed.begin(), allowed.end(), *v) != allowed.end())
    return v;
  std::string list;
  for (size_t i = 0; i < N; ++i)
    list += (i == 0 ? "" : i + 1 == N ? " or " : ", ") + std::string(allowed[i]);
  errors.push_back({std::string(name), "must be " + list});
  return std::nullopt;
}

void list_notifications(Context& ctx, const CallPtr& call) {
  auto paging = call->page_query();
  if (!paging)
    return call->fail(paging.status());
  std::vector<FieldError> errors;
  const auto status = one_of(call, "status", kStatuses, errors);
  const auto channel = one_of(call, "channel", kChannels, errors);
  auto user = call->query("user_id");
  if (user && !Uuid::parse(*user))
    errors.push_back({"user_id", "must be a user id"});
  if (!errors.empty())
    return call->answer(problem(422, "validation_failed", "the filters are not valid", errors));
  std::string user_text = user.value_or("");
  if (!call->who->is_admin()) {
    // A customer's list is their own history, which the filters narrow:
    // another user's id matches nothing of it (an empty page, the same
    // whether or not that user exists).
    if (user && *Uuid::parse(*user) != call->who->user_id) {
      return call->answer(
          page_response(projections::NotificationPage::of(paging->page, paging->per_page),
                        [](const auto& n) { return notification_json(n, Audience::kCustomer); }));
    }
    user_text = call->who->user_id_text;
  } else if (user) {
    user_text = Uuid::parse(*user)->to_string();  // the canonical spelling
  }
  // (The filter holds views: of these strings, alive until the answer.)
  const std::string status_text = status.value_or(""), channel_text = channel.value_or("");
  const projections::NotificationFilter filter{user_text, status_text, channel_text};
  auto result = ctx.model<projections::NotificationsReadModel>("notifications")
                    ->list(filter, paging->page, paging->per_page);
  const Audience audience = audience_of(*call);
  call->answer(
      page_response(result, [audience](const auto& n) { return notification_json(n, audience); }));
}

void show_notification(Context& ctx, const CallPtr& call) {
  const auto id = parse_id(call, "id");
  if (!id)
    return;
  auto n = ctx.model<projections::NotificationsReadModel>("notifications")->get(id->to_string());
  if (!n || (!call->who->is_admin() && n->user_id != call->who->user_id_text))
    return call->answer(problem(404, "not_found", "no such notification"));
  call->answer(json_response(
      200, json::object{{"notification", notification_json(*n, audience_of(*call))}}));
}

// Runs `job` off the I/O threads; a full queue is 503 overloaded.
void off_io(Context& ctx, const CallPtr& call, std::function<void()> job) {
  if (!ctx.notifier_workers.submit(std::move(job)))
    call->fail(Status::overloaded("the notifier routes are busy; retry"));
}

void request_notification(Context& ctx, const CallPtr& call) {
  const auto position = call->parsed_body(requests::email_request_position_from);
  if (!position)
    return;
  off_io(ctx, call, [&ctx, call, at = *position] {
    auto source = ctx.store.read_event(at);
    if (!source)
      return call->fail(source.status().code() == ErrorCode::kNotFound
                            ? Status::not_found("no event at position " + std::to_string(at))
                            : source.status());
    auto done = notify::requests::request_email(source->view(), ctx.runner, ctx.processor,
                                                ctx.options.email_limiter.get());
    if (!done)
      return call->fail(done.status());
    http::Response res = json_response(
        done->created ? 201 : 200,
        json::object{{"notification_id",
                      done->id.is_nil() ? json::value(nullptr) : json::value(done->id.to_string())},
                     {"created", done->created}});
    if (done->created)
      res.header("Location", "/api/admin/notifications/" + done->id.to_string());
    call->answer(std::move(res));
  });
}

void record_outcome(Context& ctx, const CallPtr& call) {
  const auto id = parse_id(call, "id");
  if (!id)
    return;
  auto command = call->parsed_body(requests::notification_outcome_from, *id);
  if (!command)
    return;
  ctx.run(call, std::move(*command), call->meta(), "notifications",
          [](const CallPtr& call, const CommandReply& r) {
            call->answer(no_content(r.last_position));
          });
}

// One notification as the log has it now: the notifications read model is
// waited for (bounded) up to the log's current end first, so a notifier
// that restarted before seeing its own "sent" record learns it here.
void get_notification(Context& ctx, const CallPtr& call) {
  const auto id = parse_id(call, "id");
  if (!id)
    return;
  off_io(ctx, call, [&ctx, call, text = id->to_string()] {
    (void)ctx.runner.wait_for("notifications", ctx.store.last_position(), std::chrono::seconds(5));
    auto n = ctx.model<projections::NotificationsReadModel>("notifications")->get(text);
    if (!n)
      return call->answer(problem(404, "not_found", "no such notification"));
    call->answer(json_response(
        200, json::object{{"notification", notification_json(*n, Audience::kStaff)}}));
  });
}

void record_websocket_pushes(Context& ctx, const CallPtr& call) {
  auto body = call->json_body();
  if (!body)
    return;
  RecordWebSocketPushes batch;
  batch.batch_id = new_id_value();
  std::vector<FieldError> errors;
  notify::push::read_ws_pushes(*body, batch, errors);
  if (!errors.empty())
    return call->answer(problem(422, "validation_failed", "the pushes are not valid", errors));
  for (WebSocketPushOutcome& p : batch.pushes) {
    if (p.notification_id.is_nil())
      p.notification_id = *Uuid::parse(new_uuid_v7(p.pushed_at));
  }
  ctx.run(call, std::move(batch), call->meta(), "", [](const CallPtr& call, const CommandReply& r) {
    call->answer(no_content(r.last_position));
  });
}

// The account emails' link tokens (api/auth/email_token.h): the facts
// route gives them to `orderly notify email`, which lacks the server secret.
notify::requests::ActionTokenFn action_token_of(const std::string& secret) {
  return [&secret](notify::requests::ActionPurpose p, const Uuid& user, const Uuid& token_id) {
    return auth::email_token(secret,
                             p == notify::requests::ActionPurpose::kPasswordReset
                                 ? auth::EmailTokenPurpose::kPasswordReset
                                 : auth::EmailTokenPurpose::kVerifyEmail,
                             user, token_id)
        .text;
  };
}

void email_facts_route(Context& ctx, const CallPtr& call) {
  const auto it = call->params.find("position");
  // (Both arms string_view: `? "" : it->second` would make a temporary
  // std::string that dies before the checks below read it; ASan found it.)
  const std::string_view text =
      it == call->params.end() ? std::string_view() : std::string_view(it->second);
  uint64_t at = 0;
  if (text.empty() || text.size() > 19 ||
      text.find_first_not_of("0123456789") != std::string_view::npos ||
      (at = std::stoull(std::string(text))) == 0) {
    return call->answer(problem(404, "not_found", "a log position is a number from 1"));
  }
  off_io(ctx, call, [&ctx, call, at] {
    auto facts =
        notify::requests::email_facts(ctx.store, ctx.runner, at, action_token_of(ctx.jwt_secret));
    if (!facts)
      return call->fail(facts.status().code() == ErrorCode::kNotFound
                            ? Status::not_found("no event at position " + std::to_string(at))
                            : facts.status());
    json::array lines;
    for (const auto& l : facts->lines) {
      lines.push_back(json::object{{"name", l.name},
                                   {"quantity", l.quantity},
                                   {"unit_price_cents", l.unit_price_cents},
                                   {"line_total_cents", l.line_total_cents}});
    }
    http::Response res = json_response(
        200, json::object{{"order_id", facts->order_id.to_string()},
                          {"reason", facts->reason},
                          {"amount_cents", facts->amount_cents ? json::value(*facts->amount_cents)
                                                               : json::value(nullptr)},
                          {"lines", std::move(lines)},
                          {"total_cents", facts->total_cents},
                          {"currency", facts->currency},
                          {"username", facts->username},
                          {"action_page", facts->action_page},
                          {"action_token", facts->action_token},
                          {"expires_in", facts->expires_in},
                          {"new_email", facts->new_email}});
    // The link's token is a credential: no cache may keep this answer.
    res.header("Cache-Control", "no-store");
    call->answer(std::move(res));
  });
}

}  // namespace

void add_notifier_routes(Context& ctx) {
  ctx.route("GET", "/api/notifications", Access::kUser, list_notifications);
  ctx.route("GET", "/api/notifications/{id}", Access::kUser, show_notification);
  ctx.route("POST", "/api/admin/notifications", Access::kAdmin, request_notification);
  ctx.route("GET", "/api/admin/notifications/{id}", Access::kAdmin, get_notification);
  ctx.route("POST", "/api/admin/notifications/{id}/outcome", Access::kAdmin, record_outcome);
  ctx.route("POST", "/api/admin/notifications/websocket-pushes", Access::kAdmin,
            record_websocket_pushes);
  ctx.route("GET", "/api/admin/email-facts/{position}", Access::kAdmin, email_facts_route);
}

}  // namespace orderly::api::rest::routes
