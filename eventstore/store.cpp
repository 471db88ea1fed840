// EventStore: open, close, positions, checkpoints, backup.
#include "eventstore/store.h"

#include <rocksdb/utilities/checkpoint.h>

#include <thread>

#include "core/big_endian.h"
#include "core/thread_name.h"
#include "eventstore/keys.h"
#include "eventstore/rocksdb_status.h"
#include "eventstore/store_impl.h"

namespace orderly::eventstore {

std::string_view sync_mode_name(SyncMode mode) {
  return mode == SyncMode::kAlways ? "always" : "none";
}

Result<SyncMode> parse_sync_mode(std::string_view text) {
  if (text == "always")
    return SyncMode::kAlways;
  if (text == "none")
    return SyncMode::kNone;
  return Status::invalid_argument("sync mode must be 'always' or 'none', not '" +
                                  std::string(text) + "'");
}

Status validate_stream_name(std::string_view stream) {
  if (stream.empty())
    return Status::invalid_argument("stream name is empty");
  if (stream.size() > 255) {
    return Status::invalid_argument("stream name is " + std::to_string(stream.size()) +
                                    " bytes, at most 255 allowed");
  }
  if (stream.find('\0') != std::string_view::npos) {
    return Status::invalid_argument("stream name contains a NUL byte");
  }
  return Status::ok();
}

EventStore::EventStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

EventStore::~EventStore() {
  (void)close();
}

Result<std::unique_ptr<EventStore>> EventStore::open(const std::string& dir,
                                                     const StoreOptions& options) {
  auto rocks = open_rocksdb(dir, {options.create_if_missing, options.read_only, options.env.get(),
                                  options.secondary_path});
  if (!rocks)
    return rocks.status();
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  impl->options = options;
  impl->rocks = std::move(rocks).value();
  auto last = impl->read_last_position();
  if (!last)
    return last.status();
  impl->last_position.store(*last);
  {
    MutexLock lock(impl->commit_mu);  // no other thread yet: for the analysis
    impl->written_position = *last;
  }
  if (!options.read_only) {
    Impl* raw = impl.get();
    impl->syncer = std::thread([raw] {
      name_this_thread("log-sync");
      raw->run_syncer();
    });
  }
  std::unique_ptr<EventStore> store(new EventStore(std::move(impl)));
  LogTailOptions tail;
  tail.window_events = options.follower_window;
  store->impl_->tail = std::make_unique<LogTail>(*store, tail);
  return store;
}

Status EventStore::close() {
  if (!impl_)
    return Status::ok();
  if (impl_->syncer.joinable() && std::this_thread::get_id() == impl_->syncer.get_id()) {
    return Status::invalid_argument("close() called from an append callback");
  }
  if (impl_->tail)
    impl_->tail->stop();  // followers still running read (and fail) on their own
  {
    MutexLock lock(impl_->commit_mu);
    if (impl_->closed)
      return Status::ok();
    impl_->closed = true;  // appends from now on fail with shutting_down
  }
  // Every batch already written is synced and answered before the DB closes.
  impl_->stop_syncer();
  // Readers that started before this point finish; later ones are refused.
  impl_->closing.store(true);
  while (impl_->active_readers.load() > 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  MutexLock lock(impl_->commit_mu);
  std::lock_guard wal(impl_->wal_mu);
  Status st;
  if (!impl_->options.read_only && impl_->rocks.db && !impl_->sync_failed.load() &&
      !impl_->write_failed.load()) {
    // With sync=none, a clean close still leaves everything on disk. (After a
    // failed fsync there is nothing trustworthy left to flush.)
    st = from_rocksdb(impl_->rocks.db->FlushWAL(true), "flushing the WAL");
    // The memtables to table files: otherwise the next open replays up to
    // half a gigabyte of WAL (measured: 4.2 s of a 5.5 s restart at 3M
    // events). A clean stop pays it once instead.
    if (st.is_ok()) {
      rocksdb::FlushOptions flush;
      flush.wait = true;
      flush.allow_write_stall = true;
      st = from_rocksdb(impl_->rocks.db->Flush(flush, impl_->rocks.handles),
                        "flushing the memtables");
    }
  }
  Status closed = impl_->rocks.close();
  impl_->position_cv.notify_all();
  return st.is_ok() ? closed : st;
}

LogTail& EventStore::tail() const {
  return *impl_->tail;
}

uint64_t EventStore::last_position() const {
  return impl_->last_position.load();
}

bool EventStore::wait_for_position(uint64_t position, std::chrono::milliseconds timeout) const {
  if (impl_->last_position.load() >= position)
    return true;
  std::unique_lock lock(impl_->position_mu);
  return impl_->position_cv.wait_for(lock, timeout,
                                     [&] { return impl_->last_position.load() >= position; });
}

void EventStore::Impl::publish_position(uint64_t position) {
  {
    std::lock_guard lock(position_mu);
    // Never backwards: the sync thread and resume_writes() both publish.
    if (position > last_position.load())
      last_position.store(position);
  }
  position_cv.notify_all();
}

Result<uint64_t> EventStore::Impl::read_last_position() const {
  std::unique_ptr<rocksdb::Iterator> it(rocks.db->NewIterator(rocksdb::ReadOptions(), rocks.log));
  it->SeekToLast();
  if (!it->Valid()) {
    ORDERLY_RETURN_IF_ERROR(from_rocksdb(it->status(), "reading the end of the log"));
    return uint64_t{0};
  }
  if (it->key().size() != 8)
    return Status::corruption("log key of " + std::to_string(it->key().size()) + " bytes");
  const uint64_t first = get_be64(it->key().data());
  AlignedBuffer buf;
  auto rec = RecordView::parse(buf.assign(it->value().ToStringView()), first);
  if (!rec)
    return rec.status();
  return rec->last_position();
}

Result<uint64_t> EventStore::Impl::read_stream_version(std::string_view stream) const {
  // The newest chunks may hold events written but not yet durable: count
  // only positions up to last_position, walking back from the newest chunk.
  const uint64_t durable = last_position.load();
  const std::string prefix = stream_key_prefix(stream);
  std::unique_ptr<rocksdb::Iterator> it(
      rocks.db->NewIterator(rocksdb::ReadOptions(), rocks.streams));
  for (it->SeekForPrev(stream_key(stream, kEndOfLog)); it->Valid() && it->key().starts_with(prefix);
       it->Prev()) {
    std::string_view name;
    uint64_t first_version = 0;
    const auto value = it->value().ToStringView();
    if (!parse_stream_key(it->key().ToStringView(), &name, &first_version) || value.empty() ||
        value.size() % kIndexRunSize != 0) {
      return Status::corruption("stream index chunk of " + std::string(stream) + " is damaged");
    }
    uint64_t durable_in_chunk = 0;  // positions grow with versions inside a chunk
    for (size_t i = 0; i < value.size() / kIndexRunSize; ++i) {
      const IndexRun run = index_run_at(value, i);
      if (run.first_position > durable)
        break;
      durable_in_chunk += std::min<uint64_t>(run.count, durable - run.first_position + 1);
    }
    if (durable_in_chunk > 0)
      return first_version + durable_in_chunk - 1;
  }
  ORDERLY_RETURN_IF_ERROR(from_rocksdb(it->status(), "reading the stream index"));
  return uint64_t{0};
}

Result<uint64_t> EventStore::stream_version(std::string_view stream) const {
  ORDERLY_RETURN_IF_ERROR(validate_stream_name(stream));
  ReadGuard guard(*impl_);
  ORDERLY_RETURN_IF_ERROR(guard.status());
  return impl_->read_stream_version(stream);
}

Result<uint64_t> EventStore::load_checkpoint(std::string_view name) const {
  ReadGuard guard(*impl_);
  ORDERLY_RETURN_IF_ERROR(guard.status());
  std::string value;
  auto s = impl_->rocks.db->Get(rocksdb::ReadOptions(), impl_->rocks.checkpoints,
                                rocksdb::Slice(name.data(), name.size()), &value);
  if (s.IsNotFound())
    return uint64_t{0};
  ORDERLY_RETURN_IF_ERROR(from_rocksdb(s, "reading checkpoint " + std::string(name)));
  if (value.size() != 8)
    return Status::corruption("checkpoint " + std::string(name) + " is damaged");
  return get_be64(value.data());
}

Status EventStore::save_checkpoint(std::string_view name, uint64_t position, bool sync) {
  if (name.empty() || name.size() > 255) {
    return Status::invalid_argument("checkpoint names are 1 to 255 bytes");
  }
  if (impl_->options.read_only)
    return Status::invalid_argument("the store is open read-only");
  ReadGuard guard(*impl_);
  ORDERLY_RETURN_IF_ERROR(guard.status());
  rocksdb::WriteOptions wo;
  wo.sync = sync && impl_->options.sync == SyncMode::kAlways;
  const std::string value = be64_key(position);
  // In turn with the appends (a checkpoint is a rare, tiny write): RocksDB
  // would group it with an append, a hand-off ThreadSanitizer cannot see
  // inside Debian's uninstrumented librocksdb.
  MutexLock lock(impl_->commit_mu);
  std::lock_guard wal(impl_->wal_mu);
  const rocksdb::Status s = impl_->rocks.db->Put(wo, impl_->rocks.checkpoints,
                                                 rocksdb::Slice(name.data(), name.size()), value);
  if (!s.ok() && !s.IsInvalidArgument()) {
    // The same WAL as the appends: no sync until RocksDB resumes, and the
    // next append resumes it first (a full disk often fails here first).
    impl_->write_failed.store(true);
    impl_->needs_recovery = true;
  }
  return from_rocksdb(s, "saving checkpoint " + std::string(name));
}

Status EventStore::backup_to(const std::string& dir) {
  if (impl_->options.read_only) {
    return Status::invalid_argument("online backup needs the store open for writing");
  }
  ReadGuard guard(*impl_);
  ORDERLY_RETURN_IF_ERROR(guard.status());
  rocksdb::Checkpoint* raw = nullptr;
  ORDERLY_RETURN_IF_ERROR(
      from_rocksdb(rocksdb::Checkpoint::Create(impl_->rocks.db.get(), &raw), "starting a backup"));
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  // log_size_for_flush = 0: flush the memtables first so the copy is SSTs
  // (hard links) and needs no WAL replay to be complete.
  return from_rocksdb(checkpoint->CreateCheckpoint(dir, 0), "backing up to " + dir);
}

Status EventStore::catch_up() {
  if (impl_->options.secondary_path.empty())
    return Status::ok();
  ReadGuard guard(*impl_);
  ORDERLY_RETURN_IF_ERROR(guard.status());
  ORDERLY_RETURN_IF_ERROR(
      from_rocksdb(impl_->rocks.db->TryCatchUpWithPrimary(), "following the primary"));
  auto last = impl_->read_last_position();
  if (!last)
    return last.status();
  if (*last > impl_->last_position.load())
    impl_->publish_position(*last);
  return Status::ok();
}

const AtomicHistogram& EventStore::sync_histogram() const {
  return impl_->sync_seconds;
}

StoreStats EventStore::stats() const {
  return {impl_->stat_commits.load(),     impl_->stat_syncs.load(),
          impl_->stat_events.load(),      impl_->stat_bytes.load(),
          impl_->stat_sync_micros.load(), impl_->stat_max_sync_micros.load()};
}

const std::string& EventStore::dir() const {
  return impl_->dir;
}
SyncMode EventStore::sync_mode() const {
  return impl_->options.sync;
}

}  // namespace orderly::eventstore
