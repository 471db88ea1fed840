#include "tests/support/faulty_fs.h"

#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <string>

namespace orderly::testing {

namespace {

bool is_wal(const std::string& name) {
  return name.size() > 4 && name.compare(name.size() - 4, 4, ".log") == 0;
}

class FaultyWalFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  FaultyWalFile(std::unique_ptr<rocksdb::FSWritableFile> file, FaultSwitches& sw)
      : FSWritableFileOwnerWrapper(std::move(file)), sw_(sw) {}

  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                           rocksdb::IODebugContext* d) override {
    if (sw_.fail_wal_append.load()) {
      ++sw_.failed_appends;
      return rocksdb::IOStatus::NoSpace("injected: No space left on device");
    }
    return target()->Append(data, o, d);
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                           const rocksdb::DataVerificationInfo& v,
                           rocksdb::IODebugContext* d) override {
    if (sw_.fail_wal_append.load()) {
      ++sw_.failed_appends;
      return rocksdb::IOStatus::NoSpace("injected: No space left on device");
    }
    return target()->Append(data, o, v, d);
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* d) override {
    return fail_or(o, d, [&] { return target()->Sync(o, d); });
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* d) override {
    return fail_or(o, d, [&] { return target()->Fsync(o, d); });
  }

 private:
  template <typename F>
  rocksdb::IOStatus fail_or(const rocksdb::IOOptions&, rocksdb::IODebugContext*, F real) {
    if (sw_.fail_wal_sync.load()) {
      ++sw_.failed_syncs;
      return rocksdb::IOStatus::IOError("injected: fsync failed (EIO)");
    }
    return real();
  }
  FaultSwitches& sw_;
};

bool is_table(const std::string& name) {
  return name.size() > 4 && name.compare(name.size() - 4, 4, ".sst") == 0;
}

class FaultyTableFile : public rocksdb::FSRandomAccessFileOwnerWrapper {
 public:
  FaultyTableFile(std::unique_ptr<rocksdb::FSRandomAccessFile> file, FaultSwitches& sw)
      : FSRandomAccessFileOwnerWrapper(std::move(file)), sw_(sw) {}

  rocksdb::IOStatus Read(uint64_t offset, size_t n, const rocksdb::IOOptions& o,
                         rocksdb::Slice* result, char* scratch,
                         rocksdb::IODebugContext* d) const override {
    if (failing())
      return rocksdb::IOStatus::IOError("injected: read failed (EIO)");
    return target()->Read(offset, n, o, result, scratch, d);
  }
  rocksdb::IOStatus MultiRead(rocksdb::FSReadRequest* reqs, size_t n, const rocksdb::IOOptions& o,
                              rocksdb::IODebugContext* d) override {
    if (failing())
      return rocksdb::IOStatus::IOError("injected: read failed (EIO)");
    return target()->MultiRead(reqs, n, o, d);
  }
  rocksdb::IOStatus Prefetch(uint64_t offset, size_t n, const rocksdb::IOOptions& o,
                             rocksdb::IODebugContext* d) override {
    if (failing())
      return rocksdb::IOStatus::IOError("injected: read failed (EIO)");
    return target()->Prefetch(offset, n, o, d);
  }

 private:
  bool failing() const {
    if (!sw_.fail_table_reads.load())
      return false;
    ++sw_.failed_reads;
    return true;
  }
  FaultSwitches& sw_;
};

class FaultyFileSystem : public rocksdb::FileSystemWrapper {
 public:
  FaultyFileSystem(const std::shared_ptr<rocksdb::FileSystem>& base, FaultSwitches& sw)
      : FileSystemWrapper(base), sw_(sw) {}
  static const char* kClassName() { return "OrderlyFaultyFileSystem"; }
  const char* Name() const override { return kClassName(); }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* d) override {
    auto s = target()->NewWritableFile(name, o, result, d);
    if (s.ok() && is_wal(name))
      result->reset(new FaultyWalFile(std::move(*result), sw_));
    return s;
  }
  rocksdb::IOStatus NewRandomAccessFile(const std::string& name, const rocksdb::FileOptions& o,
                                        std::unique_ptr<rocksdb::FSRandomAccessFile>* result,
                                        rocksdb::IODebugContext* d) override {
    auto s = target()->NewRandomAccessFile(name, o, result, d);
    if (s.ok() && is_table(name))
      result->reset(new FaultyTableFile(std::move(*result), sw_));
    return s;
  }
  rocksdb::IOStatus ReuseWritableFile(const std::string& name, const std::string& old,
                                      const rocksdb::FileOptions& o,
                                      std::unique_ptr<rocksdb::FSWritableFile>* result,
                                      rocksdb::IODebugContext* d) override {
    auto s = target()->ReuseWritableFile(name, old, o, result, d);
    if (s.ok() && is_wal(name))
      result->reset(new FaultyWalFile(std::move(*result), sw_));
    return s;
  }

 private:
  FaultSwitches& sw_;
};

}  // namespace

std::shared_ptr<rocksdb::Env> make_faulty_env(FaultSwitches& switches) {
  auto fs = std::make_shared<FaultyFileSystem>(rocksdb::FileSystem::Default(), switches);
  return std::shared_ptr<rocksdb::Env>(rocksdb::NewCompositeEnv(fs).release());
}

}  // namespace orderly::testing
