// Sign-in with an OpenID Connect provider (docs/design/accounts.md 4.1):
//
//   GET  /api/auth/providers       the configured provider, for the pages' button
//   GET  /api/auth/oidc/start      302 to the provider: code flow, PKCE S256,
//                                  state, nonce, and a cookie binding the
//                                  sign-in to this browser
//   GET  /api/auth/oidc/callback   the provider sends the browser back here:
//                                  the state is taken (single use) and must be
//                                  this browser's, the code is redeemed and the
//                                  ID token verified (api/oidc), the account
//                                  found, linked or created; 303 to the pages
//                                  with a one-time exchange code
//   POST /api/auth/oidc/exchange   that code (and the cookie) for the usual
//                                  session; no token is ever in a URL
//
// Every check comes before the first command: a refused sign-in records
// nothing. A browser (Accept: text/html) is sent to the login page with the
// refusal's code (#/login?oidc_error=...), other clients get the problem.
// The provider's calls block on the network: they run on ctx.oidc_workers.
#include <sodium.h>

#include <cctype>

#include "api/auth/email_token.h"
#include "api/oidc/provider.h"
#include "api/rest/requests/fields.h"
#include "api/rest/routes/context.h"
#include "api/rest/routes/session.h"
#include "commands/command.h"
#include "core/text.h"
#include "projections/users.h"

namespace orderly::api::rest::routes {

namespace {

using namespace commands;

constexpr std::string_view kCallbackPath = "/api/auth/oidc/callback";
constexpr int kCookieMaxAgeS = 600;

bool https(std::string_view public_url) {
  return public_url.starts_with("https://");
}

// On https the __Host- prefix: the browser then refuses the cookie unless
// it is Secure, host-only and for Path=/ (a sibling subdomain cannot plant
// its own binding). Plain http (loopback tests) keeps it to the sign-in's paths.
std::string cookie_name(std::string_view public_url) {
  return https(public_url) ? "__Host-orderly_oidc" : "orderly_oidc";
}

std::string set_cookie(std::string_view public_url, std::string_view value, int max_age_s) {
  std::string c = cookie_name(public_url) + "=" + std::string(value) +
                  "; HttpOnly; SameSite=Lax; Max-Age=" + std::to_string(max_age_s);
  c += https(public_url) ? "; Secure; Path=/" : "; Path=/api/auth/oidc";
  return c;
}

// The value of cookie `name` in the request's Cookie header, or "".
std::string cookie_value(const http::Request& request, std::string_view name) {
  std::string_view header = request.header("cookie");
  while (!header.empty()) {
    const size_t end = header.find(';');
    std::string_view pair = header.substr(0, end);
    header = end == std::string_view::npos ? std::string_view() : header.substr(end + 1);
    while (!pair.empty() && pair.front() == ' ')
      pair.remove_prefix(1);
    if (pair.size() > name.size() && pair.starts_with(name) && pair[name.size()] == '=')
      return std::string(pair.substr(name.size() + 1));
  }
  return {};
}

// Every byte but ALPHA / DIGIT / "-._~" as %XX: a value inside a URL.
std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

bool wants_html(const http::Request& request) {
  return request.header("accept").find("text/html") != std::string_view::npos;
}

http::Response redirect(int status, std::string location) {
  http::Response r;
  r.status = status;
  r.content_type = "text/plain";
  r.header("Location", std::move(location));
  r.header("Cache-Control", "no-store");
  r.header("Referrer-Policy", "no-referrer");
  return r;
}

// For a browser, every refusal of this call (from here or from a command
// it runs) becomes a 303 to the login page naming the problem's code; the
// problem itself says nothing a page could not show.
void refusals_to_login_page(Context& ctx, const CallPtr& call) {
  if (!wants_html(call->request))
    return;
  call->respond = [public_url = ctx.public_url(),
                   inner = std::move(call->respond)](http::Response r) {
    if (r.status < 400)
      return inner(std::move(r));
    boost::system::error_code ec;
    const json::value body = json::parse(r.body, ec);
    const json::value* code =
        !ec && body.is_object() ? body.as_object().if_contains("code") : nullptr;
    std::string name =
        code != nullptr && code->is_string() ? std::string(code->as_string()) : "internal";
    // Our own snake_case codes only, whatever the body held.
    if (name.empty() || name.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") != std::string::npos)
      name = "internal";
    http::Response to_login = redirect(303, public_url + "/#/login?oidc_error=" + name);
    for (auto& [k, v] : r.headers) {
      if (k == "X-Request-Id" || k == "Set-Cookie")
        to_login.header(k, v);
    }
    inner(std::move(to_login));
  };
}

// A path of the pages to come back to: "/", "/cart", "/orders/123?x=1";
// never another origin ("//evil", "/\\evil", "https://...").
std::optional<std::string> valid_return_to(std::string_view path) {
  if (path.empty() || path.size() > 512 || path.front() != '/' || path.starts_with("//"))
    return std::nullopt;
  for (const char ch : path) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x21 || c > 0x7e || c == '\\')
      return std::nullopt;
  }
  return std::string(path);
}

// The provider's Status codes (api/oidc/provider.h) as the sign-in's problems.
http::Response provider_problem(const Status& st) {
  switch (st.code()) {
    case ErrorCode::kUnauthorized:
      return problem(401, "oidc_token_invalid", st.message());
    case ErrorCode::kInvalidArgument:
      return problem(400, "oidc_provider_error", st.message());
    default:
      return problem(502, "oidc_unavailable", st.message());
  }
}

// 503 with Retry-After: the sign-in may work in a few seconds.
http::Response try_again(std::string_view code, std::string_view detail) {
  http::Response r = problem(503, code, detail);
  r.header("Retry-After", "5");
  return r;
}

void providers(Context& ctx, const CallPtr& call) {
  json::array items;
  if (ctx.options.oidc_provider) {
    items.push_back(json::object{{"name", ctx.options.oidc_provider->name()},
                                 {"start_url", "/api/auth/oidc/start"}});
  }
  call->answer(json_response(200, json::object{{"items", std::move(items)}}));
}

void start(Context& ctx, const CallPtr& call) {
  if (!ctx.options.oidc_provider)
    return call->answer(problem(404, "not_found", "no OpenID provider is configured"));
  refusals_to_login_page(ctx, call);
  const auto asked = call->query("return_to");
  const auto return_to = valid_return_to(asked.value_or("/"));
  if (!return_to) {
    return call->answer(problem(422, "validation_failed", "return_to must be a path of this shop",
                                {{"return_to", "must be a path starting with a single '/'"}}));
  }
  const std::string public_url = ctx.public_url();
  if (public_url.empty())
    return call->answer(try_again("oidc_unavailable", "the server is still starting; retry"));
  const bool queued = ctx.oidc_workers.submit([&ctx, call, return_to = *return_to, public_url] {
    const OidcStart s = ctx.oidc_flows.start(return_to, now_us());
    auto url = ctx.options.oidc_provider->authorization_url(
        {public_url + std::string(kCallbackPath), s.state, s.nonce, s.code_challenge});
    if (!url)
      return call->answer(try_again("oidc_unavailable", url.status().message()));
    http::Response r = redirect(302, *url);
    r.header("Set-Cookie", set_cookie(public_url, s.binding, kCookieMaxAgeS));
    call->answer(std::move(r));
  });
  if (!queued)
    call->answer(try_again("overloaded", "too many sign-ins at once; retry"));
}

// A username from the email's local part: [A-Za-z0-9_.-], 3 to 32 characters.
std::string username_from(std::string_view email, int attempt) {
  std::string name;
  for (const char c : email.substr(0, email.find('@'))) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-')
      name += c;
  }
  if (name.size() < 3)
    name = "user" + name;
  name.resize(std::min<size_t>(name.size(), attempt == 0 ? 32 : 27));
  if (attempt > 0) {
    // Another account has the name: "-" and four random digits.
    name += "-" + std::to_string(1000 + randombytes_uniform(9000));
  }
  return name;
}

// Answers the callback: a one-time code for `user_id` and 303 to the pages.
void answer_signed_in(Context& ctx, const CallPtr& call, const std::string& user_id,
                      const std::string& binding_hash, const std::string& return_to) {
  const std::string code = ctx.oidc_flows.issue_code(user_id, binding_hash, now_us());
  call->answer(redirect(
      303, ctx.public_url() + "/#/oidc?code=" + code + "&next=" + percent_encode(return_to)));
}

void register_account(Context& ctx, const CallPtr& call, const oidc::Identity& who,
                      const std::string& binding_hash, const std::string& return_to, int attempt) {
  RegisterUser reg;
  reg.user_id = new_id_value();
  reg.username = username_from(who.email, attempt);
  reg.email = normalize_email(who.email);
  // No password: the account signs in at the provider (a password can be
  // set later through a reset).
  reg.identity_issuer = who.issuer;
  reg.identity_subject = who.subject;
  reg.email_verified = who.email_verified;
  CommandMeta meta;
  meta.now = now_us();
  if (!who.email_verified) {
    // The provider did not vouch for the address: verify it as a password
    // registration does.
    const auth::EmailToken t =
        auth::new_email_token(ctx.jwt_secret, auth::EmailTokenPurpose::kVerifyEmail, reg.user_id);
    reg.verify_token_id = t.token_id;
    reg.verify_token_hash = t.hash;
    reg.verify_expires_at = meta.now + ctx.options.email_verification_ttl_s * 1'000'000;
  }
  const std::string user_id = reg.user_id.to_string();
  // Not ctx.run: a taken username is tried again with another, not answered.
  ctx.processor.submit(
      reg, meta,
      [&ctx, call, who, binding_hash, return_to, attempt, user_id](Result<CommandReply> reply) {
        // Another account has the username: try another (3 times).
        if (!reply && reply.status().code() == ErrorCode::kAlreadyExists && attempt < 3 &&
            !reply.status().fields().empty() && reply.status().fields()[0].field == "username") {
          return register_account(ctx, call, who, binding_hash, return_to, attempt + 1);
        }
        if (!reply)
          return call->fail(reply.status());
        ctx.waiter.when_applied("users", reply->last_position, ctx.options.min_position_wait,
                                [&ctx, call, user_id, binding_hash, return_to](bool) {
                                  answer_signed_in(ctx, call, user_id, binding_hash, return_to);
                                });
      });
}

// Step 5 of the flow: the account of this identity, else the account with
// its email when both the provider and the account have verified it (the
// identity is linked), else a new account; else 409 account_conflict. An
// inactive account is 403. Every refusal comes before the first command.
void sign_in(Context& ctx, const CallPtr& call, const oidc::Identity& who,
             const std::string& binding_hash, const std::string& return_to) {
  auto users = ctx.model<projections::UsersReadModel>("users");
  if (auto row = users->find_by_identity(who.issuer, who.subject)) {
    if (!row->active())
      return call->answer(problem(403, "forbidden", "this account is deactivated"));
    return answer_signed_in(ctx, call, row->id, binding_hash, return_to);
  }
  if (who.email.empty()) {
    return call->answer(problem(400, "oidc_provider_error",
                                "the provider gave no email address: allow the email scope"));
  }
  auto row = users->find_by_email(normalize_email(who.email));
  if (!row)
    return register_account(ctx, call, who, binding_hash, return_to, 0);
  if (!who.email_verified || !row->email_verified) {
    return call->answer(problem(409, "account_conflict",
                                "an account with this email exists; log in with its password"));
  }
  if (!row->active())
    return call->answer(problem(403, "forbidden", "this account is deactivated"));
  const auto user_id = Uuid::parse(row->id);
  CommandMeta meta;
  meta.actor = *user_id;  // the provider has proven who they are
  meta.now = now_us();
  ctx.run(
      call, LinkIdentity{*user_id, who.issuer, who.subject, normalize_email(who.email)}, meta,
      "users",
      [&ctx, user_id = row->id, binding_hash, return_to](const CallPtr& call, const CommandReply&) {
        answer_signed_in(ctx, call, user_id, binding_hash, return_to);
      });
}

void callback(Context& ctx, const CallPtr& call) {
  if (!ctx.options.oidc_provider)
    return call->answer(problem(404, "not_found", "no OpenID provider is configured"));
  refusals_to_login_page(ctx, call);
  const std::string public_url = ctx.public_url();
  const std::string binding = cookie_value(call->request, cookie_name(public_url));
  const auto flow = ctx.oidc_flows.take(call->query("state").value_or(""), binding, now_us());
  if (!flow) {
    return call->answer(problem(400, "oidc_state_invalid",
                                "this sign-in is unknown, expired, used already, or was started "
                                "in another browser: start again"));
  }
  if (auto error = call->query("error")) {
    return call->answer(
        problem(400, "oidc_provider_error", "the provider answered " + error->substr(0, 64)));
  }
  const auto code = call->query("code");
  if (!code || code->empty())
    return call->answer(problem(400, "oidc_provider_error", "the provider sent no code"));
  const bool queued = ctx.oidc_workers.submit([&ctx, call, flow = *flow, code = *code, public_url] {
    auto who = ctx.options.oidc_provider->redeem(
        {code, flow.verifier, flow.nonce, public_url + std::string(kCallbackPath)});
    if (!who) {
      ctx.log->warn("OpenID sign-in refused: {}", who.status().message());
      return call->answer(provider_problem(who.status()));
    }
    ctx.when_accounts_loaded(call, [&ctx, call, who = *who, flow] {
      sign_in(ctx, call, who, flow.binding_hash, flow.return_to);
    });
  });
  if (!queued)
    call->answer(try_again("overloaded", "too many sign-ins at once; retry"));
}

void exchange(Context& ctx, const CallPtr& call) {
  auto body = call->json_body();
  if (!body)
    return;
  requests::Fields fields(*body);
  const auto code = fields.str("code", true, 256);
  fields.only({"code"});
  if (!fields.ok() || !code)
    return call->answer(
        problem(422, "validation_failed", "send {\"code\": \"...\"}", fields.errors()));
  const std::string public_url = ctx.public_url();
  const auto user_id = ctx.oidc_flows.redeem_code(
      *code, cookie_value(call->request, cookie_name(public_url)), now_us());
  auto user =
      user_id ? ctx.model<projections::UsersReadModel>("users")->get(*user_id) : std::nullopt;
  if (!user) {
    return call->answer(problem(400, "invalid_token",
                                "this sign-in code is unknown, expired, used already, or for "
                                "another browser: sign in again"));
  }

  // The binding has done its work: the browser forgets it.
  call->respond = [clear = set_cookie(public_url, "", 0),
                   inner = std::move(call->respond)](http::Response r) {
    r.header("Set-Cookie", clear);
    r.header("Cache-Control", "no-store");
    inner(std::move(r));
  };
  if (!user->active())
    return call->answer(problem(403, "forbidden", "this account is deactivated"));
  start_user_session(ctx, call, 200, *user);
}

}  // namespace

void add_oidc_routes(Context& ctx) {
  ctx.route("GET", "/api/auth/providers", Access::kAnyone, providers);
  ctx.route("GET", "/api/auth/oidc/start", Access::kAnyone, start);
  ctx.route("GET", "/api/auth/oidc/callback", Access::kAnyone, callback);
  ctx.route("POST", "/api/auth/oidc/exchange", Access::kAnyone, exchange);
}

}  // namespace orderly::api::rest::routes
