// Concurrent HTTP load on a shop for the kill loop: one thread per customer
// (placing orders, some with an Idempotency-Key and retried until answered,
// paying with pm_card_ok or pm_card_declined, cancelling, reading its
// orders back with X-Min-Position) and one admin thread (confirming,
// shipping and delivering orders, restocking products that run short with
// keyed stock changes). Every answer is written to the ledger.
//
// A request that finds the server gone leaves its command in doubt; the
// client then waits at the gate for the next server. Keyed commands are
// retried there with the same key and body until they get an answer.
//
// Thread safety: start/stop from one thread; counters from any.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "tests/reliability/load_gate.h"
#include "tests/reliability/shop_ledger.h"

namespace orderly::testing {

struct Account {
  std::string login;  // username, or the admin's email
  std::string password;
  std::string user_id;
};

class ShopLoad {
 public:
  ShopLoad(ShopLedger& ledger, LoadGate& gate, std::vector<Account> customers, Account admin,
           uint64_t seed);
  ~ShopLoad();

  void start();
  void stop();  // finishes the gate and joins every client
  size_t clients() const { return customers_.size() + 1; }

  // Answers 5xx other than a dead server (kept for the report; commands
  // answered so are treated as in doubt).
  uint64_t server_errors() const { return server_errors_.load(); }
  uint64_t requests() const { return requests_.load(); }
  // Read-your-writes reads that answered an acknowledged order (X-Min-Position).
  uint64_t reads_checked() const { return reads_checked_.load(); }

 private:
  class Client;
  void run_customer(size_t index);
  void run_admin();

  ShopLedger& ledger_;
  LoadGate& gate_;
  std::vector<Account> customers_;
  Account admin_;
  uint64_t seed_;
  std::vector<std::thread> threads_;
  std::atomic<uint64_t> server_errors_{0}, requests_{0}, reads_checked_{0};
};

}  // namespace orderly::testing
