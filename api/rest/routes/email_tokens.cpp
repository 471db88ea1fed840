// The single-use links of account emails (docs/design/accounts.md 1.5):
//   POST /api/auth/verify-email          {token}                -> 204 (anyone)
//   POST /api/auth/verify-email/resend                          -> 202 (user)
//   POST /api/auth/password-reset        {email}                -> 202 (anyone)
//   POST /api/auth/password-reset/confirm {token, new_password} -> 204 (anyone)
//
// A token is "<user id>.<token id>.<secret>" (api/auth/email_token.h): the
// route reads whose account it names; the user aggregate compares the
// secret's hash with the pending one (commands/user_account.cpp). Every
// wrong token, whatever is wrong with it, gets the same 400 invalid_token,
// and no answer or log line repeats a token.
#include "api/rest/requests/email_tokens.h"
#include "api/auth/email_token.h"
#include "api/rest/problem.h"
#include "api/rest/routes/context.h"
#include "commands/password.h"
#include "commands/password_policy.h"
#include "commands/user.h"
#include "projections/users.h"

namespace orderly::api::rest::routes {

namespace {

using namespace commands;

http::Response token_refused() {
  return problem(400, "invalid_token", "this link is invalid, was used already, or has expired");
}

TimestampUs expires_in(int64_t ttl_s) {
  return now_us() + ttl_s * 1'000'000;
}

void verify_email(Context& ctx, const CallPtr& call) {
  const auto text = call->parsed_body(requests::email_token_text_from);
  if (!text)
    return;
  const auto token = auth::parse_email_token(*text);
  if (!token)
    return call->answer(token_refused());
  CommandMeta meta = call->meta();
  meta.actor = Uuid{};  // the token is the proof, whoever presents it
  ctx.run(call, VerifyEmail{token->user_id, token->token_id, token->hash}, meta, "users",
          [](const CallPtr& call, const CommandReply& r) {
            call->answer(no_content(r.last_position));
          });
}

void resend_verification(Context& ctx, const CallPtr& call) {
  const Uuid user = call->who->user_id;
  const auto t = auth::new_email_token(ctx.jwt_secret, auth::EmailTokenPurpose::kVerifyEmail, user);
  RequestEmailVerification request{
      user, {t.token_id, t.hash, expires_in(ctx.options.email_verification_ttl_s)}};
  ctx.run(call, request, call->meta(), "", [](const CallPtr& call, const CommandReply& r) {
    call->answer(with_position(
        json_response(202, json::object{{"detail", "a new verification link is on its way"}}),
        r.last_position));
  });
}

// The one answer of a reset request, whatever became of it.
http::Response reset_accepted() {
  return json_response(
      202, json::object{{"detail",
                         "if an account has this email, a link to reset its password is on its "
                         "way"}});
}

void request_password_reset(Context& ctx, const CallPtr& call) {
  const auto email = call->parsed_body(requests::reset_request_from);
  if (!email)
    return;
  double retry_after = 0;
  if (!ctx.reset_address_limiter.allow(call->request.remote_address, &retry_after)) {
    http::Response r =
        problem(429, "rate_limited",
                "too many password reset requests from this address; retry after Retry-After");
    r.header("Retry-After", std::to_string(static_cast<int64_t>(retry_after) + 1));
    return call->answer(std::move(r));
  }
  // Counted whether or not an account has the email: over the limit, the
  // answer is the same and nothing is done (no mailbox is flooded).
  if (!ctx.reset_email_limiter.allow(*email))
    return call->answer(reset_accepted());
  ctx.when_accounts_loaded(call, [&ctx, call, email = *email] {
    auto user = ctx.model<projections::UsersReadModel>("users")->find_by_email(email);
    const bool known = user && user->active();
    const Uuid id = known ? *Uuid::parse(user->id) : Uuid{};
    // Made for an unknown email too: the same work before the same answer.
    const auto t =
        auth::new_email_token(ctx.jwt_secret, auth::EmailTokenPurpose::kPasswordReset, id);
    if (known) {
      CommandMeta meta;
      meta.role = Role::kEngine;  // asked for whoever knows the email
      // Not waited for: the answer must not tell, by its time or its
      // X-Log-Position, that an account exists.
      ctx.processor.submit(
          RequestPasswordReset{id,
                               {t.token_id, t.hash, expires_in(ctx.options.password_reset_ttl_s)}},
          meta, [&ctx](const Result<CommandReply>& r) {
            if (!r)
              ctx.password_resets_dropped.fetch_add(1, std::memory_order_relaxed);
          });
    }
    call->answer(reset_accepted());
  });
}

void reset_with(Context& ctx, const CallPtr& call, const auth::EmailToken& token,
                const std::string& new_password) {
  auto user = ctx.model<projections::UsersReadModel>("users")->get(token.user_id.to_string());
  if (!user || !user->active())
    return call->answer(token_refused());
  // The policy's own-name rule needs the account: checked here, not in the parser.
  if (Status st = validate_new_password(new_password, user->username, user->email); !st.is_ok()) {
    std::vector<FieldError> errors{
        {"new_password", st.fields().empty() ? st.message() : st.fields()[0].message}};
    return call->answer(
        problem(422, "validation_failed", "the new password is not allowed", errors));
  }
  // argon2id runs on the password workers, admitted by the password gate
  // like a login for this account (a flood of guessed tokens is throttled).
  auto verdict = ctx.password_gate.admit(call->request.remote_address, "reset:" + user->id);
  if (!verdict.slot) {
    http::Response r = problem(429, "rate_limited", "too many password attempts; retry later");
    r.header("Retry-After", std::to_string(verdict.retry_after_s));
    return call->answer(std::move(r));
  }
  std::shared_ptr<auth::PasswordGate::Slot> slot = std::move(verdict.slot);
  const bool queued = ctx.password_workers.submit([&ctx, call, slot, token, new_password] {
    auto hash = hash_password(new_password);
    if (!hash)
      return call->fail(hash.status());
    CommandMeta meta = call->meta();
    meta.actor = Uuid{};
    ctx.run(call, ResetPassword{token.user_id, token.token_id, token.hash, std::move(*hash)}, meta,
            "users", [&ctx](const CallPtr& call, const CommandReply& r) {
              ctx.end_sessions_now(r);  // every session's access tokens stop here
              call->answer(no_content(r.last_position));
            });
  });
  if (!queued)
    call->answer(problem(503, "overloaded", "too many password changes at once; retry"));
}

void confirm_password_reset(Context& ctx, const CallPtr& call) {
  const auto confirm = call->parsed_body(requests::reset_confirm_from);
  if (!confirm)
    return;
  const auto token = auth::parse_email_token(confirm->token);
  if (!token)
    return call->answer(token_refused());
  ctx.when_accounts_loaded(call, [&ctx, call, token = *token, pw = confirm->new_password] {
    reset_with(ctx, call, token, pw);
  });
}

}  // namespace

void add_email_token_routes(Context& ctx) {
  ctx.route("POST", "/api/auth/verify-email", Access::kAnyone, verify_email);
  ctx.route("POST", "/api/auth/verify-email/resend", Access::kUser, resend_verification);
  ctx.route("POST", "/api/auth/password-reset", Access::kAnyone, request_password_reset);
  ctx.route("POST", "/api/auth/password-reset/confirm", Access::kAnyone, confirm_password_reset);
}

}  // namespace orderly::api::rest::routes
