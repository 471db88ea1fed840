#include "eventstore/snapshot_store.h"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <filesystem>
#include <map>
#include <mutex>
#include <vector>

#include "core/big_endian.h"
#include "eventstore/rocksdb_logger.h"
#include "eventstore/rocksdb_status.h"

namespace orderly::eventstore {

// Layout of one column family:
//   "\0head"                 -> position, generation, chunk count, byte count (be64 each)
//   "\1" gen(be64) idx(be64) -> the bytes of chunk idx of that generation
// save() writes generation head+1 beside the current one, makes it durable,
// then switches the head and drops the older generations in one WriteBatch.
// Anything else in the family (an unfinished generation after a crash, rows
// of the older row-per-key format) is removed by the next save().

namespace {

constexpr std::string_view kHeadKey("\0head", 5);
constexpr size_t kChunkBytes = 4 << 20;

std::string chunk_key(uint64_t generation, uint64_t index) {
  std::string k(17, '\0');
  k[0] = '\1';
  put_be64(k.data() + 1, generation);
  put_be64(k.data() + 9, index);
  return k;
}

struct Head {
  uint64_t position = 0, generation = 0, chunks = 0, bytes = 0;
};

std::string encode(const Head& h) {
  std::string v(32, '\0');
  put_be64(v.data(), h.position);
  put_be64(v.data() + 8, h.generation);
  put_be64(v.data() + 16, h.chunks);
  put_be64(v.data() + 24, h.bytes);
  return v;
}

}  // namespace

struct SnapshotStore::Impl {
  std::unique_ptr<rocksdb::DB> db;
  std::mutex mu;  // guards `families`
  std::map<std::string, rocksdb::ColumnFamilyHandle*, std::less<>> families;
  // One save at a time: RocksDB would group concurrent writes anyway, and
  // its leader reading the others' batches is a hand-off ThreadSanitizer
  // cannot see inside Debian's uninstrumented librocksdb.
  std::mutex write_mu;

  static rocksdb::ColumnFamilyOptions family_options() {
    rocksdb::ColumnFamilyOptions o;
    o.write_buffer_size = 64 << 20;
    // Snapshots are read whole at start: raw bytes, no decompression.
    o.compression = rocksdb::kNoCompression;
    return o;
  }

  Result<rocksdb::ColumnFamilyHandle*> family(std::string_view name) {
    std::lock_guard lock(mu);
    if (auto it = families.find(name); it != families.end())
      return it->second;
    rocksdb::ColumnFamilyHandle* h = nullptr;
    auto s = db->CreateColumnFamily(family_options(), std::string(name), &h);
    if (!s.ok())
      return from_rocksdb(s, "creating snapshot " + std::string(name));
    families.emplace(std::string(name), h);
    return h;
  }

  Result<std::optional<Head>> head(rocksdb::ColumnFamilyHandle* cf, std::string_view name) {
    std::string value;
    auto s = db->Get(rocksdb::ReadOptions(), cf, rocksdb::Slice(kHeadKey.data(), kHeadKey.size()),
                     &value);
    if (s.IsNotFound())
      return std::optional<Head>();
    if (!s.ok())
      return from_rocksdb(s, "reading snapshot " + std::string(name));
    if (value.size() != 32)
      return Status::corruption("the head of snapshot " + std::string(name) + " is damaged");
    Head h{get_be64(value.data()), get_be64(value.data() + 8), get_be64(value.data() + 16),
           get_be64(value.data() + 24)};
    return std::optional<Head>(h);
  }

  ~Impl() {
    for (auto& [name, h] : families)
      db->DestroyColumnFamilyHandle(h);
    if (db)
      (void)db->Close();
  }
};

SnapshotStore::SnapshotStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SnapshotStore::~SnapshotStore() = default;

Result<std::unique_ptr<SnapshotStore>> SnapshotStore::open(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return Status::io_error("cannot create " + dir + ": " + ec.message());
  rocksdb::DBOptions options;
  options.info_log = stderr_rocksdb_logger();  // no LOG file: see rocksdb_logger.h
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  std::vector<std::string> names;
  if (!rocksdb::DB::ListColumnFamilies(options, dir, &names).ok())
    names = {rocksdb::kDefaultColumnFamilyName};
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& n : names)
    descriptors.emplace_back(n, Impl::family_options());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  auto s = rocksdb::DB::Open(options, dir, descriptors, &handles, &raw);
  if (!s.ok())
    return from_rocksdb(s, "opening snapshots at " + dir);
  auto impl = std::make_unique<Impl>();
  impl->db.reset(raw);
  for (size_t i = 0; i < handles.size(); ++i)
    impl->families.emplace(names[i], handles[i]);
  return std::unique_ptr<SnapshotStore>(new SnapshotStore(std::move(impl)));
}

Result<uint64_t> SnapshotStore::position(std::string_view name) {
  auto cf = impl_->family(name);
  if (!cf)
    return cf.status();
  auto head = impl_->head(*cf, name);
  if (!head)
    return head.status();
  return *head ? (*head)->position : 0;
}

Result<std::optional<Snapshot>> SnapshotStore::load(std::string_view name) {
  auto cf = impl_->family(name);
  if (!cf)
    return cf.status();
  auto head = impl_->head(*cf, name);
  if (!head)
    return head.status();
  if (!*head)
    return std::optional<Snapshot>();
  const Head& h = **head;
  const std::string what = "snapshot " + std::string(name);
  if (h.bytes > (uint64_t{1} << 40) || h.chunks != (h.bytes + kChunkBytes - 1) / kChunkBytes)
    return Status::corruption("the head of " + what + " is damaged");
  Snapshot out;
  out.position = h.position;
  out.bytes.reserve(h.bytes);
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;  // read once
  const std::string first = chunk_key(h.generation, 0);
  const std::string end = chunk_key(h.generation, h.chunks);
  rocksdb::Slice upper(end);
  ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, *cf));
  uint64_t index = 0;
  for (it->Seek(first); it->Valid(); it->Next(), ++index) {
    if (it->key().ToStringView() != chunk_key(h.generation, index))
      return Status::corruption(what + " misses chunk " + std::to_string(index));
    out.bytes.append(it->value().data(), it->value().size());
  }
  ORDERLY_RETURN_IF_ERROR(from_rocksdb(it->status(), "reading " + what));
  if (index != h.chunks || out.bytes.size() != h.bytes)
    return Status::corruption(what + " is incomplete");
  return std::optional<Snapshot>(std::move(out));
}

Status SnapshotStore::save(std::string_view name, std::string_view bytes, uint64_t position) {
  auto cf = impl_->family(name);
  if (!cf)
    return cf.status();
  const std::string what = "saving snapshot " + std::string(name);
  std::lock_guard lock(impl_->write_mu);
  auto old = impl_->head(*cf, name);
  if (!old)
    return old.status();
  Head h;
  h.position = position;
  h.generation = *old ? (*old)->generation + 1 : 1;
  h.bytes = bytes.size();
  h.chunks = (bytes.size() + kChunkBytes - 1) / kChunkBytes;
  // 1. The new generation, beside the current one, without the WAL (half
  //    the bytes written), then flushed to table files: on disk before the
  //    head names it. Leftovers of an unfinished save go first.
  rocksdb::WriteOptions bulk;
  bulk.disableWAL = true;
  {
    rocksdb::WriteBatch clean;
    clean.DeleteRange(*cf, chunk_key(h.generation, 0), std::string(17, '\xff'));
    ORDERLY_RETURN_IF_ERROR(from_rocksdb(impl_->db->Write(bulk, &clean), what));
  }
  for (uint64_t i = 0; i < h.chunks; ++i) {
    rocksdb::WriteBatch batch;
    batch.Put(*cf, chunk_key(h.generation, i),
              rocksdb::Slice(bytes.substr(i * kChunkBytes, kChunkBytes)));
    ORDERLY_RETURN_IF_ERROR(from_rocksdb(impl_->db->Write(bulk, &batch), what));
  }
  rocksdb::FlushOptions flush;
  flush.wait = true;
  ORDERLY_RETURN_IF_ERROR(from_rocksdb(impl_->db->Flush(flush, *cf), what));
  // 2. The switch, through the WAL: the new head, and the older generations
  //    (and anything of an older format, sorting before the head) dropped.
  rocksdb::WriteBatch flip;
  flip.DeleteRange(*cf, rocksdb::Slice("", 0), rocksdb::Slice(kHeadKey.data(), kHeadKey.size()));
  flip.DeleteRange(*cf, chunk_key(0, 0), chunk_key(h.generation, 0));
  flip.Put(*cf, rocksdb::Slice(kHeadKey.data(), kHeadKey.size()), encode(h));
  return from_rocksdb(impl_->db->Write(rocksdb::WriteOptions(), &flip), what);
}

Status SnapshotStore::drop(std::string_view name) {
  auto cf = impl_->family(name);
  if (!cf)
    return cf.status();
  std::lock_guard lock(impl_->write_mu);
  rocksdb::WriteBatch batch;
  batch.DeleteRange(*cf, rocksdb::Slice("", 0), std::string(17, '\xff'));
  return from_rocksdb(impl_->db->Write(rocksdb::WriteOptions(), &batch),
                      "dropping snapshot " + std::string(name));
}

}  // namespace orderly::eventstore
