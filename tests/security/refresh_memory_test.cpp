// Rotated refresh tokens kept forever (issue 19): every refresh of a
// session used to leave its retired token in the writer's memory. The
// engine now keeps what reuse detection needs (each family's newest token
// and its last few retired ones), so the count it reports in /metrics
// (orderly_refresh_tokens_held) stays flat however often one session
// refreshes; reuse is still detected, also after a restart (the state
// folded again from the log).
#include <doctest/doctest.h>

#include <fstream>

#include "tests/security/checks.h"
#include "tests/support/process.h"

using namespace orderly::testing;

namespace {

// A gauge's value in /metrics, or -1 when the engine does not report it.
double gauge(HttpClient& c, const std::string& name) {
  const std::string text = c.request("GET", "/metrics").body;
  const std::string key = "\n" + name + " ";
  const size_t at = text.find(key);
  if (at == std::string::npos)
    return -1;
  return std::stod(text.substr(at + key.size()));
}

}  // namespace

TEST_CASE("refresh memory: a thousand refreshes of one session hold a flat count of tokens") {
  OrderlyServer server({"--rate-limit-ip", "0", "--rate-limit-user", "0"});
  HttpClient c = server.client();
  Session ada = server.register_user("ada");
  const double at_start = gauge(c, "orderly_refresh_tokens_held");
  const long rss_start = rss_kib(server.pid());
  CHECK(at_start >= 1);              // the engine reports the count
  std::vector<std::string> retired;  // every refresh token the session had, oldest first
  double after_100 = 0;
  constexpr int kRefreshes = 1000;
  for (int i = 0; i < kRefreshes; ++i) {
    retired.push_back(ada.refresh_token);
    auto r = post_refresh(c, ada.refresh_token);
    REQUIRE(r.status == 200);
    ada = session_of(r);
    if (i == 99)
      after_100 = gauge(c, "orderly_refresh_tokens_held");
  }
  const double at_end = gauge(c, "orderly_refresh_tokens_held");
  const long rss_end = rss_kib(server.pid());
  MESSAGE("refresh tokens held: " << at_start << " at start, " << after_100 << " after 100, "
                                  << at_end << " after " << kRefreshes << "; RSS " << rss_start
                                  << " KiB -> " << rss_end << " KiB");
  // At most the session's newest token and a handful of retired ones more.
  CHECK(after_100 <= at_start + 16);
  CHECK(at_end == after_100);

  // Restarted, the engine folds the same state from its log.
  server.stop();
  server.start();
  HttpClient again = server.client();
  CHECK(gauge(again, "orderly_refresh_tokens_held") == at_end);
  // A token retired long ago is simply unknown: refused, and the session
  // goes on (its holder rotated past it hundreds of times since).
  CHECK(is_problem(post_refresh(again, retired[10]), 401, "unauthorized"));
  auto next = post_refresh(again, ada.refresh_token);
  REQUIRE(next.status == 200);
  retired.push_back(ada.refresh_token);
  ada = session_of(next);
  // A recently retired one is reuse: the whole family is revoked.
  CHECK(is_problem(post_refresh(again, retired[retired.size() - 3]), 401, "unauthorized"));
  CHECK(is_problem(post_refresh(again, ada.refresh_token), 401, "unauthorized"));
}
