#include "eventstore/rocksdb_handle.h"

#include <rocksdb/cache.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/rate_limiter.h>
#include <rocksdb/table.h>

#include <cstdlib>
#include <filesystem>

#include "eventstore/keys.h"
#include "eventstore/rocksdb_logger.h"
#include "eventstore/rocksdb_status.h"

namespace orderly::eventstore {

namespace {

constexpr long kDefaultFlushRateMb = 160;

// The log is append-only with increasing keys and incompressible-ish
// FlatBuffers values: no compression on the hot path, big memtables so flushes
// are rare and large, and SSTs whose key ranges never overlap, so compaction
// is mostly trivial moves.
rocksdb::ColumnFamilyOptions log_family_options(const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions o;
  o.compression = rocksdb::kNoCompression;
  o.write_buffer_size = 128 << 20;
  o.max_write_buffer_number = 4;
  o.target_file_size_base = 128 << 20;
  o.max_bytes_for_level_base = 1ull << 30;
  o.level_compaction_dynamic_level_bytes = true;
  rocksdb::BlockBasedTableOptions t;
  t.block_cache = cache;
  t.block_size = 64 << 10;
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  return o;
}

// Small keys and values, read by seek: the defaults with a shared cache.
rocksdb::ColumnFamilyOptions index_family_options(const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions o;
  o.write_buffer_size = 32 << 20;
  o.level_compaction_dynamic_level_bytes = true;
  rocksdb::BlockBasedTableOptions t;
  t.block_cache = cache;
  // Whole-key bloom filters: the writer's point reads (is this command id
  // known? does this stream exist?) mostly ask for keys that are not there.
  t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  // The same for the memtables, where the newest keys are: without it each
  // such miss walked the memtable's skip list (a RocksDB Get for every new
  // order's stream was 4% of the writer's time under order load).
  o.memtable_whole_key_filtering = true;
  o.memtable_prefix_bloom_size_ratio = 0.02;  // of write_buffer_size: 640 KiB
  return o;
}

}  // namespace

RocksDbHandle::RocksDbHandle(RocksDbHandle&& other) noexcept {
  *this = std::move(other);
}

RocksDbHandle& RocksDbHandle::operator=(RocksDbHandle&& other) noexcept {
  if (this != &other) {
    (void)close();
    db = std::move(other.db);
    handles = std::move(other.handles);
    meta = other.meta;
    log = other.log;
    streams = other.streams;
    commands = other.commands;
    checkpoints = other.checkpoints;
    other.handles.clear();
  }
  return *this;
}

RocksDbHandle::~RocksDbHandle() {
  (void)close();
}

Status RocksDbHandle::close() {
  if (!db)
    return Status::ok();
  for (auto* h : handles)
    db->DestroyColumnFamilyHandle(h);
  handles.clear();
  rocksdb::Status s = db->Close();
  db.reset();
  return from_rocksdb(s, "closing the store");
}

Result<RocksDbHandle> open_rocksdb(const std::string& dir, const OpenMode& mode) {
  std::error_code ec;
  const bool exists = std::filesystem::exists(std::filesystem::path(dir) / "CURRENT", ec);
  // (A swapped-in env shares the real disk: the existence check stays valid.)
  if (!exists && (mode.read_only || !mode.create_if_missing)) {
    return Status::not_found("no Orderly data directory at " + dir);
  }
  if (!exists) {
    std::filesystem::create_directories(dir, ec);
    if (ec)
      return Status::io_error("cannot create " + dir + ": " + ec.message());
    // The log holds password hashes and personal data: its owner's only,
    // whatever the umask (eventstore/owner_only.h).
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace, ec);
    if (ec)
      return Status::io_error("cannot restrict " + dir + " to its owner: " + ec.message());
  }

  static const auto cache = rocksdb::NewLRUCache(64 << 20);
  rocksdb::DBOptions db_options;
  db_options.info_log = stderr_rocksdb_logger();  // no LOG file: see rocksdb_logger.h
  if (mode.env != nullptr)
    db_options.env = mode.env;
  db_options.create_if_missing = !mode.read_only && mode.create_if_missing;
  db_options.create_missing_column_families = !mode.read_only;
  db_options.max_background_jobs = 2;
  db_options.bytes_per_sync = 1 << 20;
  // Flushes and compactions write in small, paced slices: a 128 MB memtable
  // flushed in one burst fills the device queue, and every WAL fsync (the
  // latency of every acknowledged command) waits behind it. The pace
  // (ORDERLY_FLUSH_RATE_MB, MB/s, 0 = unpaced) bounds how fast the log can
  // be ingested for long, so it trades peak ingest for tail latency; see
  // benchmarks/RESULTS.md for the measurements behind the default.
  static const std::shared_ptr<rocksdb::RateLimiter> limiter =
      []() -> std::shared_ptr<rocksdb::RateLimiter> {
    const char* env = std::getenv("ORDERLY_FLUSH_RATE_MB");
    const long mb = env ? std::atol(env) : kDefaultFlushRateMb;
    if (mb <= 0)
      return nullptr;
    return std::shared_ptr<rocksdb::RateLimiter>(
        rocksdb::NewGenericRateLimiter(static_cast<int64_t>(mb) << 20, /*refill_period_us=*/5'000,
                                       /*fairness=*/10, rocksdb::RateLimiter::Mode::kWritesOnly));
  }();
  db_options.rate_limiter = limiter;
  // Flushes and compactions run at the lowest CPU and I/O priority: on a
  // small machine they otherwise take time slices from the single writer
  // (measured: writer phases stalling 6-14 ms while the flush thread ran).
  // Lowering a priority needs no privilege. Process-wide, done once.
  static const bool lowered = [] {
    rocksdb::Env* env = rocksdb::Env::Default();
    for (auto pool : {rocksdb::Env::Priority::HIGH, rocksdb::Env::Priority::LOW}) {
      env->LowerThreadPoolCPUPriority(pool, rocksdb::CpuPriority::kLow);
      env->LowerThreadPoolIOPriority(pool);
    }
    return true;
  }();
  (void)lowered;
  // A read-only open is a command line scanning the log (rebuild, replay,
  // verify): table files are mapped rather than read, so the scan uses
  // the page cache's bytes in place instead of copying each block twice
  // (read into a buffer, then into the block). Table files never change
  // once written, and a read-only open writes none.
  db_options.allow_mmap_reads = mode.read_only;
  db_options.keep_log_file_num = 5;
  db_options.max_manifest_file_size = 64 << 20;

  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, index_family_options(cache)},
      {kLogFamily, log_family_options(cache)},
      {kStreamsFamily, index_family_options(cache)},
      {kCommandsFamily, index_family_options(cache)},
      {kCheckpointsFamily, index_family_options(cache)},
  };

  RocksDbHandle h;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  if (mode.read_only && !mode.secondary_path.empty()) {
    db_options.max_open_files = -1;  // required by secondary instances
    s = rocksdb::DB::OpenAsSecondary(db_options, dir, mode.secondary_path, families, &h.handles,
                                     &raw);
  } else if (mode.read_only) {
    s = rocksdb::DB::OpenForReadOnly(db_options, dir, families, &h.handles, &raw);
  } else {
    s = rocksdb::DB::Open(db_options, dir, families, &h.handles, &raw);
  }
  if (!s.ok())
    return from_rocksdb(s, "opening " + dir);
  h.db.reset(raw);
  h.meta = h.handles[0];
  h.log = h.handles[1];
  h.streams = h.handles[2];
  h.commands = h.handles[3];
  h.checkpoints = h.handles[4];

  std::string format;
  s = h.db->Get(rocksdb::ReadOptions(), h.meta, kFormatKey, &format);
  if (s.IsNotFound()) {
    if (mode.read_only)
      return Status::corruption(dir + " has no format marker");
    rocksdb::WriteOptions wo;
    wo.sync = true;
    s = h.db->Put(wo, h.meta, kFormatKey, kFormatValue);
    if (!s.ok())
      return from_rocksdb(s, "writing the format marker");
  } else if (!s.ok()) {
    return from_rocksdb(s, "reading the format marker");
  } else if (format != kFormatValue) {
    return Status::corruption(dir + " holds format '" + format + "', this build reads '" +
                              kFormatValue + "'");
  }
  return h;
}

}  // namespace orderly::eventstore
