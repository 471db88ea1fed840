// Refresh tokens against a real `orderly serve`: reusing a retired token
// revokes its whole family (the newest token included) and nothing else; a
// wrong secret for a real token neither works nor revokes; concurrent uses
// of one token let at most one through; logout kills only the session it
// names, and only its owner can name it; the ended session's access tokens
// are refused by the very next request, on any route.
#include <doctest/doctest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "tests/security/checks.h"

using namespace orderly::testing;

namespace {

const std::vector<std::string> kNoLimits = {"--rate-limit-ip", "0", "--rate-limit-user", "0"};

// The next session of a family, or a failed check.
Session rotate(HttpClient& c, const std::string& token) {
  auto r = post_refresh(c, token);
  REQUIRE(r.status == 200);
  return session_of(r);
}

// A server without rate limits: Ada logged in twice (two token families),
// Bob once.
struct AdaTwiceAndBob {
  OrderlyServer server{kNoLimits};
  HttpClient c = server.client();
  const Session ada = server.register_user("ada");
  const Session ada_other = server.login("ada@example.com", "password-of-ada");
  const Session bob = server.register_user("bob");
};

}  // namespace

TEST_CASE_FIXTURE(AdaTwiceAndBob,
                  "refresh: reusing any retired token revokes its whole family, and only that "
                  "family") {
  // Three rotations: t0 -> t1 -> t2 -> t3; each retired token is refused.
  const Session t1 = rotate(c, ada.refresh_token);
  const Session t2 = rotate(c, t1.refresh_token);
  const Session t3 = rotate(c, t2.refresh_token);
  CHECK(t3.id == ada.id);

  // t1, retired two rotations ago, comes back: theft is assumed.
  CHECK(is_problem(post_refresh(c, t1.refresh_token), 401, "unauthorized"));
  // The newest token of the family is dead, and so is every older one.
  CHECK(is_problem(post_refresh(c, t3.refresh_token), 401, "unauthorized"));
  CHECK(is_problem(post_refresh(c, t2.refresh_token), 401, "unauthorized"));
  CHECK(is_problem(post_refresh(c, ada.refresh_token), 401, "unauthorized"));
  // Ada's other login is another family: it lives on. So does Bob's.
  const Session other_next = rotate(c, ada_other.refresh_token);
  rotate(c, bob.refresh_token);
  // And the revoked family stays revoked after the other one rotates.
  CHECK(post_refresh(c, t3.refresh_token).status == 401);
  CHECK(c.send("GET", "/api/auth/me", other_next.access_token).status == 200);
}

TEST_CASE(
    "refresh: a real token id with a wrong secret, or another user's id, neither works nor "
    "revokes") {
  OrderlyServer server(kNoLimits);
  HttpClient c = server.client();
  const Session ada = server.register_user("ada");
  const Session bob = server.register_user("bob");
  const std::string& token = ada.refresh_token;  // "<user>.<token id>.<secret>"
  const size_t last_dot = token.rfind('.');
  const std::string ids = token.substr(0, last_dot + 1);
  const std::string secret = token.substr(last_dot + 1);
  std::string flipped = secret;
  flipped[0] = flipped[0] == 'A' ? 'B' : 'A';

  for (const std::string& forged :
       {ids + flipped, ids + secret.substr(0, secret.size() - 1), ids + secret + "A", ids,
        ids + "short", bob.id + token.substr(token.find('.')),
        token.substr(0, token.find('.') + 1) +
            bob.refresh_token.substr(bob.refresh_token.find('.') + 1),
        ada.access_token, token + "." + secret, std::string("")}) {
    CAPTURE(forged);
    CHECK(is_problem(post_refresh(c, forged), 401, "unauthorized"));
  }
  // None of that disturbed the real tokens: each still rotates once.
  rotate(c, ada.refresh_token);
  rotate(c, bob.refresh_token);
  // A refresh token is not an access token.
  CHECK(is_problem(c.send("GET", "/api/auth/me", ada.refresh_token), 401, "unauthorized"));
}

TEST_CASE("refresh: one token used by eight clients at once lets at most one through") {
  OrderlyServer server(kNoLimits);
  const Session ada = server.register_user("ada");
  for (int round = 0; round < 3; ++round) {
    const Session start = server.login("ada@example.com", "password-of-ada");
    std::atomic<int> ok{0}, refused{0}, other{0};
    std::string winner;
    std::mutex mu;
    std::atomic<bool> go{false};
    std::vector<std::thread> clients;
    for (int i = 0; i < 8; ++i) {
      clients.emplace_back([&] {
        HttpClient own(server.port());
        own.request("GET", "/health");  // connected before the start
        while (!go.load())
          std::this_thread::yield();
        auto r = post_refresh(own, start.refresh_token);
        if (r.status == 200) {
          ++ok;
          std::lock_guard lock(mu);
          winner = session_of(r).refresh_token;
        } else if (is_problem(r, 401, "unauthorized")) {
          ++refused;
        } else {
          ++other;
        }
      });
    }
    go.store(true);
    for (auto& t : clients)
      t.join();
    CAPTURE(round);
    CHECK(ok.load() <= 1);
    CHECK(other.load() == 0);
    CHECK(ok.load() + refused.load() == 8);
    // The losers came after the winner rotated it: reuse, so the family
    // (the winner's new token too) is revoked.
    if (ok.load() == 1) {
      HttpClient c = server.client();
      CHECK(post_refresh(c, winner).status == 401);
    }
  }
}

TEST_CASE_FIXTURE(AdaTwiceAndBob,
                  "logout: only the named session dies, and only its owner can name it") {
  // Bob cannot log Ada out, even with her real token: 404, and it lives.
  CHECK(is_problem(post_logout(c, bob, ada.refresh_token), 404, "not_found"));
  const Session ada_next = rotate(c, ada.refresh_token);
  // Ada with a wrong secret for her own token id: 404, and it lives.
  std::string wrong = ada_next.refresh_token;
  wrong.back() = wrong.back() == 'A' ? 'B' : 'A';
  CHECK(is_problem(post_logout(c, ada_next, wrong), 404, "not_found"));

  CHECK(post_logout(c, ada_next, ada_next.refresh_token).status == 204);
  CHECK(is_problem(post_refresh(c, ada_next.refresh_token), 401, "unauthorized"));
  // The session's own access token ended with it; from another session of
  // hers, logging the ended one out again is fine.
  CHECK(is_problem(post_logout(c, ada_next, ada_next.refresh_token), 401, "unauthorized"));
  CHECK(post_logout(c, ada_other, ada_next.refresh_token).status == 204);  // twice is fine
  CHECK(post_refresh(c, ada_next.refresh_token).status == 401);
  // Her other session, and Bob's, are untouched.
  rotate(c, ada_other.refresh_token);
  rotate(c, bob.refresh_token);
  // Logging out needs an access token.
  CHECK(is_problem(c.send("POST", "/api/auth/logout", "",
                          R"({"refresh_token":")" + ada_other.refresh_token + R"("})"),
                   401, "unauthorized"));
}

TEST_CASE_FIXTURE(AdaTwiceAndBob,
                  "logout: the session's access tokens are refused at once over HTTP, other "
                  "sessions' are not") {
  // Ada's first session rotates once: both its access tokens are of one family.
  const Session ada_next = rotate(c, ada.refresh_token);
  REQUIRE(c.send("GET", "/api/auth/me", ada.access_token).status == 200);
  REQUIRE(c.send("GET", "/api/auth/me", ada_next.access_token).status == 200);
  REQUIRE(post_logout(c, ada_next, ada_next.refresh_token).status == 204);
  // The very next request, not when the tokens expire (15 min).
  for (const std::string& token : {ada.access_token, ada_next.access_token}) {
    const HttpResult me = c.send("GET", "/api/auth/me", token);
    CHECK(is_problem(me, 401, "unauthorized"));
    CHECK(me.header("www-authenticate").find(R"(error="invalid_token")") != std::string::npos);
    // On every route: a token sent to a public one must be valid too.
    CHECK(is_problem(c.send("GET", "/api/products", token), 401, "unauthorized"));
    CHECK(is_problem(c.send("GET", "/api/orders", token), 401, "unauthorized"));
  }
  // Her other session, and Bob's, go on.
  CHECK(c.send("GET", "/api/auth/me", ada_other.access_token).status == 200);
  CHECK(c.send("GET", "/api/orders", bob.access_token).status == 200);
  // A new login is a new session.
  const Session again = server.login("ada@example.com", "password-of-ada");
  CHECK(c.send("GET", "/api/auth/me", again.access_token).status == 200);
}
