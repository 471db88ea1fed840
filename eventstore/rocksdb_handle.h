// Opening the data directory's RocksDB with the column families and the
// tuning of LOG_FORMAT.md. Shared by the store, verify and backup.
#pragma once

#include <rocksdb/db.h>

#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace orderly::eventstore {

struct RocksDbHandle {
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;  // owned; destroyed before db
  rocksdb::ColumnFamilyHandle* meta = nullptr;
  rocksdb::ColumnFamilyHandle* log = nullptr;
  rocksdb::ColumnFamilyHandle* streams = nullptr;
  rocksdb::ColumnFamilyHandle* commands = nullptr;
  rocksdb::ColumnFamilyHandle* checkpoints = nullptr;

  RocksDbHandle() = default;
  RocksDbHandle(RocksDbHandle&&) noexcept;
  RocksDbHandle& operator=(RocksDbHandle&&) noexcept;
  ~RocksDbHandle();
  Status close();
};

struct OpenMode {
  bool create_if_missing = true;
  bool read_only = false;
  rocksdb::Env* env = nullptr;      // null = rocksdb::Env::Default()
  std::string secondary_path = {};  // with read_only: open as a secondary instance
};

// Opens `dir`, creating the column families and the format marker when new;
// a directory of another format is refused.
Result<RocksDbHandle> open_rocksdb(const std::string& dir, const OpenMode& mode);

}  // namespace orderly::eventstore
