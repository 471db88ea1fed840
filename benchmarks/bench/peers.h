// The peers Orderly is measured against, each behind the System interface
// (harness.h), each storing the same event bytes Orderly stores.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "benchmarks/bench/harness.h"

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

}  // namespace orderly::bench
