// POST /api/auth/register|login|refresh|logout, GET /api/auth/me.
//
// Refresh tokens are opaque: "<user id>.<token id>.<secret>". The log keeps
// only a digest of the secret; rotation and reuse detection are the user
// aggregate's rules (commands/user.cpp).
#include <sodium.h>

#include "api/auth/email_token.h"
#include "api/auth/jwt.h"
#include "api/rest/canonical_json.h"
#include "api/rest/problem.h"
#include "api/rest/requests/auth.h"
#include "api/rest/requests/fields.h"
#include "api/rest/routes/context.h"
#include "api/rest/routes/folded_row.h"
#include "api/rest/routes/password_check.h"
#include "api/rest/routes/session.h"
#include "commands/password.h"
#include "commands/user.h"
#include "core/digest.h"
#include "core/schemas/user_events_generated.h"
#include "core/text.h"
#include "eventstore/store.h"
#include "projections/users.h"

namespace orderly::api::rest::routes {

namespace {

using namespace commands;

struct RefreshToken {
  Uuid user_id, token_id;
  std::string text, hash;
  Uuid family_id;  // the session; known once issued (not from the text)
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
  const std::string secret =
      auth::base64url(std::string_view(reinterpret_cast<char*>(raw), sizeof raw));
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
  return RefreshToken{*user, *token, std::string(text), token_hash(secret), Uuid{}};
}

// {user, access_token, refresh_token, token_type, expires_in}
json::object session_json(Context& ctx, const json::object& user, const std::string& role,
                          const RefreshToken& refresh, int64_t issued_at_s = now_us() / 1'000'000) {
  auth::AccessClaims c;
  c.sub = refresh.user_id.to_string();
  c.role = role;
  c.iat = issued_at_s;
  c.exp = c.iat + ctx.options.access_ttl_s;
  if (!refresh.family_id.is_nil())
    c.sid = refresh.family_id.to_string();
  if (const auto* email = user.if_contains("email"); email && email->is_string())
    c.email = std::string(email->as_string());
  return {{"user", user},
          {"access_token", auth::sign_jwt(c, ctx.jwt_secret)},
          {"refresh_token", refresh.text},
          {"token_type", "Bearer"},
          {"expires_in", ctx.options.access_ttl_s}};
}

// Issues a refresh token for `user` and answers the session.
void start_session(Context& ctx, const CallPtr& call, int status, json::object user,
                   const std::string& role) {
  const auto id = Uuid::parse(json::value_to<std::string>(user.at("id")));
  RefreshToken refresh = new_refresh_token(*id);
  refresh.family_id = new_id_value();
  IssueRefreshToken issue{*id, refresh.token_id, refresh.family_id, refresh.hash,
                          now_us() + ctx.options.refresh_ttl_s * 1'000'000};
  CommandMeta meta;
  meta.actor = *id;
  meta.role = role == "admin" ? Role::kAdmin : Role::kCustomer;
  // No read-model wait: the answer is the new tokens, built here. Answering
  // 202 without them when the users model lags would lose the session.
  ctx.run(call, issue, meta, "",
          [&ctx, user = std::move(user), role, refresh, status](const CallPtr& call,
                                                                const CommandReply& r) {
            call->answer(with_position(
                json_response(status, session_json(ctx, user, role, refresh)), r.last_position));
          });
}

void finish_register(Context& ctx, const CallPtr& call, const std::string& username,
                     const std::string& normalized, const std::string& password);

void register_user(Context& ctx, const CallPtr& call) {
  auto body = call->json_body();
  if (!body)
    return;
  auto registration = requests::registration_from(*body);
  std::vector<FieldError> errors;
  if (!registration)
    errors = registration.status().fields();
  if (const auto key = call->request.header("idempotency-key"); key.size() > 255)
    errors.push_back({"Idempotency-Key", "must be at most 255 bytes"});
  if (!errors.empty())
    return call->answer(problem(422, "validation_failed", "the registration is not valid", errors));
  run_password_check(ctx, call, "",
                     [&ctx, call, r = std::move(*registration)](auth::PasswordGate::Slot&) {
                       finish_register(ctx, call, r.username, r.email, r.password);
                     });
}

// The registration's first refresh token secret is derived from the server
// key and the token's id, so that a retried registration (same
// Idempotency-Key and body) answers the very same session without storing
// the secret anywhere: the log keeps only its digest, as for every token.
// The price (SECURITY.md, known limits): whoever steals the key can compute
// these secrets for registration sessions not yet rotated, and they outlive
// a change of the key.
std::string registration_refresh_secret(std::string_view key, const Uuid& token_id) {
  return auth::base64url(
      auth::hmac_sha256("orderly/registration-refresh-token/v1|" + token_id.to_string(), key));
}

// The registration's request fingerprint (what tells a retry from another
// request with the same key), keyed: the body holds the password, and the
// fingerprint is written into the log's command ids, where an unkeyed hash
// would let a reader of the log guess the password offline at hash speed.
uint64_t registration_fingerprint(std::string_view key, std::string_view body) {
  const std::string mac =
      auth::hmac_sha256("orderly/registration-fingerprint/v1|" + std::string(body), key);
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i)
    v = (v << 8) | static_cast<unsigned char>(mac[i]);
  return v;
}

// Anonymous callers share the processor's key space (nil actor): the key is
// scoped by the account the request asks for, so two clients that happen to
// pick the same key never meet, while a client's own retry does.
std::string anonymous_idempotency_scope(std::string_view key, std::string_view email) {
  return digest128_hex(key) + ":register:" + digest128_hex(email);
}

// The registration's session as its events in the log say it: the first
// answer and every retry's are built the same way, so they are the same.
void answer_registration(Context& ctx, const CallPtr& call, const CommandReply& r) {
  Uuid user_id, token_id, family_id;
  TimestampUs registered_at = 0;
  eventstore::LogQuery q;
  q.from_position = r.first_position;
  q.to_position = r.last_position;
  Status st = ctx.store.scan(q, [&](const EventView& ev) {
    if (ev.type() == EventType::kUserRegistered) {
      registered_at = ev.time_us();
      user_id = Uuid::parse(fb_string(ev.as<events::UserRegistered>()->user_id())).value_or(Uuid{});
    } else if (ev.type() == EventType::kRefreshTokenIssued) {
      const auto* issued = ev.as<events::RefreshTokenIssued>();
      token_id = Uuid::parse(fb_string(issued->token_id())).value_or(Uuid{});
      family_id = Uuid::parse(fb_string(issued->family_id())).value_or(Uuid{});
    }
    return true;
  });
  // The user as registered (api/rest/routes/folded_row.h), not as the read model has
  // them now: a retry answers what the first answer said.
  auto folded = user_id.is_nil() ? Result<std::unique_ptr<projections::UsersReadModel>>(
                                       Status::internal("no user in the registration"))
                                 : fold_stream_until<projections::UsersReadModel>(
                                       ctx.store, "user-" + user_id.to_string(), r.last_position);
  if (st.is_ok() && !folded)
    st = folded.status();
  const auto stored = folded ? (*folded)->get(user_id.to_string()) : std::nullopt;
  if (!st.is_ok() || user_id.is_nil() || token_id.is_nil() || !stored)
    return call->fail(st.is_ok() ? Status::internal("the registration could not be read back")
                                 : st);
  RefreshToken refresh;
  refresh.user_id = user_id;
  refresh.token_id = token_id;
  refresh.family_id = family_id;
  refresh.text = user_id.to_string() + "." + token_id.to_string() + "." +
                 registration_refresh_secret(ctx.jwt_secret, token_id);
  http::Response res = json_response(
      201, session_json(ctx, user_json(*stored), stored->role, refresh, registered_at / 1'000'000));
  res.header("Location", "/api/auth/me");  // the new account is the caller's own
  call->answer(with_position(std::move(res), r.last_position));
}

void finish_register(Context& ctx, const CallPtr& call, const std::string& username,
                     const std::string& normalized, const std::string& password) {
  auto hash = hash_password(password);
  if (!hash)
    return call->fail(hash.status());
  const TimestampUs now = now_us();
  RegisterUser reg;
  reg.user_id = new_id_value();
  reg.username = username;
  reg.email = normalized;
  reg.password_hash = std::move(*hash);
  reg.session_token_id = new_id_value();
  reg.session_family_id = new_id_value();
  reg.session_token_hash =
      token_hash(registration_refresh_secret(ctx.jwt_secret, reg.session_token_id));
  reg.session_expires_at = now + ctx.options.refresh_ttl_s * 1'000'000;
  // The email's verification link, issued in the same decision. Its secret
  // is derived from the server secret and its id (api/auth/email_token.h),
  // so it is never stored and the email can be rendered from the event.
  // A retried registration appends nothing (the writer answers the first
  // decision's positions) and answer_registration reads the session back
  // from the log, so this token, like the user id, may be fresh each time.
  const auto verify =
      auth::new_email_token(ctx.jwt_secret, auth::EmailTokenPurpose::kVerifyEmail, reg.user_id);
  reg.verify_token_id = verify.token_id;
  reg.verify_token_hash = verify.hash;
  reg.verify_expires_at = now + ctx.options.email_verification_ttl_s * 1'000'000;
  CommandMeta meta = call->meta();
  meta.actor = Uuid{};  // registering is anonymous
  meta.now = now;
  // Not by client address (Call::meta's default for anonymous calls): a
  // retry may come from another address, and clients behind one address
  // would collide.
  if (const auto key = call->request.header("idempotency-key"); !key.empty()) {
    meta.idempotency_key = anonymous_idempotency_scope(key, normalized);
    // Canonical JSON (api/rest/canonical_json.h), with the bytes' fingerprint of
    // logs written before as the legacy one.
    const std::string_view body = call->request.body;
    meta.request_fingerprint =
        registration_fingerprint(ctx.jwt_secret, canonical_json(body).value_or(std::string(body)));
    meta.legacy_request_fingerprint = registration_fingerprint(ctx.jwt_secret, body);
  }
  ctx.run(call, reg, meta, "users", [&ctx](const CallPtr& call, const CommandReply& r) {
    answer_registration(ctx, call, r);
  });
}

void check_login(Context& ctx, const CallPtr& call, const std::optional<std::string>& email,
                 const std::optional<std::string>& username, const std::string& password);

void login(Context& ctx, const CallPtr& call) {
  auto body = call->json_body();
  if (!body)
    return;
  const auto email = requests::string_field(*body, "email");
  const auto username = requests::string_field(*body, "username");
  const auto password = requests::string_field(*body, "password");
  requests::Fields known(*body);
  known.only({"email", "username", "password"});
  if (!known.ok())
    return call->answer(
        problem(422, "validation_failed", "the login is not valid", known.errors()));
  if ((!email && !username) || !password) {
    return call->answer(problem(422, "validation_failed", "send email (or username) and password",
                                {{email || username ? "password" : "email", "is required"}}));
  }
  // The account is looked up once the users model holds every account the
  // log held when the login arrived (at once, but for the moments after a
  // start or a bulk import while it folds the log behind its snapshot).
  ctx.when_accounts_loaded(call, [&ctx, call, email, username, password = *password] {
    check_login(ctx, call, email, username, password);
  });
}

void check_login(Context& ctx, const CallPtr& call, const std::optional<std::string>& email,
                 const std::optional<std::string>& username, const std::string& password) {
  auto users = ctx.model<projections::UsersReadModel>("users");
  auto user =
      email ? users->find_by_email(normalize_email(*email)) : users->find_by_username(*username);
  // Failures count against the account asked for, known or not (an
  // unknown one is named by what was asked, so probing it is slowed too).
  const std::string account =
      user ? user->id : (email ? "?" + normalize_email(*email) : "?" + ascii_lower(*username));
  run_password_check(
      ctx, call, account,
      [&ctx, call, user = std::move(user), password](auth::PasswordGate::Slot& slot) {
        // One answer for an unknown user and a wrong password: no account
        // probing (an unknown user costs a hash check too, so timing says nothing).
        static const std::string kDummy = [] {
          auto h = hash_password("timing-equaliser");
          return h ? *h : std::string();
        }();
        // An account made through a provider has no password: refused
        // after the same work, as an unknown one.
        const bool ok = user && user->has_password()
                            ? verify_password(user->password_hash, password)
                            : (verify_password(kDummy, password), false);
        if (!ok) {
          slot.failed();
          return call->answer(problem(401, "unauthorized", "wrong email, username or password"));
        }
        slot.succeeded();
        start_session(ctx, call, 200, user_json(*user), user->role);
      });
}

// The family a rotation continued, from its event in the log (the token's
// text does not name it): the new access token's session. Nil if unread.
Uuid rotated_family(Context& ctx, const CommandReply& r) {
  Uuid family;
  eventstore::LogQuery q;
  q.from_position = r.first_position;
  q.to_position = r.last_position;
  (void)ctx.store.scan(q, [&](const EventView& ev) {
    if (ev.type() == EventType::kRefreshTokenRotated) {
      family = Uuid::parse(fb_string(ev.as<events::RefreshTokenRotated>()->family_id()))
                   .value_or(Uuid{});
    }
    return true;
  });
  return family;
}

void rotate_refresh(Context& ctx, const CallPtr& call, const RefreshToken& old);

void refresh(Context& ctx, const CallPtr& call) {
  const auto text = call->parsed_body(requests::refresh_token_text_from, "refresh");
  if (!text)
    return;
  const auto old = *text ? parse_refresh_token(**text) : std::nullopt;
  if (!old)
    return call->answer(problem(401, "unauthorized", "invalid refresh token"));
  ctx.when_accounts_loaded(call, [&ctx, call, old = *old] { rotate_refresh(ctx, call, old); });
}

void rotate_refresh(Context& ctx, const CallPtr& call, const RefreshToken& old) {
  auto user = ctx.model<projections::UsersReadModel>("users")->get(old.user_id.to_string());
  if (!user)
    return call->answer(problem(401, "unauthorized", "invalid refresh token"));
  const RefreshToken fresh = new_refresh_token(old.user_id);
  RotateRefreshToken rotate{old.user_id,
                            old.token_id,
                            fresh.token_id,
                            fresh.hash,
                            now_us() + ctx.options.refresh_ttl_s * 1'000'000,
                            old.hash};
  CommandMeta meta;
  meta.actor = old.user_id;
  // No read-model wait (see start_session): a lost answer here would make
  // the client's retry with the old token look like reuse and revoke the
  // whole family.
  ctx.run(call, rotate, meta, "",
          [&ctx, user = *user, fresh](const CallPtr& call, const CommandReply& r) {
            RefreshToken session = fresh;
            session.family_id = rotated_family(ctx, r);
            call->answer(with_position(
                json_response(200, session_json(ctx, user_json(user), user.role, session)),
                r.last_position));
          });
}

void logout(Context& ctx, const CallPtr& call) {
  const auto text = call->parsed_body(requests::refresh_token_text_from, "logout");
  if (!text)
    return;
  const auto token = *text ? parse_refresh_token(**text) : std::nullopt;
  if (!token || token->user_id != call->who->user_id)
    return call->answer(problem(404, "not_found", "no such refresh token"));
  ctx.run(call, RevokeRefreshToken{token->user_id, token->token_id, token->hash}, call->meta(),
          "users", [&ctx](const CallPtr& call, const CommandReply& r) {
            ctx.end_sessions_now(r);  // the session's access tokens stop here
            call->answer(no_content(r.last_position));
          });
}

void me(Context& ctx, const CallPtr& call) {
  auto user = ctx.model<projections::UsersReadModel>("users")->get(call->who->user_id_text);
  if (!user)
    return call->answer(problem(404, "not_found", "no such user"));
  call->answer(json_response(200, json::object{{"user", user_json(*user)}}));
}

}  // namespace

void start_user_session(Context& ctx, const CallPtr& call, int status,
                        const projections::UserRow& user) {
  start_session(ctx, call, status, user_json(user), user.role);
}

void add_auth_routes(Context& ctx) {
  ctx.route("POST", "/api/auth/register", Access::kAnyone, register_user);
  ctx.route("POST", "/api/auth/login", Access::kAnyone, login);
  ctx.route("POST", "/api/auth/refresh", Access::kAnyone, refresh);
  ctx.route("POST", "/api/auth/logout", Access::kUser, logout);
  ctx.route("GET", "/api/auth/me", Access::kUser, me);
}

}  // namespace orderly::api::rest::routes
