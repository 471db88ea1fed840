// The peers Orderly is measured against, each behind the System interface
// (harness.h), each storing the same event bytes Orderly stores.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "benchmarks/bench/harness.h"
#include "benchmarks/bench/http_load.h"
#include "benchmarks/bench/scenarios.h"

namespace orderly::bench {

// The ceiling: WriteBatch + sync of the event and its index entry.
std::unique_ptr<System> make_raw_rocksdb(std::vector<std::string> envelopes);

// An events table in PostgreSQL (started by the harness on loopback in a
// temporary directory): stock checked and reserved in the same
// transaction, synchronous_commit=on. `stored_function`: the whole
// transaction in one round trip (plpgsql) instead of five from the client.
std::unique_ptr<System> make_postgres(std::vector<std::string> envelopes, bool stored_function);

// NATS JetStream as the event store (nats-server started by the harness):
// stock per product as a subject, reserved with
// Nats-Expected-Last-Subject-Sequence (optimistic concurrency), the order
// event published with "no message yet" expected. `pipelined`: the four
// publishes of an order in flight at once, instead of one after another.
std::unique_ptr<System> make_jetstream(std::vector<std::string> envelopes, bool pipelined);

// HTTP mode only: the stack a shop would otherwise run. A FastAPI service
// on uvicorn (uvloop, httptools) with `workers` worker processes over
// PostgreSQL through asyncpg (benchmarks/peers/fastapi_shop/app.py), all
// Debian packages. PostgreSQL as for `postgres` (PgServer); the harness
// loads the catalog and the users and signs their tokens (HS256, a secret
// it hands the app in SHOP_JWT_SECRET). check() reads PostgreSQL (libpq).
Result<std::unique_ptr<HttpTarget>> start_fastapi_postgres(const RunOptions& o, const Workload& w,
                                                           int workers);

}  // namespace orderly::bench
