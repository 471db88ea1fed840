// The HTTP mode: a server under wrk load (Orderly's `orderly serve`, or the
// fastapi-postgres peer), the same Lua scripts for every server, and what a
// run measures: throughput, wrk's latency percentiles, the server's CPU per
// request (every process of the server: its process tree, and PostgreSQL's
// for the peer) and its peak memory.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "benchmarks/bench/harness.h"

namespace orderly::bench {

// What the requests of a run are.
enum class HttpKind {
  kHealth,   // GET /health
  kProduct,  // GET /api/products/{id}, a random product
  kOrders,   // POST /api/orders: 3 distinct products, 1-3 units each, a random user's token
  kMixed,    // 90% queries (search, a product, the user's orders), 10% orders
};
bool writes(HttpKind kind);

// A server under HTTP load, started with the workload's catalog and a set
// of users whose tokens it accepts. Thread safety: one thread drives it.
class HttpTarget {
 public:
  virtual ~HttpTarget() = default;
  virtual std::string system() const = 0;    // orderly, fastapi-postgres
  virtual std::string variant() const = 0;   // e.g. "uvicorn, 2 workers"
  virtual int workers() const { return 0; }  // server worker processes, when it has them
  virtual uint16_t port() const = 0;
  // Product ids by catalog index (the workload's order); users' bearer tokens.
  virtual const std::vector<std::string>& product_ids() const = 0;
  virtual const std::vector<std::string>& tokens() const = 0;
  // Every process doing the server's work, now (for CPU and memory).
  virtual std::vector<int> server_pids() const = 0;
  // Back to the catalog with nothing ordered (a fresh store for the next
  // run that writes).
  virtual Status reset() = 0;
  // After a run: `acknowledged` orders were answered 201 (up to `in_flight`
  // more may be stored: wrk stops counting at its deadline). Checks every
  // acknowledged order present, each order's total is its lines, no product
  // oversold, each product reserves what its orders hold. `note` gets a
  // remark for the table (orders in flight, say).
  virtual Status check(uint64_t acknowledged, uint64_t in_flight, std::string& note) = 0;
  virtual void stop() = 0;
};

struct WrkRun {
  std::string scenario;  // the row's name: http-health, place-order, ...
  HttpKind kind = HttpKind::kOrders;
  int connections = 32;
  int seconds = 8;
  double pace_per_s = 0;  // > 0: offer this many requests per second in total (paced)
};

// Runs wrk (2 threads) against the target with the run's Lua script, then
// checks the target's invariants when the run wrote. `dir` holds the script.
Result<Measurement> run_wrk(HttpTarget& target, const WrkRun& run, const std::string& dir);

}  // namespace orderly::bench
