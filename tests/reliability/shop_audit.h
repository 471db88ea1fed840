// The kill loop's audit: holds a restarted engine (a running server, the
// load paused) to the ledger of what its clients were told.
//
// - lost: an acknowledged order, move, payment or restock whose effect is
//   missing, or a log that ends before the last acknowledged position;
// - duplicates: a placement that made two orders (by its tag in the log), an
//   order listed twice, an idempotent retry answered with another order, an
//   order paid twice;
// - oversold: units sold and reserved beyond the stock ever added, or a
//   product whose reserved exceeds its stock;
// - mismatches: anything else that disagrees (a refused command with an
//   effect, a status nobody asked for, a catalog that disagrees with the
//   orders, a read model that disagrees with the log, a command committed
//   during a graceful stop without its answer reaching the client).
//
// Thread safety: one thread.
#pragma once

#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "tests/reliability/shop_ledger.h"
#include "tests/reliability/shop_load.h"

namespace orderly::testing {

struct AuditResult {
  uint64_t lost = 0, duplicates = 0, oversold = 0, mismatches = 0;
  uint64_t orders_checked = 0;        // acknowledged orders found as acknowledged
  uint64_t orders_in_engine = 0;      // all of them, some from commands in doubt
  uint64_t payments_checked = 0;      // acknowledged payments read back
  uint64_t replays_checked = 0;       // keyed placements sent again after the restart
  uint64_t log_position = 0;          // of the restarted engine
  std::vector<std::string> problems;  // the first few, described

  bool clean() const { return lost + duplicates + oversold + mismatches == 0; }
};

class ShopAuditor {
 public:
  ShopAuditor(const ShopLedger& ledger, std::vector<Account> customers, Account admin,
              uint64_t seed)
      : ledger_(ledger), customers_(std::move(customers)), admin_(std::move(admin)), rng_(seed) {}

  // REQUIRES: the server at `port` is ready and no client is running.
  // `unanswered_at_clean_stop`: placements that got no answer while the
  // server stopped gracefully; none of them may have been committed (a
  // graceful stop answers every command it took).
  AuditResult audit(uint16_t port, const std::set<std::string>& unanswered_at_clean_stop = {});

 private:
  const ShopLedger& ledger_;
  std::vector<Account> customers_;
  Account admin_;
  std::mt19937_64 rng_;
  size_t payments_audited_ = 0;  // payments read back in full up to here; older ones sampled
};

}  // namespace orderly::testing
