// Read models: rebuild throughput over a log generated through the real
// command path, query latency, and memory per order.
//
//   build/bin/orderly-microbench --benchmark_filter=ReadModel
// ORDERLY_BENCH_ORDERS sets the number of orders in the log (default 1M).
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <unistd.h>

#include <cstdio>

#include <algorithm>
#include <cstdlib>
#include <future>
#include <random>
#include <semaphore>

#include "benchmarks/shop_log.h"
#include "commands/processor.h"
#include "core/ids.h"
#include "projections/catalog.h"
#include "projections/orders.h"
#include "projections/registry.h"
#include "projections/runner.h"
#include "projections/stats.h"
#include "tests/support/temp_dir.h"

using namespace orderly;
using namespace orderly::commands;
using namespace orderly::projections;

namespace {

// One generated log for all the read-model benchmarks of a run.
struct GeneratedLog {
  testing::TempDir dir;
  bench::ShopLog shop;
  eventstore::EventStore* store = nullptr;
  std::vector<Uuid>& users = shop.users;
  std::vector<Uuid>& orders = shop.orders;
  uint64_t events = 0;
  double generate_seconds = 0;

  GeneratedLog() {
    const char* env = std::getenv("ORDERLY_BENCH_ORDERS");
    shop = bench::generate_shop_log(dir.path(), env ? std::atoi(env) : 1'000'000);
    store = shop.store.get();
    events = shop.events;
    generate_seconds = shop.generate_seconds;
  }
};

GeneratedLog& log_once() {
  static GeneratedLog log;
  return log;
}

// Items: every event of the log, once an iteration.
void count_log_events(benchmark::State& state, const GeneratedLog& log) {
  state.SetItemsProcessed(static_cast<int64_t>(log.events) * state.iterations());
  state.counters["events"] = static_cast<double>(log.events);
}

std::vector<Projection*> pointers(const std::vector<std::unique_ptr<Projection>>& models) {
  std::vector<Projection*> raw;
  for (const auto& m : models)
    raw.push_back(m.get());
  return raw;
}

// Folding the whole log into one read model, and producing every row of it
// (what `orderly rebuild --verify` compares).
void BM_ReadModelRebuild(benchmark::State& state, const char* model_name) {
  GeneratedLog& log = log_once();
  uint64_t rows = 0;
  for (auto _ : state) {
    auto model = make_read_model(model_name);
    auto built = rebuild_rows(*log.store, *model);
    if (!built.is_ok())
      state.SkipWithError("rebuild failed");
    rows = built->size();
    // Freeing the model and its rows is not part of building them (the CLI
    // exits, a server swaps the old model out after answering from the new).
    state.PauseTiming();
    built = Status::ok();
    model.reset();
    state.ResumeTiming();
  }
  count_log_events(state, log);
  state.counters["rows"] = static_cast<double>(rows);
  state.counters["generate_events_per_s"] = static_cast<double>(log.events) / log.generate_seconds;
}

// What `orderly rebuild --all` does: every read model folded in one pass
// over the log, then each saved as a snapshot (rebuild_into).
void BM_ReadModelRebuildAll(benchmark::State& state) {
  GeneratedLog& log = log_once();
  uint64_t bytes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    testing::TempDir out;
    auto store = std::move(ReadModelStore::open(out.path()).value());
    auto models = all_read_models();
    const std::vector<Projection*> raw = pointers(models);
    state.ResumeTiming();
    auto written = rebuild_into(*log.store, raw, *store);
    if (!written.is_ok()) {
      state.SkipWithError("rebuild failed");
      break;
    }
    bytes = 0;
    for (uint64_t n : *written)
      bytes += n;
    state.PauseTiming();  // freeing is not rebuilding (see BM_ReadModelRebuild)
    models.clear();
    store.reset();
    state.ResumeTiming();
  }
  count_log_events(state, log);
  state.counters["snapshot_mb"] = static_cast<double>(bytes) / 1e6;
}

// A restart's read-model half: every model's snapshot loaded, all at once
// (what ProjectionRunner::start does).
void BM_ReadModelLoadAll(benchmark::State& state) {
  GeneratedLog& log = log_once();
  testing::TempDir out;
  auto store = std::move(ReadModelStore::open(out.path()).value());
  {
    auto models = all_read_models();
    const std::vector<Projection*> raw = pointers(models);
    if (!rebuild_into(*log.store, raw, *store).is_ok()) {
      state.SkipWithError("rebuild failed");
      return;
    }
  }
  for (auto _ : state) {
    state.PauseTiming();
    auto models = all_read_models();
    state.ResumeTiming();
    std::vector<std::future<Result<uint64_t>>> loads;
    for (auto& m : models)
      loads.push_back(std::async(std::launch::async,
                                 [&store, model = m.get()] { return load_model(*store, *model); }));
    for (auto& l : loads) {
      if (!l.get().is_ok())
        state.SkipWithError("load failed");
    }
    state.PauseTiming();
    models.clear();
    state.ResumeTiming();
  }
  count_log_events(state, log);
}

// Folding only (one model, or every model in one pass), no rows produced:
// the floor under BM_ReadModelRebuild*, to tell folding from row building.
void BM_ReadModelFold(benchmark::State& state, const char* model_name) {
  GeneratedLog& log = log_once();
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<std::unique_ptr<Projection>> models;
    if (std::string_view(model_name) == "all")
      models = all_read_models();
    else
      models.push_back(make_read_model(model_name));
    state.ResumeTiming();
    Status st = log.store->scan({}, [&](const EventView& ev) {
      for (auto& m : models)
        m->apply(ev);
      return true;
    });
    if (!st.is_ok())
      state.SkipWithError("scan failed");
    state.PauseTiming();
    models.clear();
    state.ResumeTiming();
  }
  count_log_events(state, log);
}

// The process's resident memory: what the models hold in pages they have
// touched. (malloc's counters miss big arrays, which are mapped apart, and
// would count address space reserved but never touched.)
size_t resident_bytes() {
  long pages = 0, resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2)
      resident = 0;
    std::fclose(f);
  }
  return static_cast<size_t>(resident) * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

template <typename Query>
void record_latency(benchmark::State& state, int n, Query&& query) {
  std::vector<double> us(static_cast<size_t>(n));
  for (auto _ : state) {
    for (int i = 0; i < n; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      query(i);
      us[static_cast<size_t>(i)] =
          std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
    }
  }
  std::sort(us.begin(), us.end());
  state.counters["p50_us"] = us[us.size() / 2];
  state.counters["p99_us"] = us[us.size() * 99 / 100];
  state.counters["max_us"] = us.back();
  state.SetItemsProcessed(static_cast<int64_t>(n) * state.iterations());
}

// Queries against read models holding the whole generated log.
void BM_ReadModelQueries(benchmark::State& state) {
  GeneratedLog& log = log_once();
  CatalogReadModel catalog;
  OrdersReadModel orders;
  malloc_trim(0);
  const size_t before = resident_bytes();
  (void)fold_from_scratch(*log.store, {&catalog, &orders});
  malloc_trim(0);
  const size_t after = resident_bytes();
  std::mt19937_64 rng(9);
  static const char* kSearches[] = {"espresso", "moka pot",   "cup 12",
                                    "grind",    "kettle tea", "spoon 99"};
  const int which = static_cast<int>(state.range(0));
  if (which == 0) {
    record_latency(state, 2000, [&](int i) {
      CatalogQuery q;
      q.q = kSearches[i % 6];
      benchmark::DoNotOptimize(catalog.list(q).total);
    });
    state.SetLabel("catalog search over 10k products");
  } else if (which == 4) {
    // As orderly-bench's mixed workload searches: two of the catalog's
    // common words (each in about a fifth of the products), by relevance.
    static const char* kWords[] = {"espresso", "cup",    "moka",  "pot",   "grinder", "kettle",
                                   "mug",      "filter", "beans", "tea",   "jar",     "tin",
                                   "spoon",    "scale",  "press", "carafe"};
    record_latency(state, 2000, [&](int) {
      CatalogQuery q;
      q.q = std::string(kWords[rng() % 16]) + " " + kWords[rng() % 16];
      benchmark::DoNotOptimize(catalog.list(q).total);
    });
    state.SetLabel("catalog search, two common words, over 10k products");
  } else if (which == 1) {
    record_latency(state, 20000, [&](int) {
      benchmark::DoNotOptimize(
          orders.list(log.users[rng() % log.users.size()].to_string(), "", 1, 20).total);
    });
    state.SetLabel("a user's orders, page 1");
  } else if (which == 2) {
    record_latency(state, 20000, [&](int) {
      benchmark::DoNotOptimize(
          orders.get(log.orders[rng() % log.orders.size()].to_string()).has_value());
    });
    state.SetLabel("an order by id");
  } else {
    StatsReadModel stats;
    (void)fold_from_scratch(*log.store, {&stats});
    record_latency(state, 2000,
                   [&](int) { benchmark::DoNotOptimize(stats.dashboard().orders_total); });
    state.SetLabel("the dashboard (stats over every order, top 10s)");
  }
  state.counters["read_model_mb"] = static_cast<double>(after - before) / (1 << 20);
  state.counters["orders"] = static_cast<double>(log.orders.size());
}

}  // namespace

// One run (a fold or rebuild changes what a second would measure), in
// milliseconds of wall time.
void once_in_real_ms(benchmark::internal::Benchmark* b) {
  b->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();
}

BENCHMARK_CAPTURE(BM_ReadModelRebuild, catalog, "catalog")->Apply(once_in_real_ms);
BENCHMARK_CAPTURE(BM_ReadModelRebuild, orders, "orders")->Apply(once_in_real_ms);
BENCHMARK_CAPTURE(BM_ReadModelRebuild, stats, "stats")->Apply(once_in_real_ms);
BENCHMARK_CAPTURE(BM_ReadModelRebuild, users, "users")->Apply(once_in_real_ms);
BENCHMARK_CAPTURE(BM_ReadModelRebuild, notifications, "notifications")->Apply(once_in_real_ms);
BENCHMARK(BM_ReadModelRebuildAll)->Apply(once_in_real_ms);
BENCHMARK(BM_ReadModelLoadAll)->Iterations(3)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_ReadModelFold, catalog, "catalog")->Apply(once_in_real_ms);
BENCHMARK_CAPTURE(BM_ReadModelFold, orders, "orders")->Apply(once_in_real_ms);
BENCHMARK_CAPTURE(BM_ReadModelFold, stats, "stats")->Apply(once_in_real_ms);
BENCHMARK_CAPTURE(BM_ReadModelFold, all, "all")->Apply(once_in_real_ms);
BENCHMARK(BM_ReadModelQueries)
    ->Arg(0)
    ->Arg(4)
    ->Arg(1)
    ->Arg(2)
    ->Arg(3)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
