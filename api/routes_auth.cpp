// POST /api/auth/register|login|refresh|logout, GET /api/auth/me.
//
// Refresh tokens are opaque: "<user id>.<token id>.<secret>". The log keeps
// only a digest of the secret; rotation and reuse detection are the user
// aggregate's rules (commands/user.cpp).
#include <sodium.h>

#include "api/auth/jwt.h"
#include "api/context.h"
#include "api/problem.h"
#include "commands/password.h"
#include "commands/user.h"
#include "core/digest.h"
#include "projections/users.h"

namespace orderly::api {

namespace {

using namespace commands;

struct RefreshToken {
  Uuid user_id, token_id;
  std::string text, hash;
};

std::string token_hash(std::string_view secret) {
  return digest128_hex(secret);
}

RefreshToken new_refresh_token(const Uuid& user) {
  RefreshToken t;
  t.user_id = user;
  t.token_id = new_id_value();
  unsigned char raw[32];
  randombytes_buf(raw, sizeof raw);
  const std::string secret = base64url(std::string_view(reinterpret_cast<char*>(raw), sizeof raw));
  t.text = user.to_string() + "." + t.token_id.to_string() + "." + secret;
  t.hash = token_hash(secret);
  return t;
}

std::optional<RefreshToken> parse_refresh_token(std::string_view text) {
  const size_t a = text.find('.');
  const size_t b = a == std::string_view::npos ? a : text.find('.', a + 1);
  if (b == std::string_view::npos)
    return std::nullopt;
  const auto user = Uuid::parse(text.substr(0, a));
  const auto token = Uuid::parse(text.substr(a + 1, b - a - 1));
  const std::string_view secret = text.substr(b + 1);
  if (!user || !token || secret.size() < 16 || secret.size() > 128)
    return std::nullopt;
  return RefreshToken{*user, *token, std::string(text), token_hash(secret)};
}

std::optional<std::string> string_field(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string())
    return std::nullopt;
  return std::string(it->value().as_string());
}

// {user, access_token, refresh_token, token_type, expires_in}
json::object session_json(Context& ctx, const json::object& user, const std::string& role,
                          const RefreshToken& refresh) {
  AccessClaims c;
  c.sub = refresh.user_id.to_string();
  c.role = role;
  c.iat = now_us() / 1'000'000;
  c.exp = c.iat + ctx.options.access_ttl_s;
  return {{"user", user},
          {"access_token", sign_jwt(c, ctx.jwt_secret)},
          {"refresh_token", refresh.text},
          {"token_type", "Bearer"},
          {"expires_in", ctx.options.access_ttl_s}};
}

// Issues a refresh token for `user` and answers the session.
void start_session(Context& ctx, const CallPtr& call, int status, json::object user,
                   std::string role) {
  const auto id = Uuid::parse(json::value_to<std::string>(user.at("id")));
  const RefreshToken refresh = new_refresh_token(*id);
  IssueRefreshToken issue{*id, refresh.token_id, new_id_value(), refresh.hash,
                          now_us() + ctx.options.refresh_ttl_s * 1'000'000};
  CommandMeta meta;
  meta.actor = *id;
  meta.role = role == "admin" ? Role::kAdmin : Role::kCustomer;
  // No read-model wait: the answer is the new tokens, built here. Answering
  // 202 without them when the users model lags would lose the session.
  ctx.run(call, issue, meta, "",
          [&ctx, user = std::move(user), role, refresh, status](const CallPtr& call,
                                                                const CommandReply& r) {
            Response res = json_response(status, session_json(ctx, user, role, refresh));
            if (status == 201)  // registered: the new account is the caller's own
              res.header("Location", "/api/auth/me");
            call->answer(with_position(std::move(res), r.last_position));
          });
}

void finish_register(Context& ctx, const CallPtr& call, const std::string& username,
                     const std::string& normalized, const std::string& password);

void register_user(Context& ctx, const CallPtr& call) {
  auto body = call->json_body();
  if (!body)
    return;
  const auto username = string_field(*body, "username");
  const auto email = string_field(*body, "email");
  const auto password = string_field(*body, "password");
  std::vector<FieldError> errors;
  if (!username)
    errors.push_back({"username", "is required (a string)"});
  else if (Status st = validate_username(*username); !st.is_ok())
    errors.push_back({"username", st.fields().empty() ? st.message() : st.fields()[0].message});
  const std::string normalized = email ? normalize_email(*email) : "";
  if (!email)
    errors.push_back({"email", "is required (a string)"});
  else if (Status st = validate_email(normalized); !st.is_ok())
    errors.push_back({"email", st.fields().empty() ? st.message() : st.fields()[0].message});
  if (!password)
    errors.push_back({"password", "is required (a string)"});
  else if (Status st = validate_password(*password); !st.is_ok())
    errors.push_back({"password", st.fields().empty() ? st.message() : st.fields()[0].message});
  if (!errors.empty())
    return call->answer(problem(422, "validation_failed", "the registration is not valid", errors));
  const bool queued = ctx.password_workers.submit(
      [&ctx, call, username = *username, normalized, password = *password] {
        finish_register(ctx, call, username, normalized, password);
      });
  if (!queued)
    call->answer(problem(503, "overloaded", "too many logins and registrations at once; retry"));
}

void finish_register(Context& ctx, const CallPtr& call, const std::string& username,
                     const std::string& normalized, const std::string& password) {
  auto hash = hash_password(password);
  if (!hash)
    return call->fail(hash.status());
  RegisterUser reg;
  reg.user_id = new_id_value();
  reg.username = username;
  reg.email = normalized;
  reg.password_hash = std::move(*hash);
  CommandMeta meta = call->meta();
  meta.actor = Uuid{};  // registering is anonymous
  json::object user{{"id", reg.user_id.to_string()},
                    {"username", reg.username},
                    {"email", reg.email},
                    {"role", "customer"},
                    {"created_at", format_rfc3339(now_us())}};
  ctx.run(call, reg, meta, "users",
          [&ctx, user = std::move(user)](const CallPtr& call, const CommandReply& r) {
            // A retry with the same Idempotency-Key answers for the user the
            // first request registered.
            const std::string id =
                created_id(r, "user-", json::value_to<std::string>(user.at("id")));
            auto stored = ctx.model<projections::UsersReadModel>("users")->get(id);
            start_session(ctx, call, 201, stored ? user_json(*stored) : user,
                          stored ? stored->role : "customer");
          });
}

void login(Context& ctx, const CallPtr& call) {
  auto body = call->json_body();
  if (!body)
    return;
  const auto email = string_field(*body, "email");
  const auto username = string_field(*body, "username");
  const auto password = string_field(*body, "password");
  if ((!email && !username) || !password) {
    return call->answer(problem(422, "validation_failed", "send email (or username) and password",
                                {{email || username ? "password" : "email", "is required"}}));
  }
  auto users = ctx.model<projections::UsersReadModel>("users");
  auto user =
      email ? users->find_by_email(normalize_email(*email)) : users->find_by_username(*username);
  const bool queued =
      ctx.password_workers.submit([&ctx, call, user = std::move(user), password = *password] {
        // One answer for an unknown user and a wrong password: no account
        // probing (an unknown user costs a hash check too, so timing says nothing).
        static const std::string kDummy = [] {
          auto h = hash_password("timing-equaliser");
          return h ? *h : std::string();
        }();
        const bool ok = user ? verify_password(user->password_hash, password)
                             : (verify_password(kDummy, password), false);
        if (!ok)
          return call->answer(problem(401, "unauthorized", "wrong email, username or password"));
        start_session(ctx, call, 200, user_json(*user), user->role);
      });
  if (!queued)
    call->answer(problem(503, "overloaded", "too many logins and registrations at once; retry"));
}

void refresh(Context& ctx, const CallPtr& call) {
  auto body = call->json_body();
  if (!body)
    return;
  const auto text = string_field(*body, "refresh_token");
  const auto old = text ? parse_refresh_token(*text) : std::nullopt;
  if (!old)
    return call->answer(problem(401, "unauthorized", "invalid refresh token"));
  auto user = ctx.model<projections::UsersReadModel>("users")->get(old->user_id.to_string());
  if (!user)
    return call->answer(problem(401, "unauthorized", "invalid refresh token"));
  const RefreshToken fresh = new_refresh_token(old->user_id);
  RotateRefreshToken rotate{old->user_id,
                            old->token_id,
                            fresh.token_id,
                            fresh.hash,
                            now_us() + ctx.options.refresh_ttl_s * 1'000'000,
                            old->hash};
  CommandMeta meta;
  meta.actor = old->user_id;
  // No read-model wait (see start_session): a lost answer here would make
  // the client's retry with the old token look like reuse and revoke the
  // whole family.
  ctx.run(call, rotate, meta, "",
          [&ctx, user = *user, fresh](const CallPtr& call, const CommandReply& r) {
            call->answer(with_position(
                json_response(200, session_json(ctx, user_json(user), user.role, fresh)),
                r.last_position));
          });
}

void logout(Context& ctx, const CallPtr& call) {
  auto body = call->json_body();
  if (!body)
    return;
  const auto text = string_field(*body, "refresh_token");
  const auto token = text ? parse_refresh_token(*text) : std::nullopt;
  if (!token || token->user_id != call->who->user_id)
    return call->answer(problem(404, "not_found", "no such refresh token"));
  ctx.run(call, RevokeRefreshToken{token->user_id, token->token_id, token->hash}, call->meta(),
          "users", [](const CallPtr& call, const CommandReply& r) {
            Response res;
            res.status = 204;
            res.body.clear();
            call->answer(with_position(std::move(res), r.last_position));
          });
}

void me(Context& ctx, const CallPtr& call) {
  auto user = ctx.model<projections::UsersReadModel>("users")->get(call->who->user_id_text);
  if (!user)
    return call->answer(problem(404, "not_found", "no such user"));
  call->answer(json_response(200, json::object{{"user", user_json(*user)}}));
}

}  // namespace

void add_auth_routes(Context& ctx) {
  Router& r = ctx.router;
  r.add("POST", "/api/auth/register", Access::kAnyone,
        [&ctx](const CallPtr& c) { register_user(ctx, c); });
  r.add("POST", "/api/auth/login", Access::kAnyone, [&ctx](const CallPtr& c) { login(ctx, c); });
  r.add("POST", "/api/auth/refresh", Access::kAnyone,
        [&ctx](const CallPtr& c) { refresh(ctx, c); });
  r.add("POST", "/api/auth/logout", Access::kUser, [&ctx](const CallPtr& c) { logout(ctx, c); });
  r.add("GET", "/api/auth/me", Access::kUser, [&ctx](const CallPtr& c) { me(ctx, c); });
}

}  // namespace orderly::api
