#include "eventstore/backup.h"

#include <fcntl.h>
#include <rocksdb/write_batch.h>
#include <unistd.h>

#include <filesystem>
#include <memory>

#include "core/clock.h"
#include "eventstore/owner_only.h"
#include "eventstore/rocksdb_handle.h"
#include "eventstore/rocksdb_status.h"
#include "eventstore/store.h"
#include "eventstore/verify.h"

namespace orderly::eventstore {

namespace fs = std::filesystem;

namespace {

// Copies every column family of a read-only snapshot into a new store.
Status export_snapshot(const std::string& data_dir, const std::string& backup_dir) {
  auto src = open_rocksdb(data_dir, {.create_if_missing = false, .read_only = true});
  if (!src)
    return src.status();
  auto dst = open_rocksdb(backup_dir, {.create_if_missing = true, .read_only = false});
  if (!dst)
    return dst.status();
  const std::pair<rocksdb::ColumnFamilyHandle*, rocksdb::ColumnFamilyHandle*> families[] = {
      {src->meta, dst->meta},
      {src->log, dst->log},
      {src->streams, dst->streams},
      {src->commands, dst->commands},
      {src->checkpoints, dst->checkpoints}};
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;
  rocksdb::WriteOptions wo;
  for (const auto& [from, to] : families) {
    std::unique_ptr<rocksdb::Iterator> it(src->db->NewIterator(ro, from));
    rocksdb::WriteBatch wb;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      wb.Put(to, it->key(), it->value());
      if (wb.GetDataSize() >= (8 << 20)) {
        ORDERLY_RETURN_IF_ERROR(from_rocksdb(dst->db->Write(wo, &wb), "writing the backup"));
        wb.Clear();
      }
    }
    ORDERLY_RETURN_IF_ERROR(from_rocksdb(it->status(), "reading " + data_dir));
    ORDERLY_RETURN_IF_ERROR(from_rocksdb(dst->db->Write(wo, &wb), "writing the backup"));
  }
  ORDERLY_RETURN_IF_ERROR(from_rocksdb(dst->db->FlushWAL(true), "syncing the backup"));
  rocksdb::FlushOptions fo;
  ORDERLY_RETURN_IF_ERROR(from_rocksdb(dst->db->Flush(fo, dst->handles), "flushing the backup"));
  return dst->close();
}

// fsyncs a file or directory.
Status fsync_path(const fs::path& path, bool directory) {
  const int fd = ::open(path.c_str(), (directory ? O_DIRECTORY : 0) | O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return Status::io_error("cannot open " + path.string() + " to sync it");
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0)
    return Status::io_error("fsync of " + path.string() + " failed");
  return Status::ok();
}

// Makes a copied tree durable: every file, then every directory.
Status fsync_tree(const fs::path& root) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    ORDERLY_RETURN_IF_ERROR(fsync_path(it->path(), it->is_directory()));
  }
  if (ec)
    return Status::io_error("walking " + root.string() + ": " + ec.message());
  return fsync_path(root, true);
}

Status check_backup(const std::string& dir) {
  auto report = verify_data_dir(dir);
  if (!report)
    return report.status();
  if (!report->ok()) {
    return Status::corruption("backup at " + dir +
                              " fails verification: " + report->problems.front());
  }
  return Status::ok();
}

}  // namespace

Status backup_data_dir(const std::string& data_dir, const std::string& backup_dir) {
  std::error_code ec;
  if (fs::exists(backup_dir, ec)) {
    return Status::already_exists("backup directory " + backup_dir + " already exists");
  }
  StoreOptions options;
  options.create_if_missing = false;
  auto store = EventStore::open(data_dir, options);
  if (store) {
    ORDERLY_RETURN_IF_ERROR((*store)->backup_to(backup_dir));
    ORDERLY_RETURN_IF_ERROR((*store)->close());
  } else if (store.status().code() == ErrorCode::kBusy) {
    // A running server holds the lock: copy a read-only snapshot instead.
    Status st = export_snapshot(data_dir, backup_dir);
    if (!st.is_ok()) {
      fs::remove_all(backup_dir, ec);
      return st;
    }
  } else {
    return store.status();
  }
  ORDERLY_RETURN_IF_ERROR(check_backup(backup_dir));
  // A backup holds what the data directory holds: its owner's only. (Its
  // files may be hard links to the live ones, which this tightens too.)
  auto restricted = restrict_to_owner(backup_dir);
  return restricted ? Status::ok() : restricted.status();
}

Status restore_data_dir(const std::string& backup_dir, const std::string& data_dir, bool force) {
  std::error_code ec;
  if (!fs::exists(fs::path(backup_dir) / "CURRENT", ec)) {
    return Status::not_found("no backup at " + backup_dir);
  }
  ORDERLY_RETURN_IF_ERROR(check_backup(backup_dir));
  const bool has_store = fs::exists(fs::path(data_dir) / "CURRENT", ec);
  if (has_store) {
    if (!force) {
      return Status::already_exists(data_dir +
                                    " already holds a store; pass --force to replace it");
    }
    // Refuse while a server has it open: its lock would be lost under it.
    auto probe = open_rocksdb(data_dir, {.create_if_missing = false, .read_only = false});
    if (!probe)
      return probe.status();
    ORDERLY_RETURN_IF_ERROR(probe->close());
  }
  const fs::path target = fs::absolute(data_dir).lexically_normal();
  const fs::path staging = target.string() + ".restore-tmp";
  fs::remove_all(staging, ec);
  fs::copy(backup_dir, staging, fs::copy_options::recursive, ec);
  if (ec)
    return Status::io_error("copying " + backup_dir + ": " + ec.message());
  // The copy must be on disk before it replaces anything: a power cut after
  // "restored" must not leave short files behind.
  ORDERLY_RETURN_IF_ERROR(fsync_tree(staging));
  if (fs::exists(target, ec)) {
    const fs::path aside =
        target.string() + ".before-restore-" + std::to_string(now_us() / 1000000);
    fs::rename(target, aside, ec);
    if (ec)
      return Status::io_error("moving " + data_dir + " aside: " + ec.message());
  }
  fs::rename(staging, target, ec);
  if (ec)
    return Status::io_error("moving the restored copy into place: " + ec.message());
  // A backup copied with looser modes (by hand, another tool) is not let
  // loose in the data directory.
  if (auto restricted = restrict_to_owner(target.string()); !restricted)
    return restricted.status();
  ORDERLY_RETURN_IF_ERROR(fsync_path(target.parent_path(), true));  // the renames themselves
  // Opening once replays any WAL in the copy and proves the result opens.
  StoreOptions options;
  options.create_if_missing = false;
  auto store = EventStore::open(target.string(), options);
  if (!store)
    return store.status();
  return (*store)->close();
}

}  // namespace orderly::eventstore
