// EventStore: the append path. One group commit = one WriteBatch = one fsync.
#include <algorithm>
#include <chrono>
#include <string>

#include "core/big_endian.h"
#include "eventstore/keys.h"
#include "eventstore/rocksdb_status.h"
#include "eventstore/store.h"
#include "eventstore/store_impl.h"

namespace orderly::eventstore {

namespace {

constexpr size_t kMaxCommandIdBytes = 256;

Status validate_request(const AppendRequest& r) {
  if (r.writes.empty())
    return Status::invalid_argument("append has no streams");
  if (r.command_id.size() > kMaxCommandIdBytes) {
    return Status::invalid_argument("command id is longer than 256 bytes");
  }
  size_t events = 0;
  for (const StreamWrite& w : r.writes) {
    ORDERLY_RETURN_IF_ERROR(validate_stream_name(w.stream));
    for (const NewEvent& e : w.events) {
      const auto type_id = static_cast<uint16_t>(e.type);
      if (!is_known_event_type(type_id)) {
        return Status::invalid_argument("unknown event type id " + std::to_string(type_id));
      }
      if (e.schema_version == 0 || e.schema_version > current_schema_version(e.type)) {
        return Status::invalid_argument("unsupported schema version " +
                                        std::to_string(e.schema_version) + " for " +
                                        std::string(event_type_name(e.type)));
      }
      // The log must only ever hold events that decode: check the payload
      // bytes now rather than find them broken at replay.
      if (e.payload.empty() || !verify_payload(e.type, e.payload)) {
        return Status::invalid_argument("payload of " + std::string(event_type_name(e.type)) +
                                        " for stream " + std::string(w.stream) +
                                        " is not a valid FlatBuffer of that type");
      }
    }
    events += w.events.size();
  }
  if (events == 0)
    return Status::invalid_argument("append has no events");
  if (events > UINT32_MAX)
    return Status::invalid_argument("append has too many events");
  return Status::ok();
}

std::string describe(ExpectedVersion e) {
  switch (e.kind) {
    case ExpectedVersion::Kind::kAny:
      return "any version";
    case ExpectedVersion::Kind::kNoStream:
      return "no stream";
    case ExpectedVersion::Kind::kStreamExists:
      return "an existing stream";
    case ExpectedVersion::Kind::kExact:
      return e.version == 0 ? "no stream" : "version " + std::to_string(e.version);
  }
  return "?";
}

bool satisfies(ExpectedVersion e, uint64_t current) {
  switch (e.kind) {
    case ExpectedVersion::Kind::kAny:
      return true;
    case ExpectedVersion::Kind::kNoStream:
      return current == 0;
    case ExpectedVersion::Kind::kStreamExists:
      return current > 0;
    case ExpectedVersion::Kind::kExact:
      return current == e.version;
  }
  return false;
}

// A version a request has claimed but not yet merged into the batch.
struct Tentative {
  std::string_view stream;
  uint64_t version;
};

}  // namespace

Result<BatchStream*> EventStore::Impl::touch(std::string_view stream) {
  auto it = streams.find(stream);
  if (it == streams.end()) {
    // Not written since the store opened: its version is in the index.
    auto version = indexed_stream_version(stream);
    if (!version)
      return version.status();
    it = streams.emplace(std::string(stream), StreamState{*version}).first;
  }
  StreamState& st = it->second;
  if (st.batch_epoch != batch_epoch) {
    st.batch_epoch = batch_epoch;
    st.batch_slot = static_cast<uint32_t>(batch_stream_count);
    if (batch_stream_count == batch_streams.size())
      batch_streams.emplace_back();
    BatchStream& bs = batch_streams[batch_stream_count++];
    bs.stream = &*it;
    bs.version = st.version;
    bs.first_new_version = 0;
    bs.runs.clear();
  }
  return &batch_streams[st.batch_slot];
}

Result<uint64_t> EventStore::Impl::indexed_stream_version(std::string_view stream) const {
  // Every stream's first index chunk is keyed at version 1. A point read
  // answers "no such stream" (every new order) from the bloom filters,
  // mostly without reading a table block; only an existing stream pays for
  // the seek to its last chunk.
  std::string first_chunk;
  auto s =
      rocks.db->Get(rocksdb::ReadOptions(), rocks.streams, stream_key(stream, 1), &first_chunk);
  if (s.IsNotFound())
    return uint64_t{0};
  if (!s.ok())
    return from_rocksdb(s, "reading the stream index");
  return read_stream_version(stream);
}

Status EventStore::Impl::recover_after_write_error() {
  // RocksDB stops writing after a failed WAL write or sync (e.g. disk full).
  // Resume() retries once the cause is gone. The failed batch may or may not
  // have reached the disk, so the tail and the versions are re-read rather
  // than assumed.
  {
    std::lock_guard wal(wal_mu);
    ORDERLY_RETURN_IF_ERROR(from_rocksdb(rocks.db->Resume(), "resuming after a write error"));
    // Batches written before the failed one are in the memtables, their WAL
    // never synced (their callers were told so: an ambiguous io_error). Into
    // table files with them, so that everything in the log is durable
    // again. (Resume flushes too, after a WAL error; this makes it certain.)
    rocksdb::FlushOptions flush;
    flush.wait = true;
    flush.allow_write_stall = true;
    ORDERLY_RETURN_IF_ERROR(
        from_rocksdb(rocks.db->Flush(flush, rocks.handles), "flushing after a write error"));
    write_failed.store(false);
  }
  auto last = read_last_position();
  if (!last)
    return last.status();
  // Versions are read from the index again as streams are touched.
  streams.clear();
  // A failed Write never reaches the memtable, so this normally equals
  // written_position. All of it is durable now (flushed above): readers see
  // it, and the writer can fold it (CommandProcessor re-reads the log).
  written_position = *last;
  publish_position(*last);
  needs_recovery = false;
  return Status::ok();
}

AppendResults EventStore::Impl::commit(std::span<const AppendRequest> requests, uint64_t* required,
                                       bool all_or_nothing) {
  *required = 0;
  AppendResults results;
  results.reserve(requests.size());
  auto fail_all = [&](const Status& st) {
    results.clear();
    for (size_t i = 0; i < requests.size(); ++i)
      results.emplace_back(st);
    return results;
  };
  if (closed)
    return fail_all(Status::shutting_down("the event store is closed"));
  if (options.read_only)
    return fail_all(Status::invalid_argument("the store is open read-only"));
  if (sync_failed.load()) {
    return fail_all(
        Status::io_error("an fsync of the log failed earlier; reopen the store to recover"));
  }
  if (needs_recovery) {
    Status st = recover_after_write_error();
    if (!st.is_ok())
      return fail_all(st);
  }

  const TimestampUs batch_time = now_us();
  const uint64_t first_position = written_position + 1;
  uint64_t next_position = first_position;
  write_batch.Clear();
  ++batch_epoch;
  batch_stream_count = 0;
  batch_commands.clear();
  record.reset(next_position);
  std::vector<Tentative> tentative;
  std::vector<uint64_t> bases;             // each write's stream version before it
  std::vector<size_t> duplicates_to_fill;  // results whose stream versions come from the log

  auto flush_record = [&] {
    if (record.count() == 0)
      return;
    const std::string key = log_key(record.first_position());
    const std::string_view bytes = record.finish();
    write_batch.Put(rocks.log, key, rocksdb::Slice(bytes.data(), bytes.size()));
    stat_bytes.fetch_add(bytes.size(), std::memory_order_relaxed);
  };

  for (const AppendRequest& req : requests) {
    if (Status st = validate_request(req); !st.is_ok()) {
      results.emplace_back(st);
      continue;
    }
    // Idempotency comes before the version check: a retry whose expected
    // version is stale by now must still get its first answer.
    if (!req.command_id.empty()) {
      if (auto it = batch_commands.find(req.command_id); it != batch_commands.end()) {
        AppendResult r;
        r.first_position = it->second.first;
        r.last_position = it->second.first + it->second.second - 1;
        r.duplicate = true;
        results.emplace_back(std::move(r));
        duplicates_to_fill.push_back(results.size() - 1);
        continue;
      }
      std::string value;
      auto s = rocks.db->Get(rocksdb::ReadOptions(), rocks.commands,
                             rocksdb::Slice(req.command_id.data(), req.command_id.size()), &value);
      if (s.ok() && value.size() == kCommandValueSize) {
        AppendResult r;
        uint32_t count = 0;
        parse_command_value(value, &r.first_position, &count);
        r.last_position = r.first_position + count - 1;
        r.duplicate = true;
        results.emplace_back(std::move(r));
        duplicates_to_fill.push_back(results.size() - 1);
        continue;
      }
      if (!s.ok() && !s.IsNotFound()) {
        results.emplace_back(from_rocksdb(s, "reading command ids"));
        continue;
      }
    }

    // Optimistic concurrency: every stream must be where the writer expects.
    // A request may name a stream twice; `tentative` holds its own progress.
    tentative.clear();
    bases.clear();
    Status conflict;
    for (const StreamWrite& w : req.writes) {
      uint64_t current = 0;
      bool found = false;
      for (auto t = tentative.rbegin(); t != tentative.rend(); ++t) {
        if (t->stream == w.stream) {
          current = t->version;
          found = true;
          break;
        }
      }
      if (!found) {
        auto bs = touch(w.stream);
        if (!bs) {
          conflict = bs.status();
          break;
        }
        current = (*bs)->version;
      }
      if (!satisfies(w.expected, current)) {
        conflict = Status::version_conflict(
            "stream " + std::string(w.stream) + ": expected " + describe(w.expected) + ", actual " +
            (current == 0 ? std::string("no stream") : "version " + std::to_string(current)));
        break;
      }
      bases.push_back(current);
      tentative.push_back({w.stream, current + w.events.size()});
    }
    if (!conflict.is_ok()) {
      results.emplace_back(conflict);
      continue;
    }

    // Accepted: assign positions and versions, frame the envelopes.
    AppendResult r;
    r.first_position = next_position;
    r.stream_versions.reserve(req.writes.size());
    const TimestampUs time = req.time_us != 0 ? req.time_us : batch_time;
    for (size_t wi = 0; wi < req.writes.size(); ++wi) {
      const StreamWrite& w = req.writes[wi];
      BatchStream& bs = **touch(w.stream);  // touched by the check above: no read, no error
      bs.version = bases[wi];
      for (const NewEvent& e : w.events) {
        const uint64_t version = ++bs.version;
        if (bs.first_new_version == 0)
          bs.first_new_version = version;
        build_envelope(
            fbb, EnvelopeFields{e.type, e.schema_version, w.stream, version, next_position, time,
                                req.command_id, e.correlation_id, e.causation_id, e.payload});
        std::span<const uint8_t> env(fbb.GetBufferPointer(), fbb.GetSize());
        if (record.count() > 0 &&
            record.approximate_size() + env.size() > options.max_record_bytes) {
          flush_record();
          record.reset(next_position);
        }
        record.add(env);
        if (!bs.runs.empty() &&
            bs.runs.back().first_position + bs.runs.back().count == next_position) {
          ++bs.runs.back().count;
        } else {
          bs.runs.push_back({next_position, 1});
        }
        ++next_position;
      }
      r.stream_versions.push_back(bs.version);
    }
    r.last_position = next_position - 1;
    if (!req.command_id.empty()) {
      const auto count = static_cast<uint32_t>(r.last_position - r.first_position + 1);
      write_batch.Put(rocks.commands, rocksdb::Slice(req.command_id.data(), req.command_id.size()),
                      command_value(r.first_position, count));
      batch_commands.emplace(std::string(req.command_id), std::make_pair(r.first_position, count));
    }
    results.emplace_back(std::move(r));
  }

  if (all_or_nothing) {
    for (const auto& r : results) {
      if (r.is_ok())
        continue;
      // One refusal refuses the batch: drop everything built for it.
      const Status refused(r.status().code(), "batch refused: " + r.status().message(),
                           r.status().fields());
      write_batch.Clear();
      return fail_all(refused);
    }
  }
  const uint64_t appended = next_position - first_position;
  if (appended > 0) {
    flush_record();
    std::string& chunk = index_chunk;
    for (size_t i = 0; i < batch_stream_count; ++i) {
      const BatchStream& bs = batch_streams[i];
      if (bs.runs.empty())
        continue;
      chunk.clear();
      for (const IndexRun& run : bs.runs)
        append_index_run(chunk, run);
      index_key.clear();
      index_key.append(bs.stream->first);
      index_key.push_back('\0');
      append_be64(index_key, bs.first_new_version);
      write_batch.Put(rocks.streams, index_key, chunk);
    }
    // Not synced here: the sync thread makes it durable (see run_syncer), so
    // the next batch can be prepared meanwhile. It is visible to RocksDB
    // readers at once; ours stop at last_position(), which only the sync
    // thread advances.
    rocksdb::WriteOptions wo;
    wo.sync = false;
    rocksdb::Status s;
    {
      std::lock_guard wal(wal_mu);
      s = rocks.db->Write(wo, &write_batch);
      if (!s.ok())
        write_failed.store(true);
    }
    if (!s.ok()) {
      needs_recovery = true;
      const Status st = from_rocksdb(s, "appending to the log");
      for (auto& r : results) {
        if (r.is_ok() && !r->duplicate)
          r = st;
      }
      // Duplicates within this batch pointed at the failed commit.
      for (size_t i : duplicates_to_fill) {
        if (results[i].is_ok() && results[i]->first_position >= first_position)
          results[i] = st;
      }
      return results;
    }
    stat_commits.fetch_add(1, std::memory_order_relaxed);
    stat_events.fetch_add(appended, std::memory_order_relaxed);
    written_position = next_position - 1;
  }
  // The new versions are what later batches are checked against.
  for (size_t i = 0; i < batch_stream_count; ++i) {
    batch_streams[i].stream->second.version = batch_streams[i].version;
  }

  for (const auto& r : results) {
    if (r.is_ok())
      *required = std::max(*required, r->last_position);
  }
  // Retries answer with the versions their first commit produced.
  for (size_t i : duplicates_to_fill) {
    if (!results[i].is_ok())
      continue;
    AppendResult& r = *results[i];
    const AppendRequest& req = requests[i];
    r.stream_versions.assign(req.writes.size(), 0);
    std::unique_ptr<rocksdb::Iterator> it(rocks.db->NewIterator(rocksdb::ReadOptions(), rocks.log));
    AlignedBuffer buf;
    for (it->SeekForPrev(log_key(r.first_position)); it->Valid(); it->Next()) {
      const uint64_t rec_first = get_be64(it->key().data());
      if (rec_first > r.last_position)
        break;
      auto rec = RecordView::parse(buf.assign(it->value().ToStringView()), rec_first);
      if (!rec)
        break;
      for (uint64_t p = std::max(rec_first, r.first_position);
           p <= std::min(rec->last_position(), r.last_position); ++p) {
        auto ev = decode_envelope_only(rec->entry(static_cast<uint32_t>(p - rec_first)));
        if (!ev)
          continue;
        for (size_t w = 0; w < req.writes.size(); ++w) {
          if (req.writes[w].stream == ev->stream()) {
            r.stream_versions[w] = std::max(r.stream_versions[w], ev->version());
          }
        }
      }
    }
  }
  return results;
}

void EventStore::Impl::enqueue_ticket(SyncTicket ticket) {
  {
    std::lock_guard lock(sync_mu);
    tickets.push_back(std::move(ticket));
  }
  sync_cv.notify_one();
}

void EventStore::Impl::run_syncer() {
  std::vector<SyncTicket> round;
  while (true) {
    {
      std::unique_lock lock(sync_mu);
      sync_cv.wait(lock, [&] { return sync_stop || !tickets.empty(); });
      if (tickets.empty())
        return;  // stopping, and nothing left to make durable
      round.swap(tickets);
    }
    // One fsync covers every batch written before it started: all of this
    // round's, since each was written before its ticket was queued.
    uint64_t target = 0;
    for (const SyncTicket& t : round)
      target = std::max(target, t.required_position);
    Status st;
    std::unique_lock wal(wal_mu);
    if (sync_failed.load()) {
      // After a failed fsync, a later one may "succeed" although the failed
      // pages were dropped (Linux forgets the error): never acknowledge or
      // publish anything again in this process.
      if (target > last_position.load()) {
        st = Status::io_error("an fsync of the log failed earlier; reopen the store to recover");
      }
    } else if (write_failed.load() && target > last_position.load()) {
      // Batches written before a failed one: their WAL cannot be synced
      // until RocksDB resumes. Not acknowledged (they may still reach the
      // log), and the store stays usable once space returns.
      st = Status::io_error("a write to the log failed (is the disk full?); not made durable");
    } else if (target > last_position.load()) {
      if (options.sync == SyncMode::kAlways) {
        const auto t0 = std::chrono::steady_clock::now();
        st = from_rocksdb(rocks.db->SyncWAL(), "syncing the log");
        const auto us = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                                  std::chrono::steady_clock::now() - t0)
                                                  .count());
        stat_sync_micros.fetch_add(us, std::memory_order_relaxed);
        if (us > stat_max_sync_micros.load(std::memory_order_relaxed))
          stat_max_sync_micros.store(us);
        stat_syncs.fetch_add(1, std::memory_order_relaxed);
      }
      if (st.is_ok()) {
        publish_position(target);
      } else {
        sync_failed.store(true);
      }
    }
    wal.unlock();
    for (SyncTicket& t : round) {
      if (!st.is_ok()) {
        for (auto& r : t.results) {
          if (r.is_ok())
            r = st;
        }
      }
      if (t.done)
        t.done(std::move(t.results));
    }
    round.clear();
  }
}

void EventStore::Impl::stop_syncer() {
  if (std::this_thread::get_id() == syncer.get_id())
    return;  // close() from a callback: see store.h
  {
    std::lock_guard lock(sync_mu);
    sync_stop = true;
  }
  sync_cv.notify_one();
  if (syncer.joinable())
    syncer.join();
}

Status EventStore::resume_writes() {
  std::lock_guard lock(impl_->commit_mu);
  if (impl_->closed)
    return Status::shutting_down("the event store is closed");
  if (impl_->sync_failed.load())
    return Status::io_error("an fsync of the log failed earlier; reopen the store to recover");
  if (!impl_->needs_recovery)
    return Status::ok();
  return impl_->recover_after_write_error();
}

AppendResults EventStore::submit_batch(std::span<const AppendRequest> requests, AppendCallback done,
                                       uint64_t also_wait_for, bool all_or_nothing) {
  std::lock_guard lock(impl_->commit_mu);
  SyncTicket ticket;
  ticket.results = impl_->commit(requests, &ticket.required_position, all_or_nothing);
  ticket.required_position = std::max(ticket.required_position, also_wait_for);
  AppendResults written = ticket.results;
  ticket.done = std::move(done);
  if (impl_->closed || !impl_->syncer.joinable()) {
    // Nothing was written (closed, or a read-only store): answer at once.
    if (ticket.done)
      ticket.done(std::move(ticket.results));
    return written;
  }
  impl_->enqueue_ticket(std::move(ticket));
  return written;
}

AppendResults EventStore::append_batch(std::span<const AppendRequest> requests) {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<AppendResults> out;
  (void)submit_batch(requests, [&](AppendResults results) {
    std::lock_guard lock(mu);
    out.emplace(std::move(results));
    cv.notify_one();
  });
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return out.has_value(); });
  return std::move(*out);
}

Result<AppendResult> EventStore::append(const AppendRequest& request) {
  auto results = append_batch(std::span<const AppendRequest>(&request, 1));
  return std::move(results[0]);
}

Result<AppendResult> EventStore::append(std::string_view stream, ExpectedVersion expected,
                                        std::span<const NewEvent> events,
                                        std::string_view command_id) {
  const StreamWrite write{stream, expected, events};
  AppendRequest request;
  request.writes = std::span<const StreamWrite>(&write, 1);
  request.command_id = command_id;
  return append(request);
}

}  // namespace orderly::eventstore
