// The password gate's rules (api/auth/password_gate.h), without a server:
// in-flight places per address, waits that grow per (account, address),
// an account under attack, and addresses that never failed going free.
#include <doctest/doctest.h>

#include "api/auth/password_gate.h"

using orderly::api::auth::PasswordGate;
using Clock = PasswordGate::Clock;
using namespace std::chrono_literals;

namespace {

// Fails `n` checks of `account` from `address` (each admitted, then wrong),
// each as if at `at`.
void fail(PasswordGate& g, const std::string& address, const std::string& account, int n,
          Clock::time_point at) {
  for (int i = 0; i < n; ++i) {
    auto v = g.admit(address, account, at);
    REQUIRE(v.slot);
    v.slot->failed();
  }
}

}  // namespace

TEST_CASE("password gate: at most per_address checks in flight from one address") {
  PasswordGate g;
  std::vector<std::unique_ptr<PasswordGate::Slot>> held;
  for (size_t i = 0; i < orderly::api::auth::PasswordLimits{}.per_address; ++i) {
    auto v = g.admit("10.0.0.1", "ada");
    REQUIRE(v.slot);
    held.push_back(std::move(v.slot));
  }
  auto refused = g.admit("10.0.0.1", "bob");
  CHECK_FALSE(refused.slot);
  CHECK(refused.retry_after_s >= 1);
  CHECK(g.admit("10.0.0.2", "ada").slot);  // another address is not held back
  held.pop_back();                         // one done: a place again
  CHECK(g.admit("10.0.0.1", "bob").slot);
}

TEST_CASE("password gate: failures make the failing address wait, longer each time") {
  PasswordGate g;
  const auto t0 = Clock::now();
  fail(g, "10.0.0.1", "ada", 5, t0);
  auto v = g.admit("10.0.0.1", "ada", Clock::now());
  REQUIRE_FALSE(v.slot);
  CHECK(v.retry_after_s == 1);
  // A second later the address may try again; one more failure doubles it.
  fail(g, "10.0.0.1", "ada", 1, Clock::now() + 1100ms);
  v = g.admit("10.0.0.1", "ada", Clock::now());  // (failures are recorded at the real time)
  REQUIRE_FALSE(v.slot);
  CHECK(v.retry_after_s == 2);
  // Another address, and another account from the same address, go free.
  CHECK(g.admit("10.0.0.2", "ada").slot);
  CHECK(g.admit("10.0.0.1", "bob").slot);
  // Forgotten once the window has passed.
  CHECK(g.admit("10.0.0.1", "ada", Clock::now() + 16min).slot);
}

TEST_CASE("password gate: an account under attack slows every failing address, never a clean one") {
  PasswordGate g;
  const auto now = Clock::now();
  for (int a = 0; a < 20; ++a)  // 20 addresses, one failure each: the alarm
    fail(g, "10.0.1." + std::to_string(a), "ada", 1, now);
  auto v = g.admit("10.0.1.3", "ada", Clock::now());
  CHECK_FALSE(v.slot);                        // failed once: waits from its first failure now
  CHECK(g.admit("192.168.0.7", "ada").slot);  // Ada's own address never failed
  // A correct password clears its address's count.
  auto ok = g.admit("10.0.1.3", "ada", Clock::now() + 2s);
  REQUIRE(ok.slot);
  ok.slot->succeeded();
  ok.slot.reset();
  CHECK(g.admit("10.0.1.3", "ada").slot);
}

TEST_CASE("password gate: suspect attempts leave a quarter of the queue to the others") {
  CHECK(PasswordGate::queue_limit(256, false) == 256);
  CHECK(PasswordGate::queue_limit(256, true) == 192);
  PasswordGate g;
  fail(g, "10.0.0.1", "ada", 1, Clock::now());
  auto v = g.admit("10.0.0.1", "ada");
  REQUIRE(v.slot);
  CHECK(v.slot->suspect());
  auto clean = g.admit("10.0.0.2", "ada");
  REQUIRE(clean.slot);
  CHECK_FALSE(clean.slot->suspect());
}
