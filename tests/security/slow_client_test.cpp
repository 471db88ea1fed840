// Slow-loris clients against a real `orderly serve`: a request whose bytes
// keep coming, one at a time, is still cut off when the whole request has
// taken longer than the 10 s request timeout; headers, a body, and the
// second request of a kept-alive connection alike (which may still idle
// longer before it starts). A crowd of them does not keep other clients out.
#include <doctest/doctest.h>

#include <memory>
#include <thread>

#include "tests/security/checks.h"
#include "tests/security/raw_connection.h"

using namespace orderly::testing;

namespace {

using Clock = std::chrono::steady_clock;

// A connection that trickles one byte per tick after its opening bytes,
// never finishing its request, and when the server hung up on it.
struct Trickler {
  std::string name;
  std::unique_ptr<RawConnection> conn;
  std::string drip;  // cycled one byte per tick
  size_t at = 0;
  std::optional<double> closed_after;  // seconds after the trickle began
};

}  // namespace

TEST_CASE(
    "slow loris: headers, a body and a kept-alive request trickled byte by byte are cut off") {
  OrderlyServer server;
  std::vector<Trickler> slow;
  auto open = [&](std::string name, const std::string& opening, std::string drip) {
    Trickler t{std::move(name), std::make_unique<RawConnection>(server.port()), std::move(drip), 0,
               std::nullopt};
    REQUIRE(t.conn->is_open());
    REQUIRE(t.conn->send(opening));
    slow.push_back(std::move(t));
  };
  open("headers", "GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ", "abcdefgh");
  open("body",
       "POST /api/analytics/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
       "Content-Length: 100000\r\n\r\n",
       "          ");
  // A first request answered at once, then the next one trickled: the
  // 60 s keep-alive idle time must not become 60 s to send a request in.
  open("kept-alive second request", "GET /health HTTP/1.1\r\nHost: x\r\n\r\n", "");
  auto first = slow.back().conn->read_response(std::chrono::seconds(30));
  REQUIRE(first);
  CHECK(first->status == 200);
  REQUIRE(slow.back().conn->send("GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: "));
  slow.back().drip = "abcdefgh";

  // And one that stays idle after its first answer: idling between
  // requests is allowed for longer than the request timeout.
  RawConnection idle(server.port());
  REQUIRE(idle.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"));
  REQUIRE(idle.read_response(std::chrono::seconds(30)));
  const auto idle_since = Clock::now();

  // One byte per connection every 200 ms, for at most 40 s: long enough for
  // a 60 s idle timer to show itself as a failure, and the trickle would
  // need minutes to finish any of these requests.
  const auto t0 = Clock::now();
  while (Clock::now() - t0 < std::chrono::seconds(40)) {
    bool all_closed = true;
    for (auto& t : slow) {
      if (t.closed_after)
        continue;
      const bool sent = t.conn->send(std::string(1, t.drip[t.at++ % t.drip.size()]));
      if (!sent || t.conn->closed_within(std::chrono::milliseconds(0)))
        t.closed_after = std::chrono::duration<double>(Clock::now() - t0).count();
      all_closed = all_closed && t.closed_after.has_value();
    }
    if (all_closed)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  for (const auto& t : slow) {
    CAPTURE(t.name);
    REQUIRE(t.closed_after.has_value());
    MESSAGE(t.name << ": cut off after " << *t.closed_after << " s of trickling");
    CHECK(*t.closed_after < 25);        // the 10 s request timeout, with room for a busy machine
    CHECK(t.conn->received().empty());  // hung up on, not answered
  }
  // Idle for more than the 10 s request timeout, the kept-alive
  // connection still takes a request sent at once.
  std::this_thread::sleep_until(idle_since + std::chrono::seconds(12));
  REQUIRE(idle.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto after_idling = idle.read_response(std::chrono::seconds(30));
  REQUIRE(after_idling);
  CHECK(after_idling->status == 200);
  CHECK(server.client().request("GET", "/health").status == 200);
}

TEST_CASE(
    "slow loris: 300 trickling connections do not keep another client out, and all are cut off") {
  OrderlyServer server;
  constexpr int kSlow = 300;
  std::vector<std::unique_ptr<RawConnection>> crowd;
  for (int i = 0; i < kSlow; ++i) {
    crowd.push_back(std::make_unique<RawConnection>(server.port()));
    REQUIRE(crowd.back()->is_open());
    REQUIRE(crowd.back()->send("GET /api/products HTTP/1.1\r\nHost: x\r\nX-Slow: "));
  }
  HttpClient c = server.client();
  int answered = 0;
  double slowest = 0;
  std::vector<bool> closed(kSlow, false);
  int open_left = kSlow;
  const auto t0 = Clock::now();
  while (open_left > 0 && Clock::now() - t0 < std::chrono::seconds(40)) {
    for (int i = 0; i < kSlow; ++i) {
      if (closed[i])
        continue;
      if (!crowd[i]->send("a") || crowd[i]->closed_within(std::chrono::milliseconds(0))) {
        closed[i] = true;
        --open_left;
      }
    }
    const auto asked = Clock::now();
    auto r = c.request("GET", "/health");
    slowest = std::max(slowest, std::chrono::duration<double>(Clock::now() - asked).count());
    CHECK(r.status == 200);
    ++answered;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  CHECK(open_left == 0);
  CHECK(elapsed < 25);
  CHECK(slowest < 2.0);
  MESSAGE(kSlow << " slow-loris connections all cut off within " << elapsed << " s; " << answered
                << " other requests answered meanwhile, slowest " << slowest << " s");
}
