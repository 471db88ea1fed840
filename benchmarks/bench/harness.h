// orderly-bench: the whole-engine harness. Runs named scenarios against
// Orderly and its peers on the same workload, checks each system's
// invariants afterwards, and reports throughput, latency percentiles, CPU
// per 1k commands and peak memory (README.md in benchmarks/ explains the
// methodology).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/uuid.h"

namespace orderly::bench {

// --- the workload, the same for every system ------------------------------

struct Workload {
  int products = 10'000;
  int users = 1'000;
  int64_t stock = 1'000'000'000;  // per product
  int hot_products = 0;           // > 0: orders draw only from the first N products
  uint64_t seed = 42;
};

struct OrderSpec {
  Uuid order_id, user_id;
  std::array<int, 3> products{};  // indexes into the catalog, distinct
  std::array<int64_t, 3> quantities{};
};

// The catalog: ids and prices are a function of the seed and the index.
Uuid product_id(const Workload& w, int index);
// "moka grinder 412": two words of a small shop vocabulary and the index,
// so searches match a few hundred products, not all of them.
std::string product_name(int index);
std::string product_description(int index);
// A search a shopper might type: one or two vocabulary words.
std::string search_words(std::mt19937_64& rng);
int64_t price_cents(int index);
Uuid user_id(const Workload& w, int index);
OrderSpec make_order(const Workload& w, std::mt19937_64& rng);
int64_t order_total(const OrderSpec& o);

// --- what one placed order came to ----------------------------------------

enum class Outcome { kAccepted, kRefused, kError };

// A system under test: a fresh store per scenario.
class System {
 public:
  virtual ~System() = default;
  virtual std::string name() const = 0;               // orderly, raw-rocksdb, postgres, jetstream
  virtual std::string variant() const { return ""; }  // e.g. "stored function"
  virtual std::string durability() const = 0;         // "fsync", "ack before fsync"
  // A fresh store holding the workload's catalog.
  virtual Status prepare(const Workload& w) = 0;
  // One durable PlaceOrder; called from `client` threads at once.
  virtual Outcome place_order(int client, const OrderSpec& order) = 0;
  // The mixed scenario's reads: one thing a shopper asks (a catalog search,
  // a product, their orders), answered as the system answers it. Systems
  // without queries (the byte stores) are left out of that scenario.
  virtual bool has_queries() const { return false; }
  virtual Outcome query(int client, const Workload& w, std::mt19937_64& rng) {
    (void)client, (void)w, (void)rng;
    return Outcome::kError;
  }
  // After the load: every acknowledged order present, no stock oversold,
  // the money sums agree. An error names the first broken invariant.
  virtual Status check(const Workload& w, const std::vector<OrderSpec>& accepted) = 0;
  // CPU seconds used so far by everything doing this system's work (this
  // process for in-process engines, plus server processes).
  virtual double cpu_seconds() const = 0;
  // Peak resident memory of the process(es) doing the work, in MiB.
  virtual double peak_rss_mb() const = 0;
  // Called before a measured run (resets peak counters where possible).
  virtual void reset_peaks() {}
  virtual void stop() {}
};

// --- measurements ----------------------------------------------------------

struct Measurement {
  std::string scenario, mode, system, variant, durability;
  int clients = 0;
  double seconds = 0, throughput_per_s = 0;
  double p50_ms = 0, p95_ms = 0, p99_ms = 0, p999_ms = 0;
  double cpu_s_per_1k = 0, peak_rss_mb = 0;
  uint64_t accepted = 0, refused = 0, errors = 0, queries = 0;
  bool invariants_ok = false;
  std::string detail;  // the broken invariant, or a note
  // HTTP: the rate a paced run offered (0: closed loop, as fast as answered),
  // and the server's worker processes (fastapi-postgres; 0: not applicable).
  double offered_per_s = 0;
  int workers = 0;
  // Server CPU per completed operation, microseconds (cpu_s_per_1k * 1000).
  double cpu_us_per_op() const { return cpu_s_per_1k * 1000; }
};

struct Latencies {
  std::vector<float> us;
  void add(std::chrono::steady_clock::duration d) {
    us.push_back(std::chrono::duration<float, std::micro>(d).count());
  }
  // p in [0, 100]; sorts in place.
  double percentile_ms(double p);
};

struct LoadOptions {
  int clients = 16;
  std::chrono::milliseconds duration{3000};
  uint64_t max_orders = 2'000'000;
  int query_percent = 0;  // mixed: this share of the operations are queries
};

// Runs `clients` threads placing orders back to back (a closed loop) until
// the time or the order budget is spent, then checks the invariants.
Measurement run_place_orders(System& system, const Workload& w, const LoadOptions& load,
                             const std::string& scenario);

// --- helpers for systems ----------------------------------------------------

// utime + stime of a process, in seconds (0 when it is gone).
double cpu_seconds_of_pid(int pid);
double cpu_seconds_of_self();
// `root` and every process descended from it (read from /proc).
std::vector<int> process_tree(int root);
// CPU seconds of each process, by PID; and what a set of processes used
// since `before` (processes started since count whole; those gone are lost).
std::vector<std::pair<int, double>> cpu_by_pid(const std::vector<int>& pids);
double cpu_seconds_since(const std::vector<std::pair<int, double>>& before,
                         const std::vector<int>& pids_now);
// Raises this process's open-file limit to its hard limit (children inherit
// it): 1,024 connections need more than the usual soft 1,024.
void raise_open_file_limit();
// VmHWM of a process, MiB.
double peak_rss_mb_of_pid(int pid);
// Resets this process's VmHWM (Linux clear_refs).
void reset_peak_rss_of_pid(int pid);
// Free loopback ports and waiting for a listener: tests/support/free_port.h
// (testing::free_port, testing::wait_for_listener).
std::string make_temp_dir(const std::string& prefix);

// A temporary directory removed when the scope ends, early returns included.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& prefix) : path_(make_temp_dir(prefix)) {}
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }
  bool ok() const { return !path_.empty(); }

 private:
  std::string path_;
};

}  // namespace orderly::bench
