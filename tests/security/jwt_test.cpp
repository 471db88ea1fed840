// Forged access tokens against a real `orderly serve`: algorithm confusion,
// every spelling of `alg: none`, key hints in the header, tampering with
// every character, expiry and not-before, and users the engine does not
// have. Every refusal is 401 `unauthorized`; the controls (the same token
// made properly) are accepted, so a refusal cannot come from a broken forge.
#include <doctest/doctest.h>

#include <fstream>

#include "tests/security/checks.h"
#include "tests/security/forged_jwt.h"

using namespace orderly::testing;

namespace {

const std::vector<std::string> kNoLimits = {"--rate-limit-ip", "0", "--rate-limit-user", "0"};

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

struct Target {
  HttpClient& c;
  // GET /api/auth/me with this token: 200 or 401.
  HttpResult me(const std::string& token) { return c.send("GET", "/api/auth/me", token); }
  bool accepted(const std::string& token) { return me(token).status == 200; }
  bool refused(const std::string& token) { return is_problem(me(token), 401, "unauthorized"); }
};

// An engine without rate limits, ada registered, a client and its Target.
struct Engine {
  OrderlyServer server{kNoLimits};
  HttpClient c = server.client();
  Target t{c};
  const Session ada = server.register_user("ada");

  // The HS256 secret the engine keeps in its data directory.
  std::string jwt_secret() const { return read_text_file(server.data_dir() + "/jwt.secret"); }
};

}  // namespace

TEST_CASE_FIXTURE(Engine, "jwt: algorithm confusion and alg none in every spelling are refused") {
  const std::string secret = jwt_secret();
  REQUIRE(secret.size() >= 32);
  const std::string payload = claims(ada.id, "customer", unix_now() + 600);

  // The control: the forge makes tokens the engine accepts.
  REQUIRE(t.accepted(forge_jwt(kHs256Header, payload, secret)));
  REQUIRE(t.accepted(ada.access_token));

  // Another HMAC named, with an HS256 MAC under the right secret, or its own MAC.
  for (const std::string alg :
       {"HS384", "HS512", "hs256", "HS256 ", "RS256", "ES256", "PS256", "EdDSA", "HS", ""}) {
    CAPTURE(alg);
    const std::string header = R"({"alg":")" + alg + R"(","typ":"JWT"})";
    CHECK(t.refused(forge_jwt(header, payload, secret, Mac::kHs256)));
    CHECK(t.refused(forge_jwt(header, payload, secret, Mac::kHs512)));
  }
  // RS256 "verified" with the secret as the key (the classic public-key-as-
  // HMAC-secret confusion), and the alg in forms that are not a string.
  for (const std::string& header :
       {std::string(R"({"alg":"RS256","typ":"JWT","kid":"jwt.secret"})"),
        std::string(R"({"alg":["HS256"],"typ":"JWT"})"), std::string(R"({"alg":null})"),
        std::string(R"({"alg":256})"), std::string(R"({"typ":"JWT"})"), std::string("{}"),
        std::string("[]"), std::string("null"), std::string(R"({"alg":"HS256")")}) {
    CAPTURE(header);
    CHECK(t.refused(forge_jwt(header, payload, secret, Mac::kHs256)));
  }

  // alg none: any case, with no signature, with an empty one, with a real
  // one copied over, with two parts only; also as an admin.
  const std::string admin_payload = claims(ada.id, "admin", unix_now() + 600);
  for (const std::string none : {"none", "None", "NONE", "nOnE", "none "}) {
    CAPTURE(none);
    const std::string header = R"({"alg":")" + none + R"(","typ":"JWT"})";
    const std::string unsigned_token = forge_jwt(header, payload, "", Mac::kNone);
    CHECK(t.refused(unsigned_token));
    CHECK(t.refused(unsigned_token.substr(0, unsigned_token.size() - 1)));  // no last dot
    const std::string real_mac = ada.access_token.substr(ada.access_token.rfind('.') + 1);
    CHECK(t.refused(unsigned_token + real_mac));
    CHECK(t.refused(forge_jwt(header, payload, secret, Mac::kHs256)));
    CHECK(c.send("GET", "/api/stats/dashboard", forge_jwt(header, admin_payload, "", Mac::kNone))
              .status == 401);
  }
  // HS256 named, but no signature at all.
  CHECK(t.refused(forge_jwt(kHs256Header, payload, "", Mac::kNone)));

  // The feed checks tokens the same way.
  CHECK(WsClient(server.port(), "/ws/notifications?access_token=" +
                                    forge_jwt(R"({"alg":"none"})", payload, "", Mac::kNone))
            .status() == 401);
  CHECK(WsClient(server.port(), "/ws/notifications?access_token=" +
                                    forge_jwt(R"({"alg":"HS512"})", payload, secret, Mac::kHs512))
            .status() == 401);
}

TEST_CASE_FIXTURE(Engine,
                  "jwt: key hints in the header (kid, jku, jwk, typ) never choose the key") {
  const std::string secret = jwt_secret();
  const std::string payload = claims(ada.id, "customer", unix_now() + 600);

  // Signed with the engine's secret, whatever the header says: accepted.
  // The header's hints are not used to find a key at all.
  for (const std::string& header :
       {std::string(R"({"alg":"HS256"})"), std::string(R"({"alg":"HS256","typ":"at+jwt"})"),
        std::string(R"({"alg":"HS256","typ":"none"})"),
        std::string(R"({"alg":"HS256","kid":"../../../../../../dev/null"})"),
        std::string(R"({"alg":"HS256","jku":"http://127.0.0.1:1/jwks.json"})")}) {
    CAPTURE(header);
    CHECK(t.accepted(forge_jwt(header, payload, secret)));
  }
  // Signed with the key the hint points at: refused.
  const std::string hostname = read_text_file("/etc/hostname");
  const std::string attacker_key = "attacker-chosen-key-of-32-bytes!";
  const struct {
    std::string header, key;
  } hinted[] = {
      {R"({"alg":"HS256","kid":"/dev/null"})", ""},
      {R"({"alg":"HS256","kid":"../../../../../../dev/null"})", ""},
      {R"({"alg":"HS256","kid":"../../../../../../etc/hostname"})", hostname},
      {R"({"alg":"HS256","kid":"jwt.secret"})", "jwt.secret"},
      {R"({"alg":"HS256","kid":"' UNION SELECT 'k' --"})", "k"},
      {R"({"alg":"HS256","jwk":{"kty":"oct","k":")" + orderly::api::auth::base64url(attacker_key) +
           R"("}})",
       attacker_key},
      {R"({"alg":"HS256","jku":"http://127.0.0.1:1/jwks.json","kid":"a"})", attacker_key},
  };
  for (const auto& h : hinted) {
    CAPTURE(h.header);
    CHECK(t.refused(forge_jwt(h.header, payload, h.key)));
  }
}

TEST_CASE_FIXTURE(Engine,
                  "jwt: changing any character of a token, or re-encoding a part, is refused") {
  const Session bob = server.register_user("bob");
  const std::string token = ada.access_token;
  REQUIRE(t.accepted(token));
  const size_t dot1 = token.find('.'), dot2 = token.rfind('.');
  const std::string header = token.substr(0, dot1);
  const std::string body = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string mac = token.substr(dot2 + 1);

  // Every position, two substitutions each (the next letter of the alphabet,
  // and one with only the lowest bit of its 6 changed).
  int tried = 0;
  for (size_t i = 0; i < token.size(); ++i) {
    if (token[i] == '.')
      continue;
    const size_t k = kAlphabet.find(token[i]);
    REQUIRE(k != std::string_view::npos);
    for (const size_t other : {(k + 1) % 64, k ^ 1}) {
      std::string changed = token;
      changed[i] = kAlphabet[other];
      CAPTURE(i);
      CHECK(t.refused(changed));
      ++tried;
    }
  }
  // The last character of each part in all its other values: base64url's
  // unused low bits must not make two spellings of one token.
  for (const size_t end : {dot1 - 1, dot2 - 1, token.size() - 1}) {
    for (char ch : kAlphabet) {
      if (ch == token[end])
        continue;
      std::string changed = token;
      changed[end] = ch;
      CAPTURE(end);
      CHECK(t.refused(changed));
      ++tried;
    }
  }
  // Shapes: parts dropped, added, swapped, padded, spaced.
  for (const std::string& shape :
       {header + "." + body, header + "." + body + "." + mac + "." + mac,
        body + "." + header + "." + mac, header + "." + body + "." + mac + "=",
        header + "=." + body + "." + mac, header + "." + body + "." + mac.substr(0, mac.size() - 1),
        header + ".." + mac, "." + body + "." + mac, " " + token, header + "." + body + ". " + mac,
        std::string("")}) {
    CAPTURE(shape);
    CHECK(c.send("GET", "/api/auth/me", "", "", {{"Authorization", "Bearer " + shape}}).status ==
          401);
    ++tried;
  }
  // Claims swapped under Ada's signature: Bob's id, the admin role, the
  // same claims spelled with other bytes.
  const std::string mine = *orderly::api::auth::from_base64url(body);
  std::string as_bob = mine;
  as_bob.replace(as_bob.find(ada.id), ada.id.size(), bob.id);
  std::string as_admin = mine;
  as_admin.replace(as_admin.find("customer"), 8, "admin");
  std::string spaced = mine;
  spaced.insert(1, " ");
  for (const auto& forged : {as_bob, as_admin, spaced}) {
    CAPTURE(forged);
    CHECK(t.refused(header + "." + orderly::api::auth::base64url(forged) + "." + mac));
    ++tried;
  }
  // Bob's MAC on Ada's claims.
  CHECK(t.refused(header + "." + body + "." +
                  bob.access_token.substr(bob.access_token.rfind('.') + 1)));
  MESSAGE(tried << " altered tokens refused");
}

TEST_CASE_FIXTURE(Engine, "jwt: exp, nbf and the claims themselves are enforced") {
  const std::string secret = jwt_secret();
  const int64_t now = unix_now();
  auto signed_with = [&](const std::string& payload) {
    return forge_jwt(kHs256Header, payload, secret);
  };

  CHECK(t.accepted(signed_with(claims(ada.id, "customer", now + 120))));
  auto expired = t.me(signed_with(claims(ada.id, "customer", now - 5)));
  CHECK(is_problem(expired, 401, "unauthorized"));
  CHECK(str(expired.json(), "detail").find("expired") != std::string::npos);
  CHECK(t.refused(signed_with(claims(ada.id, "customer", 0))));
  CHECK(t.refused(signed_with(claims(ada.id, "customer", -1))));
  // Not before: a token that is not valid yet is refused until its time.
  CHECK(t.refused(signed_with(
      claims(ada.id, "customer", now + 7200, R"(,"nbf":)" + std::to_string(now + 3600)))));
  CHECK(t.refused(signed_with(claims(ada.id, "customer", now + 600, R"(,"nbf":"soon")"))));
  CHECK(t.accepted(
      signed_with(claims(ada.id, "customer", now + 600, R"(,"nbf":)" + std::to_string(now - 10)))));

  // Claims missing or of the wrong type.
  const std::string exp = std::to_string(now + 600);
  for (const std::string& payload :
       {R"({"sub":")" + ada.id + R"(","role":"customer"})",
        R"({"sub":")" + ada.id + R"(","role":"customer","exp":")" + exp + R"("})",
        R"({"sub":")" + ada.id + R"(","role":"customer","exp":null})",
        R"({"sub":")" + ada.id + R"(","role":"customer","exp":1e300})",
        R"({"role":"customer","exp":)" + exp + "}",
        R"({"sub":")" + ada.id + R"(","exp":)" + exp + "}",
        R"({"sub":")" + ada.id + R"(","role":"root","exp":)" + exp + "}",
        R"({"sub":42,"role":"customer","exp":)" + exp + "}",
        R"({"sub":"ada","role":"customer","exp":)" + exp + "}",
        R"({"sub":"../../user-)" + ada.id + R"(","role":"customer","exp":)" + exp + "}",
        std::string("[]"), std::string("\"x\""), std::string("{")}) {
    CAPTURE(payload);
    CHECK(t.refused(signed_with(payload)));
  }
}

TEST_CASE("jwt: a well-signed token for a user this engine does not have is refused") {
  // Two engines sharing one secret file (a copied configuration): users of
  // the first, its admin included, are nobody on the second.
  TempDir keys;
  const std::string secret_file = keys.path() + "/shared.secret";
  std::ofstream(secret_file) << "a-shared-secret-of-at-least-32-bytes-long";
  OrderlyServer first({"--jwt-secret-file", secret_file, "--rate-limit-ip", "0"});
  OrderlyServer second({"--jwt-secret-file", secret_file, "--rate-limit-ip", "0"});
  const Session ada = first.register_user("ada");
  const Session first_admin = first.admin();
  const Session second_admin = second.admin();
  HttpClient on_first = first.client(), on_second = second.client();
  REQUIRE(on_first.send("GET", "/api/auth/me", ada.access_token).status == 200);
  CHECK(is_problem(on_second.send("GET", "/api/auth/me", ada.access_token), 401, "unauthorized"));
  CHECK(is_problem(on_second.send("GET", "/api/stats/dashboard", first_admin.access_token), 401,
                   "unauthorized"));
  CHECK(on_second.send("GET", "/api/stats/dashboard", second_admin.access_token).status == 200);
  // Ada's refresh token is nobody's on the second engine either.
  CHECK(is_problem(on_second.send("POST", "/api/auth/refresh", "",
                                  R"({"refresh_token":")" + ada.refresh_token + R"("})"),
                   401, "unauthorized"));
}

TEST_CASE_FIXTURE(Engine,
                  "jwt: the engine's access tokens carry sub, role and the account's email") {
  auto claims = orderly::api::auth::verify_jwt(ada.access_token, jwt_secret(), unix_now());
  REQUIRE(claims.is_ok());
  CHECK(claims->sub == ada.id);
  CHECK(claims->role == "customer");
  CHECK(claims->email == "ada@example.com");
  // Logging in and refreshing issue the same claims.
  const Session again = server.login("ada@example.com", "password-of-ada");
  auto login_claims = orderly::api::auth::verify_jwt(again.access_token, jwt_secret(), unix_now());
  REQUIRE(login_claims.is_ok());
  CHECK(login_claims->email == "ada@example.com");
  const Session rotated = session_of(post_refresh(c, again.refresh_token));
  auto refreshed = orderly::api::auth::verify_jwt(rotated.access_token, jwt_secret(), unix_now());
  REQUIRE(refreshed.is_ok());
  CHECK(refreshed->email == "ada@example.com");
}
