// Admission for password checks (login) and hashes (registration): argon2id
// is slow on purpose, so who may make the engine run it is decided before it
// runs, or one client takes every other client's logins down.
//
// - At most `per_address` checks in flight (queued or running) per client
//   address: a flood from one address holds a few workers, never the queue.
// - Failures are counted per (account, address) and per account. A pair
//   gets `free_failures` wrong passwords, then waits 1 s, 2 s, 4 s ... (up
//   to `max_delay`) after each further one. An account with `alarm`
//   failures from anywhere in the window is under attack: every address
//   that has failed on it waits from its first failure, and together they
//   hold at most `per_account` checks in flight. An address that has not
//   failed on the account is never slowed or refused for the account's
//   sake: a stranger cannot lock a customer out (only the customer's own
//   address, when it is the one failing).
// - Counts are forgotten `window` after the last failure, and a correct
//   password clears its pair's count.
// - A suspect attempt (its address failed on the account before) may take
//   the shared worker queue only up to a share, keeping a reserve for
//   clean ones (WorkerPool::submit's limit: queue_limit()).
//
// Memory: at most `max_entries` counts of each kind; when full, expired
// ones are dropped, then the oldest half of what is left.
//
// Thread safety: every member is safe from any thread.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/mutex.h"
#include "core/string_hash.h"

namespace orderly::api::auth {

// The numbers of PasswordGate (see above).
struct PasswordLimits {
  size_t per_address = 8;
  size_t per_account = 4;
  uint32_t free_failures = 5;
  uint32_t alarm = 20;
  std::chrono::seconds max_delay{300};
  std::chrono::seconds window{900};
  size_t max_entries = 100'000;
};

class PasswordGate {
 public:
  using Clock = std::chrono::steady_clock;
  using Limits = PasswordLimits;

  // A check admitted: holds its in-flight places until destroyed.
  class Slot {
   public:
    Slot(PasswordGate* gate, std::string address, std::string account, bool suspect)
        : gate_(gate),
          address_(std::move(address)),
          account_(std::move(account)),
          suspect_(suspect) {}
    ~Slot();
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    bool suspect() const { return suspect_; }
    // The check's outcome (a login's; registrations record none).
    void succeeded();
    void failed();

   private:
    PasswordGate* gate_;
    std::string address_, account_;
    bool suspect_;
  };

  struct Verdict {
    std::unique_ptr<Slot> slot;  // null: refused
    int retry_after_s = 0;       // when refused
  };

  explicit PasswordGate(Limits limits = {}) : limits_(limits) {}

  // `account`: the account the password is for (a login's user id, or the
  // name asked for when there is no such user; empty for a registration).
  Verdict admit(std::string_view address, std::string_view account,
                Clock::time_point now = Clock::now()) EXCLUDES(mu_);

  // The most of a queue of `capacity` an attempt may take (suspect ones
  // leave a quarter free for the others).
  static size_t queue_limit(size_t capacity, bool suspect) {
    return suspect ? capacity - capacity / 4 : capacity;
  }

  // Counts held (for tests and metrics).
  size_t tracked() const EXCLUDES(mu_);

 private:
  struct Failures {
    uint32_t count = 0;
    Clock::time_point last;
  };
  template <typename V>
  using Map = absl::flat_hash_map<std::string, V, StringHash, std::equal_to<>>;

  void release(const std::string& address, const std::string& account, bool suspect) EXCLUDES(mu_);
  void record(const std::string& address, const std::string& account, bool ok,
              Clock::time_point now) EXCLUDES(mu_);
  // The count, or zero once `window` has passed. `m` is one of the maps
  // below, hence mu_.
  uint32_t live(const Map<Failures>& m, std::string_view key, Clock::time_point now) const
      REQUIRES(mu_);
  void make_room(Map<Failures>& m, Clock::time_point now) REQUIRES(mu_);

  const Limits limits_;
  mutable Mutex mu_;
  Map<size_t> in_flight_address_ GUARDED_BY(mu_), in_flight_account_ GUARDED_BY(mu_);
  Map<Failures> pair_failures_ GUARDED_BY(mu_), account_failures_ GUARDED_BY(mu_);
};

}  // namespace orderly::api::auth
