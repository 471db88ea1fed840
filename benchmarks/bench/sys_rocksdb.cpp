// The ceiling: raw RocksDB, each order one WriteBatch (the event under its
// log position, the stream index entry) written with sync, concurrently
// from every client so RocksDB groups the syncs as it can. No rules are
// checked: it stores the same event bytes Orderly stores, nothing more.
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>

#include "benchmarks/bench/peers.h"
#include "eventstore/keys.h"

namespace orderly::bench {

namespace {

class RawRocksDb final : public System {
 public:
  explicit RawRocksDb(std::vector<std::string> envelopes) : envelopes_(std::move(envelopes)) {}
  ~RawRocksDb() override { stop(); }
  std::string name() const override { return "raw-rocksdb"; }
  std::string durability() const override { return "fsync"; }

  Status prepare(const Workload&) override {
    stop();
    if (envelopes_.empty())
      return Status::internal("no event bytes to write");
    dir_ = make_temp_dir("orderly-bench-rocksdb");
    rocksdb::Options o;
    o.create_if_missing = true;
    o.enable_pipelined_write = true;
    rocksdb::DB* db = nullptr;
    auto st = rocksdb::DB::Open(o, dir_, &db);
    if (!st.ok())
      return Status::io_error(st.ToString());
    db_.reset(db);
    next_.store(1);
    return Status::ok();
  }

  Outcome place_order(int, const OrderSpec& o) override {
    const uint64_t position = next_.fetch_add(1);
    const std::string& bytes = envelopes_[position % envelopes_.size()];
    rocksdb::WriteBatch batch;
    batch.Put("l" + eventstore::log_key(position), bytes);
    batch.Put("s" + eventstore::stream_key("order-" + o.order_id.to_string(), 1),
              eventstore::log_key(position));
    rocksdb::WriteOptions sync;
    sync.sync = true;
    return db_->Write(sync, &batch).ok() ? Outcome::kAccepted : Outcome::kError;
  }

  Status check(const Workload&, const std::vector<OrderSpec>& accepted) override {
    // Every acknowledged order's index entry, pointing at its event.
    for (const OrderSpec& o : accepted) {
      std::string position, bytes;
      if (!db_->Get({}, "s" + eventstore::stream_key("order-" + o.order_id.to_string(), 1),
                    &position)
               .ok() ||
          !db_->Get({}, "l" + position, &bytes).ok()) {
        return Status::internal("acknowledged order " + o.order_id.to_string() + " is missing");
      }
    }
    if (next_.load() - 1 != accepted.size())
      return Status::internal("the store holds events nobody was told about");
    return Status::ok();
  }

  double cpu_seconds() const override { return cpu_seconds_of_self(); }
  double peak_rss_mb() const override { return peak_rss_mb_of_pid(getpid()); }
  void reset_peaks() override { reset_peak_rss_of_pid(getpid()); }

  void stop() override {
    db_.reset();
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
      dir_.clear();
    }
  }

 private:
  std::vector<std::string> envelopes_;
  std::string dir_;
  std::unique_ptr<rocksdb::DB> db_;
  std::atomic<uint64_t> next_{1};
};

}  // namespace

std::unique_ptr<System> make_raw_rocksdb(std::vector<std::string> envelopes) {
  return std::make_unique<RawRocksDb>(std::move(envelopes));
}

}  // namespace orderly::bench
