#include "projections/read_model_store.h"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <filesystem>
#include <map>
#include <mutex>

#include "core/big_endian.h"
#include "eventstore/rocksdb_status.h"

namespace orderly::projections {

using eventstore::from_rocksdb;

namespace {

// The checkpoint lives under a key that sorts before every row.
constexpr std::string_view kCheckpointKey("\0checkpoint", 11);

}  // namespace

struct ReadModelStore::Impl {
  std::unique_ptr<rocksdb::DB> db;
  std::mutex mu;        // guards `families` (creating column families)
  std::mutex write_mu;  // serialises commits (see commit())
  std::map<std::string, rocksdb::ColumnFamilyHandle*, std::less<>> families;

  Result<rocksdb::ColumnFamilyHandle*> family(std::string_view model) {
    std::lock_guard lock(mu);
    if (auto it = families.find(model); it != families.end())
      return it->second;
    rocksdb::ColumnFamilyHandle* h = nullptr;
    rocksdb::ColumnFamilyOptions o;
    o.write_buffer_size = 32 << 20;
    auto s = db->CreateColumnFamily(o, std::string(model), &h);
    if (!s.ok())
      return from_rocksdb(s, "creating read model " + std::string(model));
    families.emplace(std::string(model), h);
    return h;
  }

  ~Impl() {
    for (auto& [name, h] : families)
      db->DestroyColumnFamilyHandle(h);
    if (db)
      (void)db->Close();
  }
};

ReadModelStore::ReadModelStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ReadModelStore::~ReadModelStore() = default;

Result<std::unique_ptr<ReadModelStore>> ReadModelStore::open(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return Status::io_error("cannot create " + dir + ": " + ec.message());
  rocksdb::DBOptions options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  std::vector<std::string> names;
  if (!rocksdb::DB::ListColumnFamilies(options, dir, &names).ok())
    names = {rocksdb::kDefaultColumnFamilyName};
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& n : names)
    descriptors.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  auto s = rocksdb::DB::Open(options, dir, descriptors, &handles, &raw);
  if (!s.ok())
    return from_rocksdb(s, "opening read models at " + dir);
  auto impl = std::make_unique<Impl>();
  impl->db.reset(raw);
  for (size_t i = 0; i < handles.size(); ++i)
    impl->families.emplace(names[i], handles[i]);
  return std::unique_ptr<ReadModelStore>(new ReadModelStore(std::move(impl)));
}

Result<uint64_t> ReadModelStore::checkpoint(std::string_view model) {
  auto cf = impl_->family(model);
  if (!cf)
    return cf.status();
  std::string value;
  auto s = impl_->db->Get(rocksdb::ReadOptions(), *cf,
                          rocksdb::Slice(kCheckpointKey.data(), kCheckpointKey.size()), &value);
  if (s.IsNotFound())
    return uint64_t{0};
  if (!s.ok())
    return from_rocksdb(s, "reading the checkpoint of " + std::string(model));
  if (value.size() != 8)
    return Status::corruption("checkpoint of read model " + std::string(model) + " is damaged");
  return get_be64(value.data());
}

Status ReadModelStore::commit(std::string_view model, const RowChanges& rows, uint64_t checkpoint) {
  auto cf = impl_->family(model);
  if (!cf)
    return cf.status();
  rocksdb::WriteBatch batch;
  for (const auto& [key, value] : rows) {
    if (value) {
      batch.Put(*cf, key, *value);
    } else {
      batch.Delete(*cf, key);
    }
  }
  batch.Put(*cf, rocksdb::Slice(kCheckpointKey.data(), kCheckpointKey.size()),
            be64_key(checkpoint));
  // Not synced: a read model is derived, and a process crash keeps what the
  // OS has; after a machine crash it resumes from an older checkpoint, which
  // is still consistent with its rows.
  // One commit at a time: RocksDB would merge concurrent small batches into
  // a write group anyway, and its leader reading the others' batches is a
  // hand-off ThreadSanitizer cannot see inside Debian's uninstrumented
  // librocksdb (a false report on every run).
  std::lock_guard lock(impl_->write_mu);
  return from_rocksdb(impl_->db->Write(rocksdb::WriteOptions(), &batch),
                      "saving read model " + std::string(model));
}

Status ReadModelStore::scan(std::string_view model,
                            const std::function<void(std::string_view, std::string_view)>& visit) {
  auto cf = impl_->family(model);
  if (!cf)
    return cf.status();
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions(), *cf));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->key().ToStringView() == kCheckpointKey)
      continue;
    visit(it->key().ToStringView(), it->value().ToStringView());
  }
  return from_rocksdb(it->status(), "reading read model " + std::string(model));
}

Status ReadModelStore::drop(std::string_view model) {
  auto cf = impl_->family(model);
  if (!cf)
    return cf.status();
  rocksdb::WriteBatch batch;
  drop_all(batch, *cf);
  return from_rocksdb(impl_->db->Write(rocksdb::WriteOptions(), &batch),
                      "dropping read model " + std::string(model));
}

Result<uint64_t> ReadModelStore::replace(std::string_view model,
                                         const std::function<RowChanges()>& next_chunk,
                                         uint64_t checkpoint) {
  auto cf = impl_->family(model);
  if (!cf)
    return cf.status();
  const std::string what = "rewriting read model " + std::string(model);
  // 1. Old rows gone and "incomplete" recorded, through the WAL: from here a
  //    crash leaves a model that start() drops and rebuilds.
  rocksdb::WriteBatch head;
  drop_all(head, *cf);
  head.Put(*cf, rocksdb::Slice(kCheckpointKey.data(), kCheckpointKey.size()),
           be64_key(kIncomplete));
  ORDERLY_RETURN_IF_ERROR(from_rocksdb(impl_->db->Write(rocksdb::WriteOptions(), &head), what));
  // 2. The rows without the WAL (half the bytes written), then flushed to
  //    table files: they are on disk before the checkpoint says so.
  rocksdb::WriteOptions bulk;
  bulk.disableWAL = true;
  uint64_t written = 0;
  for (RowChanges rows = next_chunk(); !rows.empty(); rows = next_chunk()) {
    rocksdb::WriteBatch batch;
    for (const auto& [key, value] : rows) {
      if (value) {
        batch.Put(*cf, key, *value);
        ++written;
      }
    }
    ORDERLY_RETURN_IF_ERROR(from_rocksdb(impl_->db->Write(bulk, &batch), what));
  }
  rocksdb::FlushOptions flush;
  flush.wait = true;
  ORDERLY_RETURN_IF_ERROR(from_rocksdb(impl_->db->Flush(flush, *cf), what));
  // 3. The model is complete.
  ORDERLY_RETURN_IF_ERROR(commit(model, {}, checkpoint));
  return written;
}

void ReadModelStore::drop_all(rocksdb::WriteBatch& batch, rocksdb::ColumnFamilyHandle* cf) {
  // Every key: row keys start with a printable prefix, the checkpoint's with NUL.
  static const std::string kEnd(8, '\xff');
  batch.DeleteRange(cf, rocksdb::Slice("", 0), kEnd);
}

}  // namespace orderly::projections
