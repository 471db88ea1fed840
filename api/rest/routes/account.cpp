// The caller's own account: PATCH/DELETE /api/auth/me, POST
// /api/auth/password, and the saved addresses under /api/auth/me/addresses.
// The rules are the user aggregate's (commands/user.h); these handlers turn
// requests into its commands and answer from the users read model.
#include "api/rest/requests/account.h"
#include "api/auth/email_token.h"
#include "api/auth/jwt.h"
#include "api/rest/routes/context.h"
#include "api/rest/routes/password_check.h"
#include "commands/password.h"
#include "core/digest.h"
#include "core/schemas/user_events_generated.h"
#include "core/text.h"
#include "eventstore/store.h"
#include "projections/users.h"

namespace orderly::api::rest::routes {

namespace {

using namespace commands;

std::optional<projections::UserRow> caller_row(Context& ctx, const CallPtr& call) {
  return ctx.model<projections::UsersReadModel>("users")->get(call->who->user_id_text);
}

// The session of the caller's access token (its `sid`: the refresh-token
// family it was issued with); nil for tokens without one. The router has
// verified the token already; this reads it again for the one claim the
// principal does not carry.
Uuid caller_session(const Context& ctx, const CallPtr& call) {
  const std::string_view header = call->request.header("authorization");
  if (header.size() <= 7)
    return Uuid{};
  auto claims = auth::verify_jwt(header.substr(7), ctx.jwt_secret, now_us() / 1'000'000);
  return claims ? Uuid::parse(claims->sid).value_or(Uuid{}) : Uuid{};
}

// {user} as the users model has the caller now.
void answer_user(Context& ctx, const CallPtr& call, uint64_t position) {
  auto user = caller_row(ctx, call);
  if (!user)
    return call->answer(problem(404, "not_found", "no such user"));
  call->answer(
      with_position(json_response(200, json::object{{"user", user_json(*user)}}), position));
}

void update_profile(Context& ctx, const CallPtr& call) {
  auto patch = call->parsed_body(requests::profile_patch_from);
  if (!patch)
    return;
  UpdateProfile c{call->who->user_id, patch->username, patch->email, patch->display_name, {}};
  if (c.email) {
    // The new address is unverified until its link is used; the notifier
    // mails the link on the EmailVerificationIssued event. Unused when the
    // email does not change (the aggregate then records no token).
    const auto token = auth::new_email_token(ctx.jwt_secret, auth::EmailTokenPurpose::kVerifyEmail,
                                             call->who->user_id);
    c.verification = {token.token_id, token.hash,
                      now_us() + ctx.options.email_verification_ttl_s * 1'000'000};
  }
  ctx.run(call, c, call->meta(), "users", [&ctx](const CallPtr& call, const CommandReply& r) {
    answer_user(ctx, call, r.last_position);
  });
}

void close_account(Context& ctx, const CallPtr& call) {
  SetUserStatus c{call->who->user_id, "closed", "closed by its owner"};
  // Answered once the users model has it: the next login is refused.
  ctx.run(call, c, call->meta(), "users", [&ctx](const CallPtr& call, const CommandReply& r) {
    ctx.end_sessions_now(r);  // its sockets close and its tokens stop here
    call->answer(no_content(r.last_position));
  });
}

// The new password hashed (on a password worker) and recorded against the
// hash the current one was checked with.
void record_password(Context& ctx, const CallPtr& call, const projections::UserRow& user,
                     const std::string& new_password, const Uuid& session) {
  auto hash = hash_password(new_password);
  if (!hash)
    return call->fail(hash.status());
  ChangePassword c{call->who->user_id, std::move(*hash),
                   user.has_password() ? digest128_hex(user.password_hash) : std::string(),
                   session};
  ctx.run(call, c, call->meta(), "users", [&ctx](const CallPtr& call, const CommandReply& r) {
    ctx.end_sessions_now(r);  // the other sessions' access tokens stop here
    call->answer(no_content(r.last_position));
  });
}

void change_password(Context& ctx, const CallPtr& call) {
  auto user = caller_row(ctx, call);
  if (!user)
    return call->answer(problem(404, "not_found", "no such user"));
  auto change = call->parsed_body(requests::password_change_from, user->username, user->email);
  if (!change)
    return;
  // An account made through a provider may set a first password without
  // one; every other change proves the current password.
  if (user->has_password() && !change->current_password) {
    return call->answer(problem(422, "validation_failed", "the password change is not valid",
                                {{"current_password", "is required"}}));
  }
  const Uuid session = caller_session(ctx, call);
  run_password_check(
      ctx, call, user->id,
      [&ctx, call, user = std::move(*user), change = std::move(*change),
       session](auth::PasswordGate::Slot& slot) {
        if (user.has_password() && !verify_password(user.password_hash, *change.current_password)) {
          slot.failed();
          return call->answer(problem(401, "unauthorized", "the current password is wrong"));
        }
        slot.succeeded();
        record_password(ctx, call, user, change.new_password, session);
      });
}

// --- addresses ---

void list_addresses(Context& ctx, const CallPtr& call) {
  auto user = caller_row(ctx, call);
  if (!user)
    return call->answer(problem(404, "not_found", "no such user"));
  json::array items;
  for (const Address& a : user->addresses)
    items.push_back(address_json(a));
  call->answer(json_response(200, json::object{{"items", std::move(items)}}));
}

// The address a keyed retry added first (its id is in its event, not in
// the reply's stream name, which is the user's); `fallback` when unread.
std::string added_address_id(Context& ctx, const CommandReply& r, const std::string& fallback) {
  std::string id = fallback;
  eventstore::LogQuery q;
  q.from_position = r.first_position;
  q.to_position = r.last_position;
  (void)ctx.store.scan(q, [&](const EventView& ev) {
    if (ev.type() == EventType::kAddressAdded) {
      const auto* added = ev.as<events::AddressAdded>();
      if (added->address() != nullptr)
        id = fb_string(added->address()->address_id());
    }
    return true;
  });
  return id;
}

// {address} as the users model has it now; 404 when it is gone.
void answer_address(Context& ctx, const CallPtr& call, const std::string& id, int status,
                    uint64_t position) {
  auto user = caller_row(ctx, call);
  const Address* found = nullptr;
  if (user) {
    for (const Address& a : user->addresses) {
      if (a.address_id.to_string() == id)
        found = &a;
    }
  }
  if (!found)
    return call->answer(with_position(problem(404, "not_found", "no such address"), position));
  http::Response r = json_response(status, json::object{{"address", address_json(*found)}});
  if (status == 201)
    r.header("Location", "/api/auth/me/addresses/" + id);
  call->answer(with_position(std::move(r), position));
}

void add_address(Context& ctx, const CallPtr& call) {
  auto address = call->parsed_body(requests::address_from, new_id_value());
  if (!address)
    return;
  const std::string id = address->address_id.to_string();
  ctx.run(call, AddAddress{call->who->user_id, *address}, call->meta(), "users",
          [&ctx, id](const CallPtr& call, const CommandReply& r) {
            answer_address(ctx, call, r.duplicate ? added_address_id(ctx, r, id) : id, 201,
                           r.last_position);
          });
}

void change_address(Context& ctx, const CallPtr& call) {
  const auto id = parse_id(call, "id");
  if (!id)
    return;
  auto patch = call->parsed_body(requests::address_patch_from);
  if (!patch)
    return;
  ctx.run(call, ChangeAddress{call->who->user_id, *id, *patch}, call->meta(), "users",
          [&ctx, id = id->to_string()](const CallPtr& call, const CommandReply& r) {
            answer_address(ctx, call, id, 200, r.last_position);
          });
}

void remove_address(Context& ctx, const CallPtr& call) {
  const auto id = parse_id(call, "id");
  if (!id)
    return;
  ctx.run(call, RemoveAddress{call->who->user_id, *id}, call->meta(), "users",
          [](const CallPtr& call, const CommandReply& r) {
            call->answer(no_content(r.last_position));
          });
}

}  // namespace

void add_account_routes(Context& ctx) {
  ctx.route("PATCH", "/api/auth/me", Access::kUser, update_profile);
  ctx.route("DELETE", "/api/auth/me", Access::kUser, close_account);
  ctx.route("POST", "/api/auth/password", Access::kUser, change_password);
  ctx.route("GET", "/api/auth/me/addresses", Access::kUser, list_addresses);
  ctx.route("POST", "/api/auth/me/addresses", Access::kUser, add_address);
  ctx.route("PATCH", "/api/auth/me/addresses/{id}", Access::kUser, change_address);
  ctx.route("DELETE", "/api/auth/me/addresses/{id}", Access::kUser, remove_address);
}

}  // namespace orderly::api::rest::routes
