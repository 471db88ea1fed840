// Durable append and scan throughput of the event store, side by side with
// raw RocksDB writing the same bytes (the limit), in one run.
//
//   build/bin/eventstore_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only
//
// Workload: ~200-byte events (a StockReserved with two UUIDs, in its envelope
// with a 42-byte stream name), 4 consecutive events per stream (an order's
// life), fsync per batch. Stream names are made before the timed loops.
#include <benchmark/benchmark.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <flatbuffers/flatbuffers.h>

#include <memory>
#include <string>
#include <vector>

#include "benchmarks/two_in_flight.h"
#include "core/big_endian.h"
#include "core/envelope.h"
#include "eventstore/keys.h"
#include "eventstore/record.h"
#include "eventstore/rocksdb_handle.h"
#include "eventstore/store.h"
#include "tests/support/sample_events.h"
#include "tests/support/temp_dir.h"

using namespace orderly;
using namespace orderly::eventstore;

namespace {

constexpr int kEventsPerStream = 4;

const std::vector<uint8_t>& payload() {
  static const auto p = testing::stock_reserved("0192f0c1-7e4a-7000-8000-000000000001",
                                                "0192f0c1-7e4a-7000-8000-000000000002", 2);
  return p;
}

// Stream names for 4M events, made once: the loops measure stores, not snprintf.
const std::string& stream_name(uint64_t event_index) {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    v.reserve(1 << 20);
    for (uint64_t i = 0; i < (1 << 20); ++i) {
      v.push_back("order-0192f0c1-7e4a-7000-8000-" + std::to_string(100000000000 + i));
    }
    return v;
  }();
  return names[(event_index / kEventsPerStream) % names.size()];
}

// The envelope bytes the store writes for one event, for the raw peers.
std::vector<uint8_t> envelope_bytes(uint64_t position) {
  flatbuffers::FlatBufferBuilder fbb;
  const std::string stream = stream_name(position - 1);
  build_envelope(fbb, EnvelopeFields{EventType::kStockReserved,
                                     1,
                                     stream,
                                     (position - 1) % kEventsPerStream + 1,
                                     position,
                                     now_us(),
                                     {},
                                     {},
                                     {},
                                     payload()});
  return {fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize()};
}

// The one StockReserved event every append of these benchmarks writes.
NewEvent stock_reserved() {
  NewEvent event;
  event.type = EventType::kStockReserved;
  event.payload = payload();
  return event;
}

// Fills `writes` and `requests` (of one size) with one-event appends of
// `event` to the streams of events n, n + 1, ...; n moves past them.
void one_event_requests(const NewEvent& event, std::vector<StreamWrite>& writes,
                        std::vector<AppendRequest>& requests, uint64_t& n) {
  for (size_t i = 0; i < requests.size(); ++i) {
    writes[i] = StreamWrite{stream_name(n++), ExpectedVersion::any(), std::span(&event, 1)};
    requests[i] = AppendRequest{std::span(&writes[i], 1), {}, 0};
  }
}

// The envelopes of the events at positions 1 to `count`, for the raw peers.
std::vector<std::vector<uint8_t>> envelopes_up_to(uint64_t count) {
  std::vector<std::vector<uint8_t>> envelopes;
  for (uint64_t p = 1; p <= count; ++p)
    envelopes.push_back(envelope_bytes(p));
  return envelopes;
}

// Orderly: append_batch of `batch` one-event requests = one WriteBatch, one fsync.
void BM_OrderlyAppend(benchmark::State& state) {
  const auto batch = static_cast<size_t>(state.range(0));
  testing::TempDir dir;
  auto store = std::move(EventStore::open(dir.path()).value());
  const NewEvent event = stock_reserved();
  std::vector<StreamWrite> writes(batch);
  std::vector<AppendRequest> requests(batch);
  uint64_t n = 0;
  for (auto _ : state) {
    one_event_requests(event, writes, requests, n);
    auto results = store->append_batch(requests);
    if (!results[0].is_ok())
      state.SkipWithError(results[0].status().to_string().c_str());
  }
  const auto stats = store->stats();
  state.SetItemsProcessed(static_cast<int64_t>(n));
  state.SetBytesProcessed(static_cast<int64_t>(stats.bytes));
  state.counters["event_bytes"] = static_cast<double>(stats.bytes) / static_cast<double>(n);
}

// Orderly as the single writer drives it: submit_batch N+1 while batch N is
// being synced (benchmarks/two_in_flight.h).
void BM_OrderlyAppendPipelined(benchmark::State& state) {
  const auto batch = static_cast<size_t>(state.range(0));
  testing::TempDir dir;
  auto store = std::move(EventStore::open(dir.path()).value());
  const NewEvent event = stock_reserved();
  struct Buffers {
    std::vector<StreamWrite> writes;
    std::vector<AppendRequest> requests;
  };
  bench::TwoInFlight<Buffers> in_flight([&](Buffers& b) {
    b.writes.resize(batch);
    b.requests.resize(batch);
  });
  bool failed = false;
  uint64_t n = 0;
  for (auto _ : state) {
    Buffers& b = in_flight.next();
    one_event_requests(event, b.writes, b.requests, n);
    (void)store->submit_batch(b.requests, [&](AppendResults results) {
      in_flight.done(b, [&] { failed = failed || !results[0].is_ok(); });
    });
  }
  in_flight.wait_all();
  if (failed)
    state.SkipWithError("append failed");
  const auto stats = store->stats();
  state.SetItemsProcessed(static_cast<int64_t>(n));
  state.SetBytesProcessed(static_cast<int64_t>(stats.bytes));
  state.counters["events_per_fsync"] =
      stats.syncs ? static_cast<double>(stats.events) / static_cast<double>(stats.syncs) : 0;
}

// Raw RocksDB, the naive layout: one log key per event plus one stream-index
// key per event, the same envelope bytes, one WriteBatch + fsync per batch.
void BM_RawRocksdbKeyPerEvent(benchmark::State& state) {
  const auto batch = static_cast<size_t>(state.range(0));
  testing::TempDir dir;
  auto h = std::move(open_rocksdb(dir.path(), {}).value());
  const auto envelopes = envelopes_up_to(4096);
  rocksdb::WriteOptions wo;
  wo.sync = true;
  rocksdb::WriteBatch wb;
  uint64_t position = 0;
  uint64_t bytes = 0;
  for (auto _ : state) {
    wb.Clear();
    for (size_t i = 0; i < batch; ++i) {
      ++position;
      const auto& env = envelopes[position % envelopes.size()];
      wb.Put(h.log, log_key(position),
             rocksdb::Slice(reinterpret_cast<const char*>(env.data()), env.size()));
      wb.Put(h.streams,
             stream_key(stream_name(position - 1), (position - 1) % kEventsPerStream + 1),
             be64_key(position));
      bytes += env.size();
    }
    if (!h.db->Write(wo, &wb).ok())
      state.SkipWithError("write failed");
  }
  state.SetItemsProcessed(static_cast<int64_t>(position));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}

// Raw RocksDB, Orderly's own layout without Orderly: the same record bytes and
// index chunks the store would write, built outside the timed loop. This is
// the ceiling for this format: RocksDB's WriteBatch + fsync alone.
void BM_RawRocksdbSameLayout(benchmark::State& state) {
  const auto batch = static_cast<size_t>(state.range(0));
  testing::TempDir dir;
  auto h = std::move(open_rocksdb(dir.path(), {}).value());
  const auto envelopes = envelopes_up_to(1000);
  RecordBuilder record;
  record.reset(1);
  for (size_t i = 0; i < batch; ++i)
    record.add(envelopes[i % envelopes.size()]);
  const std::string record_bytes(record.finish());
  std::string chunk;
  append_index_run(chunk, {1, kEventsPerStream});
  rocksdb::WriteOptions wo;
  wo.sync = true;
  rocksdb::WriteBatch wb;
  uint64_t position = 0;
  for (auto _ : state) {
    wb.Clear();
    wb.Put(h.log, log_key(position + 1), record_bytes);
    for (size_t i = 0; i < batch; i += kEventsPerStream) {
      wb.Put(h.streams, stream_key(stream_name(position + i), 1), chunk);
    }
    position += batch;
    if (!h.db->Write(wo, &wb).ok())
      state.SkipWithError("write failed");
  }
  state.SetItemsProcessed(static_cast<int64_t>(position));
  state.SetBytesProcessed(static_cast<int64_t>(record_bytes.size() * state.iterations()));
}

// Many threads calling append() at once: the leader/follower group commit.
EventStore* g_shared = nullptr;
std::unique_ptr<testing::TempDir> g_shared_dir;
std::unique_ptr<EventStore> g_shared_store;

void BM_OrderlyAppendConcurrent(benchmark::State& state) {
  if (state.thread_index() == 0) {
    g_shared_dir = std::make_unique<testing::TempDir>();
    g_shared_store = std::move(EventStore::open(g_shared_dir->path()).value());
    g_shared = g_shared_store.get();
  }
  const NewEvent event = stock_reserved();
  uint64_t n = 0;
  const uint64_t base = static_cast<uint64_t>(state.thread_index()) << 18;
  for (auto _ : state) {
    const std::string& stream = stream_name(base + n++);
    auto r = g_shared->append(stream, ExpectedVersion::any(), std::span(&event, 1));
    if (!r.is_ok())
      state.SkipWithError(r.status().to_string().c_str());
  }
  state.SetItemsProcessed(static_cast<int64_t>(n));
  if (state.thread_index() == 0) {
    const auto stats = g_shared->stats();
    state.counters["events_per_fsync"] =
        stats.syncs ? static_cast<double>(stats.events) / static_cast<double>(stats.syncs) : 0;
  }
}

void teardown_shared(const benchmark::State&) {
  g_shared = nullptr;
  g_shared_store.reset();
  g_shared_dir.reset();
}

// A full scan of a log of `events` events, every envelope and payload verified.
void BM_OrderlyScan(benchmark::State& state) {
  const auto events = static_cast<uint64_t>(state.range(0));
  testing::TempDir dir;
  StoreOptions options;
  options.sync = SyncMode::kNone;  // only the building is unsynced; the scan is what is measured
  auto store = std::move(EventStore::open(dir.path(), options).value());
  const NewEvent event = stock_reserved();
  std::vector<StreamWrite> writes(1000);
  std::vector<AppendRequest> requests(1000);
  for (uint64_t n = 0; n < events;) {
    one_event_requests(event, writes, requests, n);
    (void)store->append_batch(requests);
  }
  uint64_t seen = 0;
  for (auto _ : state) {
    uint64_t count = 0, sum = 0;
    Status st = store->scan({}, [&](const EventView& ev) {
      sum += ev.version();
      ++count;
      return true;
    });
    if (!st.is_ok() || count != events)
      state.SkipWithError("scan failed");
    benchmark::DoNotOptimize(sum);
    seen += count;
  }
  state.SetItemsProcessed(static_cast<int64_t>(seen));
}

}  // namespace

// Batches of 1, 10, 100 and 1000 events, in microseconds of wall time.
void batch_sizes(benchmark::internal::Benchmark* b) {
  b->Arg(1)->Arg(10)->Arg(100)->Arg(1000)->UseRealTime()->Unit(benchmark::kMicrosecond);
}

BENCHMARK(BM_OrderlyAppend)->Apply(batch_sizes);
BENCHMARK(BM_OrderlyAppendPipelined)->Apply(batch_sizes);
BENCHMARK(BM_RawRocksdbSameLayout)->Apply(batch_sizes);
BENCHMARK(BM_RawRocksdbKeyPerEvent)->Apply(batch_sizes);
BENCHMARK(BM_OrderlyAppendConcurrent)
    ->Threads(1)
    ->Threads(8)
    ->Threads(32)
    ->UseRealTime()
    ->Teardown(teardown_shared)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_OrderlyScan)->Arg(1000000)->UseRealTime()->Unit(benchmark::kMillisecond);
