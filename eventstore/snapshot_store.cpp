#include "eventstore/snapshot_store.h"

#include <fcntl.h>
#include <rocksdb/db.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <vector>

#include "core/big_endian.h"
#include "eventstore/crc32c.h"
#include "eventstore/rocksdb_logger.h"
#include "eventstore/rocksdb_status.h"

namespace orderly::eventstore {

// The head of a snapshot, in the RocksDB's default column family:
//   "head/" + name -> position, generation, byte count (be64 each), CRC-32C (le32)
// save() writes <name>.<generation + 1>.snap beside the current file, makes
// it durable, then switches the head (through the WAL, synced) and deletes
// the other files of that name. A file no head names (a save cut short) is
// deleted by the next save of that name.
// (Before, snapshots were 4 MiB chunks in one column family per name; such
// families are dropped at open, and their models fold the log once.)

namespace {

constexpr size_t kHeadBytes = 8 + 8 + 8 + 4;

struct Head {
  uint64_t position = 0, generation = 0, bytes = 0;
  uint32_t crc = 0;
};

std::string head_key(std::string_view name) {
  return "head/" + std::string(name);
}

std::string encode(const Head& h) {
  std::string v(kHeadBytes, '\0');
  put_be64(v.data(), h.position);
  put_be64(v.data() + 8, h.generation);
  put_be64(v.data() + 16, h.bytes);
  put_le32(v.data() + 24, h.crc);
  return v;
}

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 64)
    return false;
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'))
      return false;
  }
  return true;
}

Status errno_status(int err, const std::string& what) {
  const std::string m = what + ": " + std::strerror(err);
  return err == ENOSPC || err == EDQUOT ? Status::insufficient_storage(m) : Status::io_error(m);
}

// Writes `bytes` to `path` and makes the file and its name durable.
Status write_durably(const std::string& dir, const std::string& path,
                     std::span<const std::string_view> pieces) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return errno_status(errno, "creating " + path);
  off_t written = 0;
  for (const std::string_view bytes : pieces) {
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n =
          ::write(fd, bytes.data() + done, std::min<size_t>(bytes.size() - done, 64 << 20));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0) {
        const int err = n < 0 ? errno : EIO;
        ::close(fd);
        ::unlink(path.c_str());
        return errno_status(err, "writing " + path);
      }
#if defined(__linux__)
      // Start writing this stretch to disk now, while the next is copied:
      // the fdatasync below then waits for the tail, not the whole file.
      // (Only a hint: an error here shows again at fdatasync.)
      (void)::sync_file_range(fd, written, n, SYNC_FILE_RANGE_WRITE);
#endif
      written += n;
      done += static_cast<size_t>(n);
    }
  }
  if (::fdatasync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    ::unlink(path.c_str());
    return errno_status(err, "syncing " + path);
  }
  ::close(fd);
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return errno_status(errno, "opening " + dir);
  const int synced = ::fsync(dfd);
  const int err = errno;
  ::close(dfd);
  return synced == 0 ? Status::ok() : errno_status(err, "syncing " + dir);
}

// A read-only, private mapping of a whole file, unmapped with its last owner.
struct Mapping {
  void* data = nullptr;
  size_t size = 0;
  ~Mapping() {
    if (data != nullptr)
      ::munmap(data, size);
  }
};

}  // namespace

struct SnapshotStore::Impl {
  std::string dir;
  std::unique_ptr<rocksdb::DB> db;
  // One save or drop at a time (each reads the head it replaces); a load
  // holds it while it reads a head and opens the file it names.
  std::mutex write_mu;

  std::string file(std::string_view name, uint64_t generation) const {
    return dir + "/" + std::string(name) + "." + std::to_string(generation) + ".snap";
  }

  Result<std::optional<Head>> head(std::string_view name) {
    std::string value;
    auto s = db->Get(rocksdb::ReadOptions(), head_key(name), &value);
    if (s.IsNotFound())
      return std::optional<Head>();
    if (!s.ok())
      return from_rocksdb(s, "reading snapshot " + std::string(name));
    if (value.size() != kHeadBytes)
      return Status::corruption("the head of snapshot " + std::string(name) + " is damaged");
    Head h{get_be64(value.data()), get_be64(value.data() + 8), get_be64(value.data() + 16),
           get_le32(value.data() + 24)};
    return std::optional<Head>(h);
  }

  // Deletes the files of `name` other than generation `keep` (0: all).
  void remove_files(std::string_view name, uint64_t keep) {
    const std::string prefix = std::string(name) + ".";
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      const std::string f = entry.path().filename().string();
      if (!f.starts_with(prefix) || !f.ends_with(".snap"))
        continue;
      const std::string gen = f.substr(prefix.size(), f.size() - prefix.size() - 5);
      if (gen.empty() || gen.find_first_not_of("0123456789") != std::string::npos)
        continue;  // another name's file ("orders" vs "orders.x")
      if (keep == 0 || gen != std::to_string(keep))
        std::filesystem::remove(entry.path(), ec);
    }
  }

  ~Impl() {
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
  descriptors.reserve(names.size());
  for (const auto& n : names)
    descriptors.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  auto s = rocksdb::DB::Open(options, dir, descriptors, &handles, &raw);
  if (!s.ok())
    return from_rocksdb(s, "opening snapshots at " + dir);
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  impl->db.reset(raw);
  // Families other than the default hold snapshots of the older chunked
  // format: dropped, their models fold the log instead.
  for (size_t i = 0; i < handles.size(); ++i) {
    if (names[i] != rocksdb::kDefaultColumnFamilyName)
      (void)raw->DropColumnFamily(handles[i]);
    (void)raw->DestroyColumnFamilyHandle(handles[i]);
  }
  return std::unique_ptr<SnapshotStore>(new SnapshotStore(std::move(impl)));
}

Result<uint64_t> SnapshotStore::position(std::string_view name) {
  auto head = impl_->head(name);
  if (!head)
    return head.status();
  return *head ? (*head)->position : 0;
}

Result<std::optional<Snapshot>> SnapshotStore::load(std::string_view name) {
  const std::string what = "snapshot " + std::string(name);
  Head h;
  std::string path;
  int fd = -1;
  {
    // The head and its file are taken together: a save replacing both (and
    // deleting this file) waits. An open file outlives its deletion.
    std::lock_guard lock(impl_->write_mu);
    auto head = impl_->head(name);
    if (!head)
      return head.status();
    if (!*head)
      return std::optional<Snapshot>();
    h = **head;
    path = impl_->file(name, h.generation);
    if (h.bytes > 0 && (fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC)) < 0) {
      const int err = errno;
      const std::string m = what + " misses its file " + path + ": " + std::strerror(err);
      return err == ENOENT ? Status::corruption(m) : Status::io_error(m);
    }
  }
  Snapshot out;
  out.position = h.position;
  if (fd >= 0) {
    struct stat st {};
    if (::fstat(fd, &st) != 0 || static_cast<uint64_t>(st.st_size) != h.bytes) {
      ::close(fd);
      return Status::corruption(what + " is incomplete: " + path + " is not " +
                                std::to_string(h.bytes) + " bytes");
    }
    // MAP_POPULATE: the pages are mapped in one go, not faulted one by one.
    void* data = ::mmap(nullptr, h.bytes, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    ::close(fd);
    if (data == MAP_FAILED)
      return Status::io_error("mapping " + path + ": " + std::strerror(errno));
    auto mapping = std::make_shared<Mapping>();
    mapping->data = data;
    mapping->size = h.bytes;
    out.bytes = std::string_view(static_cast<const char*>(data), h.bytes);
    out.keep = std::move(mapping);
  }
  if (crc32c(out.bytes) != h.crc)
    return Status::corruption(what + " is damaged (checksum mismatch)");
  return std::optional<Snapshot>(std::move(out));
}

Status SnapshotStore::save(std::string_view name, std::string_view bytes, uint64_t position) {
  return save(name, std::span<const std::string_view>(&bytes, 1), position);
}

Status SnapshotStore::save(std::string_view name, std::span<const std::string_view> pieces,
                           uint64_t position) {
  if (!valid_name(name))
    return Status::invalid_argument("snapshot name '" + std::string(name) + "' is not allowed");
  const std::string what = "saving snapshot " + std::string(name);
  std::lock_guard lock(impl_->write_mu);
  auto old = impl_->head(name);
  if (!old)
    return old.status();
  Head h;
  h.position = position;
  h.generation = *old ? (*old)->generation + 1 : 1;
  h.bytes = 0;
  h.crc = 0;
  for (const std::string_view piece : pieces) {
    h.bytes += piece.size();
    h.crc = crc32c_extend(h.crc, piece);
  }
  // 1. The new file beside the current one, durable before a head names it.
  ORDERLY_RETURN_IF_ERROR(write_durably(impl_->dir, impl_->file(name, h.generation), pieces));
  // 2. The switch, through the synced WAL.
  rocksdb::WriteOptions synced;
  synced.sync = true;
  auto s = impl_->db->Put(synced, head_key(name), encode(h));
  if (!s.ok()) {
    std::error_code ec;
    std::filesystem::remove(impl_->file(name, h.generation), ec);
    return from_rocksdb(s, what);
  }
  // 3. The older files (and any left by a save cut short) go.
  impl_->remove_files(name, h.generation);
  return Status::ok();
}

Status SnapshotStore::drop(std::string_view name) {
  std::lock_guard lock(impl_->write_mu);
  rocksdb::WriteOptions synced;
  synced.sync = true;
  ORDERLY_RETURN_IF_ERROR(from_rocksdb(impl_->db->Delete(synced, head_key(name)),
                                       "dropping snapshot " + std::string(name)));
  if (valid_name(name))
    impl_->remove_files(name, 0);
  return Status::ok();
}

}  // namespace orderly::eventstore
