// Secrets never leak: a journey with known passwords (right and wrong),
// refreshes, reuse, logout, forged tokens and a token in a WebSocket URL
// against a real `orderly serve --log-format json`, then every error body,
// the admin audit views, the engine's whole log (stderr) and stdout, the
// outbox emails, and `orderly replay` / `orderly inspect` over its data
// are searched for the passwords, any argon2 hash, the JWT signing secret
// and every access and refresh token issued.
#include <doctest/doctest.h>

#include <filesystem>

#include "tests/security/checks.h"
#include "tests/security/forged_jwt.h"
#include "tests/support/json_fields.h"
#include "tests/support/orderly_server.h"

using namespace orderly::testing;

namespace {

constexpr const char* kAdminPassword = "Admin-Pass-c4e19a07";
constexpr const char* kAdaPassword = "Ada-Pass-9f2c71e4";

struct Journey {
  struct Answer {
    std::string label;
    HttpResult result;
  };
  std::vector<Answer> answers;
  std::vector<std::string> fixed;   // passwords, hashes, the signing secret: never anywhere
  std::vector<std::string> tokens;  // handed out once, then never printed or echoed

  // A password as written, and as it reads inside a JSON string.
  void add_fixed(const std::string& secret) {
    fixed.push_back(secret);
    const std::string quoted = json::serialize(json::string(secret));
    if (quoted.substr(1, quoted.size() - 2) != secret)
      fixed.push_back(quoted.substr(1, quoted.size() - 2));
  }
  std::vector<std::string> all() const {
    std::vector<std::string> out = fixed;
    out.insert(out.end(), tokens.begin(), tokens.end());
    return out;
  }

  HttpResult keep(const std::string& label, HttpResult r) {
    answers.push_back({label, r});
    // Every token the engine hands out is a secret from then on.
    const auto v = r.json();
    if (const auto* o = v.if_object()) {
      for (const char* key : {"access_token", "refresh_token"}) {
        if (o->contains(key) && o->at(key).is_string()) {
          const std::string token = str(v, key);
          tokens.push_back(token);
          tokens.push_back(token.substr(token.rfind('.') + 1));  // its signature or secret part
        }
      }
    }
    return r;
  }
};

std::string login_body(const std::string& field, const std::string& who, const std::string& pw) {
  return json::serialize(json::object{{field, who}, {"password", pw}});
}

// Each line of `text` that holds a secret, named (the secret itself is
// not repeated in the failure message).
std::vector<std::string> leaks(const std::string& where, const std::string& text,
                               const std::vector<std::string>& secrets) {
  std::vector<std::string> found;
  for (size_t i = 0; i < secrets.size(); ++i) {
    if (!secrets[i].empty() && text.find(secrets[i]) != std::string::npos)
      found.push_back(where + " holds secret #" + std::to_string(i) + " (" +
                      secrets[i].substr(0, 6) + "...)");
  }
  return found;
}

}  // namespace

TEST_CASE("secrets: no password, hash, signing secret or token in logs, errors, replay or emails") {
  OrderlyServer server({}, {.admin_password = kAdminPassword, .log_file = "serve.log"});
  HttpClient c(server.port());
  Journey j;
  const std::vector<std::string> wrong_passwords = {"Wrong-Guess-5b8d01", "Nobody-Pass-a1b2c3",
                                                    "Quote\"And\\Newline\nPass-e6f0",
                                                    std::string(300, 'w') + "-long-guess"};
  const std::string reg_fail_password = "RegFail-Pass-3d8a55";
  const std::string duplicate_password = "Dup-Pass-77ab12cd";
  for (const std::string secret : {kAdminPassword, kAdaPassword, "Short-1", "$argon2"})
    j.add_fixed(secret);
  for (const auto& secret : wrong_passwords)
    j.add_fixed(secret);
  j.add_fixed(reg_fail_password);
  j.add_fixed(duplicate_password);
  j.add_fixed(orderly::api::auth::base64url(std::string("ada:") + kAdaPassword));  // as Basic auth
  const std::string jwt_secret = read_text_file(server.data_dir() + "/jwt.secret");
  REQUIRE(jwt_secret.size() >= 32);
  j.add_fixed(jwt_secret);

  // Registration: one that works, one refused for its username, a duplicate.
  auto reg = j.keep("register", c.send("POST", "/api/auth/register", "",
                                       json::serialize(json::object{{"username", "ada"},
                                                                    {"email", "ada@example.com"},
                                                                    {"password", kAdaPassword}})));
  REQUIRE(reg.status == 201);
  const Session ada = session_of(reg);
  CHECK(j.keep("register invalid",
               c.send("POST", "/api/auth/register", "",
                      json::serialize(json::object{{"username", "a"},
                                                   {"email", "not-an-email"},
                                                   {"password", reg_fail_password}})))
            .status == 422);
  CHECK(j.keep("register short password",
               c.send("POST", "/api/auth/register", "",
                      R"({"username":"eve","email":"eve@example.com","password":"Short-1"})"))
            .status == 422);
  CHECK(j.keep("register duplicate",
               c.send("POST", "/api/auth/register", "",
                      json::serialize(json::object{{"username", "ada"},
                                                   {"email", "ada2@example.com"},
                                                   {"password", duplicate_password}})))
            .status == 409);

  // Logins: right, by username, and wrong in several ways.
  REQUIRE(j.keep("login", c.send("POST", "/api/auth/login", "",
                                 login_body("email", "ada@example.com", kAdaPassword)))
              .status == 200);
  auto by_name = j.keep("login by username", c.send("POST", "/api/auth/login", "",
                                                    login_body("username", "ada", kAdaPassword)));
  REQUIRE(by_name.status == 200);
  for (const auto& pw : wrong_passwords) {
    CHECK(j.keep("wrong password",
                 c.send("POST", "/api/auth/login", "", login_body("email", "ada@example.com", pw)))
              .status == 401);
    CHECK(j.keep("unknown user",
                 c.send("POST", "/api/auth/login", "", login_body("username", "nobody", pw)))
              .status == 401);
  }
  CHECK(j.keep("login without email", c.send("POST", "/api/auth/login", "",
                                             login_body("password", kAdaPassword, kAdaPassword)))
            .status == 422);

  // Refresh, reuse of the retired token (the family is revoked), logout.
  auto refreshed = j.keep("refresh", c.send("POST", "/api/auth/refresh", "",
                                            R"({"refresh_token":")" + ada.refresh_token + R"("})"));
  REQUIRE(refreshed.status == 200);
  CHECK(j.keep("refresh reuse", c.send("POST", "/api/auth/refresh", "",
                                       R"({"refresh_token":")" + ada.refresh_token + R"("})"))
            .status == 401);
  const Session named = session_of(by_name);
  // A token in a URL (the WebSocket feed takes one there), while its
  // session is live (a logged-out session's token opens no feed).
  {
    WsClient feed(server.port(), "/ws/notifications?access_token=" + named.access_token);
    CHECK(feed.status() == 101);
  }
  CHECK(j.keep("logout", c.send("POST", "/api/auth/logout", named.access_token,
                                R"({"refresh_token":")" + named.refresh_token + R"("})"))
            .status == 204);
  // The logged-out session's access token is refused from now on (issue
  // 21); the rest goes on in a new session.
  CHECK(j.keep("after logout", c.send("GET", "/api/auth/me", named.access_token)).status == 401);
  auto again = j.keep("login again", c.send("POST", "/api/auth/login", "",
                                            login_body("username", "ada", kAdaPassword)));
  REQUIRE(again.status == 200);
  const Session live = session_of(again);
  CHECK(j.keep("logout a revoked token",
               c.send("POST", "/api/auth/logout", live.access_token,
                      R"({"refresh_token":")" + ada.refresh_token + R"("})"))
            .status == 204);

  // Bad credentials on requests: forged, tampered, the password as Basic
  // auth, a refresh token as a bearer token.
  const std::string forged =
      forge_jwt(R"({"alg":"none"})", claims(ada.id, "admin", unix_now() + 60), "", Mac::kNone);
  CHECK(j.keep("alg none", c.send("GET", "/api/stats/dashboard", forged)).status == 401);
  CHECK(j.keep("tampered", c.send("GET", "/api/auth/me", live.access_token + "x")).status == 401);
  CHECK(j.keep("basic auth",
               c.request("GET", "/api/auth/me", "",
                         {{"Authorization", "Basic " + orderly::api::auth::base64url(
                                                           std::string("ada:") + kAdaPassword)}}))
            .status == 401);
  CHECK(j.keep("refresh as bearer", c.send("GET", "/api/auth/me", live.refresh_token)).status ==
        401);
  CHECK(j.keep("me", c.send("GET", "/api/auth/me", live.access_token)).status == 200);
  // An order, so the log and the outbox have Ada's email in them.
  const std::string cup = product_id(c, "espresso");
  CHECK(j.keep("order", order_one(c, live, cup)).status == 201);
  // The admin's audit views of the log and of Ada's stream.
  auto admin =
      j.keep("admin login", c.send("POST", "/api/auth/login", "",
                                   login_body("email", "admin@example.com", kAdminPassword)));
  REQUIRE(admin.status == 200);
  const Session root = session_of(admin);
  auto events =
      j.keep("admin events", c.send("GET", "/api/admin/events?limit=1000", root.access_token));
  CHECK(events.status == 200);
  CHECK(events.body.find("\"password_hash\":\"[redacted]\"") != std::string::npos);
  CHECK(
      j.keep("admin stream", c.send("GET", "/api/admin/streams/user-" + ada.id, root.access_token))
          .status == 200);

  // Every answer: no password, hash or signing secret anywhere; tokens only
  // in the answers that hand them out, and never in an error.
  const std::vector<std::string> secrets = j.all();
  std::vector<std::string> found;
  for (const auto& a : j.answers) {
    const bool hands_out_tokens =
        a.result.status < 300 && (a.label.starts_with("register") || a.label.starts_with("login") ||
                                  a.label == "refresh" || a.label == "admin login");
    for (auto& f :
         leaks("the answer to " + a.label, a.result.body, hands_out_tokens ? j.fixed : secrets))
      found.push_back(std::move(f));
    for (const auto& [name, value] : a.result.headers)
      for (auto& f : leaks("a header of " + a.label, value, secrets))
        found.push_back(std::move(f));
  }

  // The engine's log and stdout, once it has stopped.
  REQUIRE(server.stop() == 0);
  const std::string log = read_text_file(server.log_file());
  CHECK(log.find("POST /api/auth/login 401") != std::string::npos);  // the log was captured
  size_t log_lines = 0;
  for (size_t from = 0; from < log.size();) {
    const size_t nl = log.find('\n', from);
    const std::string line = log.substr(from, nl == std::string::npos ? nl : nl - from);
    boost::system::error_code ec;
    boost::json::parse(line, ec);
    CHECK_MESSAGE(!ec, "not a JSON log line: " << line.substr(0, 200));
    ++log_lines;
    from = nl == std::string::npos ? log.size() : nl + 1;
  }
  for (auto& f : leaks("the engine's log", log, secrets))
    found.push_back(std::move(f));
  std::string out;
  for (const auto& l : server.stdout_lines())
    out += l + "\n";
  for (auto& f : leaks("the engine's stdout", out, secrets))
    found.push_back(std::move(f));

  // The audit tools over the data directory, stdout and stderr together.
  auto replay = run_command(with_stderr_to(
      server.dir().sub("tools.log"), {ORDERLY_BINARY, "replay", "--data-dir", server.data_dir()}));
  CHECK(replay.exit_code == 0);
  CHECK(replay.output.find("\"password_hash\":\"[redacted]\"") != std::string::npos);
  CHECK(replay.output.find("refresh_token_rotated") != std::string::npos);
  for (auto& f : leaks("orderly replay", replay.output, secrets))
    found.push_back(std::move(f));
  auto inspect = run_command(with_stderr_to(
      server.dir().sub("tools.log"),
      {ORDERLY_BINARY, "inspect", "user-" + ada.id, "--data-dir", server.data_dir()}));
  CHECK(inspect.exit_code == 0);
  CHECK(inspect.output.find("ada@example.com") != std::string::npos);
  for (auto& f : leaks("orderly inspect", inspect.output, secrets))
    found.push_back(std::move(f));
  for (auto& f : leaks("the tools' stderr", read_text_file(server.dir().sub("tools.log")), secrets))
    found.push_back(std::move(f));

  // The emails rendered into the outbox.
  int emails = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(server.data_dir() + "/outbox", ec)) {
    if (entry.path().extension() != ".eml")
      continue;  // a message half written
    ++emails;
    for (auto& f : leaks(entry.path().filename().string(), read_text_file(entry.path()), secrets))
      found.push_back(std::move(f));
  }

  for (const auto& f : found)
    FAIL_CHECK(f);
  CHECK(found.empty());
  MESSAGE(secrets.size() << " secrets searched for in " << j.answers.size() << " answers, "
                         << log_lines << " log lines, " << replay.output.size()
                         << " bytes of replay and " << emails << " emails: " << found.size()
                         << " found");
}
