// Floods from several threads against a real `orderly serve`: the token
// buckets hold to their rate (never more than burst + rate x time gets
// through), every refusal is 429 with Retry-After, and a client at another
// loopback address (127.0.0.2) or another user is served all along.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "tests/security/checks.h"
#include "tests/security/raw_connection.h"

using namespace orderly::testing;

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

struct FloodCount {
  std::atomic<int> ok{0}, limited{0}, other{0}, bad_refusal{0}, max_retry_after{0};

  // A 429 must be problem+json rate_limited with a whole number of seconds
  // in Retry-After.
  void add(const HttpResult& r) {
    if (r.status == 200) {
      ++ok;
      return;
    }
    if (r.status != 429) {
      ++other;
      return;
    }
    ++limited;
    const std::string after = r.header("retry-after");
    int secs = 0;
    try {
      secs = std::stoi(after);
    } catch (...) {
      secs = 0;
    }
    if (!is_problem(r, 429, "rate_limited") || secs < 1 ||
        after.find_first_not_of("0123456789") != std::string::npos) {
      ++bad_refusal;
    }
    int seen = max_retry_after.load();
    while (secs > seen && !max_retry_after.compare_exchange_weak(seen, secs)) {
    }
  }
};

// Requests from 127.0.0.2 every 100 ms while `running`; each must be
// answered 200. Returns the slowest answer in seconds (1e9: one failed).
double probe_from_another_address(uint16_t port, const std::string& request,
                                  const std::atomic<bool>& running, int* answered) {
  double slowest = 0;
  RawConnection c(port, "127.0.0.2");
  while (running.load()) {
    const auto t0 = Clock::now();
    if (!c.send(request))
      return 1e9;
    auto r = c.read_response(std::chrono::seconds(30));
    if (!r || r->status != 200)
      return 1e9;
    slowest = std::max(slowest, seconds_since(t0));
    ++*answered;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return slowest;
}

}  // namespace

TEST_CASE("flood: four threads from one address are held to its rate, another address is served") {
  constexpr double kRate = 50, kBurst = 2 * kRate;
  OrderlyServer server({"--rate-limit-ip", "50/s", "--rate-limit-user", "0"});
  FloodCount count;
  std::atomic<bool> running{true};
  const auto t0 = Clock::now();
  std::vector<std::thread> flood;
  for (int t = 0; t < 4; ++t) {
    flood.emplace_back([&] {
      HttpClient c(server.port());
      for (int i = 0; i < 5000 && running.load(); ++i)
        count.add(c.request("GET", "/health"));
    });
  }
  int answered = 0;
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::seconds(3));
    running.store(false);
  });
  const double slowest = probe_from_another_address(
      server.port(), "GET /health HTTP/1.1\r\nHost: x\r\n\r\n", running, &answered);
  stopper.join();
  for (auto& t : flood)
    t.join();
  const double elapsed = seconds_since(t0);

  CAPTURE(count.ok.load());
  CAPTURE(count.limited.load());
  CAPTURE(elapsed);
  CHECK(count.other.load() == 0);
  CHECK(count.bad_refusal.load() == 0);
  CHECK(count.limited.load() > 0);
  // At least the burst went through, and never more than the bucket allows.
  CHECK(count.ok.load() >= kBurst);
  CHECK(count.ok.load() <= kBurst + kRate * elapsed + 1);
  // The other address was never refused and never kept waiting long.
  CHECK(answered >= 10);
  CHECK(slowest < 3.0);

  // After Retry-After, the flooding address is served again.
  std::this_thread::sleep_for(std::chrono::seconds(count.max_retry_after.load()));
  CHECK(server.client().request("GET", "/health").status == 200);
  MESSAGE((count.ok.load() + count.limited.load())
          << " flood requests in " << elapsed << " s: " << count.ok.load() << " served, "
          << count.limited.load() << " refused 429; other address: " << answered
          << " answers, slowest " << slowest << " s");
}

TEST_CASE("flood: one user is held to the per-user rate, another user is served") {
  constexpr double kRate = 20, kBurst = 2 * kRate;
  OrderlyServer server({"--rate-limit-ip", "0", "--rate-limit-user", "20/s"});
  const Session ada = server.register_user("ada");
  const Session bob = server.register_user("bob");
  FloodCount count;
  std::atomic<bool> running{true};
  std::atomic<int> wrong_detail{0};
  const auto t0 = Clock::now();
  std::vector<std::thread> flood;
  for (int t = 0; t < 3; ++t) {
    flood.emplace_back([&] {
      HttpClient c(server.port());
      for (int i = 0; i < 5000 && running.load(); ++i) {
        auto r = c.send("GET", "/api/auth/me", ada.access_token);
        if (r.status == 429 && str(r.json(), "detail").find("user") == std::string::npos)
          ++wrong_detail;
        count.add(r);
      }
    });
  }
  int bob_answered = 0, bob_refused = 0;
  HttpClient c = server.client();
  while (seconds_since(t0) < 2.5) {
    auto r = c.send("GET", "/api/auth/me", bob.access_token);
    (r.status == 200 ? bob_answered : bob_refused)++;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  running.store(false);
  for (auto& t : flood)
    t.join();
  const double elapsed = seconds_since(t0);

  CAPTURE(count.ok.load());
  CAPTURE(count.limited.load());
  CHECK(count.other.load() == 0);
  CHECK(count.bad_refusal.load() == 0);
  CHECK(wrong_detail.load() == 0);
  CHECK(count.limited.load() > 0);
  CHECK(count.ok.load() >= kBurst);
  CHECK(count.ok.load() <= kBurst + kRate * elapsed + 1);
  CHECK(bob_refused == 0);
  CHECK(bob_answered >= 10);
}

TEST_CASE(
    "flood: password guessing from four threads is answered, and never stalls other clients") {
  // No per-address limit: the flood is bounded by argon2, the password
  // gate (429 once this address has failed too often on the account: the
  // delay falls on the failing address) and the password workers' queue
  // (503 overloaded when full).
  OrderlyServer server({"--rate-limit-ip", "0", "--rate-limit-user", "0"});
  server.register_user("ada");
  std::atomic<bool> running{true};
  std::atomic<int> refused{0}, overloaded{0}, throttled{0}, other{0};
  const auto t0 = Clock::now();
  std::vector<std::thread> flood;
  for (int t = 0; t < 4; ++t) {
    flood.emplace_back([&, t] {
      HttpClient c(server.port());
      for (int i = 0; i < 2000 && running.load(); ++i) {
        auto r = c.send("POST", "/api/auth/login", "",
                        R"({"email":"ada@example.com","password":"guess-)" + std::to_string(t) +
                            "-" + std::to_string(i) + R"("})");
        if (is_problem(r, 401, "unauthorized"))
          ++refused;
        else if (is_problem(r, 503, "overloaded") && !r.header("retry-after").empty())
          ++overloaded;
        else if (is_problem(r, 429, "rate_limited") && !r.header("retry-after").empty())
          ++throttled;
        else
          ++other;
      }
    });
  }
  int answered = 0;
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::seconds(3));
    running.store(false);
  });
  const double slowest = probe_from_another_address(
      server.port(), "GET /api/products?q=espresso HTTP/1.1\r\nHost: x\r\n\r\n", running,
      &answered);
  stopper.join();
  for (auto& t : flood)
    t.join();
  const double elapsed = seconds_since(t0);

  CHECK(other.load() == 0);
  CHECK(refused.load() > 0);
  CHECK(answered >= 10);
  CHECK(slowest < 3.0);
  // The right password still works once the guessing stops, from an
  // address that did not guess (the guessing one waits: Retry-After).
  HttpClient c(server.port(), "127.0.0.3");
  int status = 0;
  for (int attempt = 0; attempt < 50 && status != 200; ++attempt) {
    status = c.send("POST", "/api/auth/login", "",
                    R"({"email":"ada@example.com","password":"password-of-ada"})")
                 .status;
    if (status != 200)
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  CHECK(status == 200);
  MESSAGE(refused.load() << " wrong passwords refused, " << throttled.load() << " answered 429 and "
                         << overloaded.load() << " answered 503 in " << elapsed
                         << " s; catalog queries meanwhile: " << answered << ", slowest " << slowest
                         << " s");
}
