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

AppendResults refuse_all(size_t n, const Status& st) {
  AppendResults results;
  results.reserve(n);
  for (size_t i = 0; i < n; ++i)
    results.emplace_back(st);
  return results;
}

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

Status EventStore::Impl::refusal_of_any_commit() {
  if (closed)
    return Status::shutting_down("the event store is closed");
  if (options.read_only)
    return Status::invalid_argument("the store is open read-only");
  if (sync_failed.load())
    return Status::io_error("an fsync of the log failed earlier; reopen the store to recover");
  if (replication_failed.load()) {
    MutexLock lock(replication_failure_mu);
    return replication_failure;
  }
  if (needs_recovery)
    return recover_after_write_error();
  return Status::ok();
}

void EventStore::Impl::begin_commit(PendingCommit& c) {
  c.results.reserve(c.requests.size());
  c.batch_time = now_us();
  c.first_position = written_position + 1;
  c.next_position = c.first_position;
  write_batch.Clear();
  ++batch_epoch;
  batch_stream_count = 0;
  batch_commands.clear();
  record.reset(c.next_position);
  tail_events.clear();
  committed_events.reset();
  c.share = tail && tail->sharing();
  replicated = gate ? std::make_shared<ReplicatedCommit>() : nullptr;
}

std::optional<Result<AppendResult>> EventStore::Impl::earlier_answer(const AppendRequest& req) {
  if (req.command_id.empty())
    return std::nullopt;
  if (auto it = batch_commands.find(req.command_id); it != batch_commands.end()) {
    AppendResult r;
    r.first_position = it->second.first;
    r.last_position = it->second.first + it->second.second - 1;
    r.duplicate = true;
    return r;
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
    return r;
  }
  if (!s.ok() && !s.IsNotFound())
    return from_rocksdb(s, "reading command ids");
  return std::nullopt;
}

Status EventStore::Impl::check_expected_versions(const AppendRequest& req, PendingCommit& c) {
  // A request may name a stream twice; `tentative` holds its own progress.
  c.tentative.clear();
  c.bases.clear();
  for (const StreamWrite& w : req.writes) {
    uint64_t current = 0;
    bool found = false;
    for (auto t = c.tentative.rbegin(); t != c.tentative.rend(); ++t) {
      if (t->stream == w.stream) {
        current = t->version;
        found = true;
        break;
      }
    }
    if (!found) {
      auto bs = touch(w.stream);
      if (!bs)
        return bs.status();
      current = (*bs)->version;
    }
    if (!satisfies(w.expected, current)) {
      return Status::version_conflict(
          "stream " + std::string(w.stream) + ": expected " + describe(w.expected) + ", actual " +
          (current == 0 ? std::string("no stream") : "version " + std::to_string(current)));
    }
    c.bases.push_back(current);
    c.tentative.push_back({w.stream, current + w.events.size()});
  }
  return Status::ok();
}

AppendResult EventStore::Impl::frame_events(const AppendRequest& req, PendingCommit& c) {
  AppendResult r;
  r.first_position = c.next_position;
  r.stream_versions.reserve(req.writes.size());
  const TimestampUs time = req.time_us != 0 ? req.time_us : c.batch_time;
  for (size_t wi = 0; wi < req.writes.size(); ++wi) {
    const StreamWrite& w = req.writes[wi];
    BatchStream& bs = **touch(w.stream);  // touched by the version check: no read, no error
    bs.version = c.bases[wi];
    for (const NewEvent& e : w.events) {
      bs.add_event(c.next_position);
      const uint64_t version = bs.version;
      build_envelope(
          fbb, EnvelopeFields{e.type, e.schema_version, w.stream, version, c.next_position, time,
                              req.command_id, e.correlation_id, e.causation_id, e.payload});
      std::span<const uint8_t> env(fbb.GetBufferPointer(), fbb.GetSize());
      if (record.count() > 0 && record.approximate_size() + env.size() > options.max_record_bytes) {
        put_record();
        record.reset(c.next_position);
      }
      record.add(env);
      if (c.share)
        tail_events.add(env);
      ++c.next_position;
    }
    r.stream_versions.push_back(bs.version);
  }
  r.last_position = c.next_position - 1;
  if (!req.command_id.empty()) {
    const auto count = static_cast<uint32_t>(r.last_position - r.first_position + 1);
    write_batch.Put(rocks.commands, rocksdb::Slice(req.command_id.data(), req.command_id.size()),
                    command_value(r.first_position, count));
    batch_commands.emplace(std::string(req.command_id), std::make_pair(r.first_position, count));
  }
  return r;
}

void EventStore::Impl::put_record() {
  if (record.count() == 0)
    return;
  const std::string key = log_key(record.first_position());
  const std::string_view bytes = record.finish();
  write_batch.Put(rocks.log, key, rocksdb::Slice(bytes.data(), bytes.size()));
  if (replicated)
    replicated->records.push_back({record.first_position(), std::string(bytes)});
  stat_bytes.fetch_add(bytes.size(), std::memory_order_relaxed);
}

void EventStore::Impl::put_index_chunks() {
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
}

Status EventStore::Impl::write_unsynced() {
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
  if (s.ok())
    return Status::ok();
  needs_recovery = true;
  return from_rocksdb(s, "appending to the log");
}

void EventStore::Impl::fill_duplicate_versions(PendingCommit& c) {
  for (size_t i : c.duplicates_to_fill) {
    if (!c.results[i].is_ok())
      continue;
    AppendResult& r = *c.results[i];
    const AppendRequest& req = c.requests[i];
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
}

AppendResults EventStore::Impl::commit(std::span<const AppendRequest> requests, uint64_t* required,
                                       bool all_or_nothing) {
  *required = 0;
  if (Status st = refusal_of_any_commit(); !st.is_ok())
    return refuse_all(requests.size(), st);
  PendingCommit c;
  c.requests = requests;
  begin_commit(c);
  AppendResults& results = c.results;
  for (const AppendRequest& req : requests) {
    if (Status st = validate_request(req); !st.is_ok()) {
      results.emplace_back(st);
      continue;
    }
    // Idempotency comes before the version check: a retry whose expected
    // version is stale by now must still get its first answer.
    if (auto first = earlier_answer(req)) {
      if (first->is_ok())
        c.duplicates_to_fill.push_back(results.size());
      results.push_back(std::move(*first));
      continue;
    }
    // Optimistic concurrency: every stream must be where the writer expects.
    if (Status conflict = check_expected_versions(req, c); !conflict.is_ok()) {
      results.emplace_back(conflict);
      continue;
    }
    // Accepted: assign positions and versions, frame the envelopes.
    results.emplace_back(frame_events(req, c));
  }

  if (all_or_nothing) {
    for (const auto& r : results) {
      if (r.is_ok())
        continue;
      // One refusal refuses the batch: drop everything built for it.
      const Status refused(r.status().code(), "batch refused: " + r.status().message(),
                           r.status().fields());
      write_batch.Clear();
      return refuse_all(requests.size(), refused);
    }
  }
  const uint64_t appended = c.next_position - c.first_position;
  if (appended > 0) {
    put_record();
    put_index_chunks();
    if (Status st = write_unsynced(); !st.is_ok()) {
      for (auto& r : results) {
        if (r.is_ok() && !r->duplicate)
          r = st;
      }
      // Duplicates within this batch pointed at the failed commit.
      for (size_t i : c.duplicates_to_fill) {
        if (results[i].is_ok() && results[i]->first_position >= c.first_position)
          results[i] = st;
      }
      return std::move(results);
    }
    stat_commits.fetch_add(1, std::memory_order_relaxed);
    stat_events.fetch_add(appended, std::memory_order_relaxed);
    written_position = c.next_position - 1;
    if (c.share)
      committed_events = tail_events.finish(c.first_position, written_position);
    if (replicated)
      gate->offer(std::move(replicated));
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
  fill_duplicate_versions(c);
  return std::move(results);
}

Status EventStore::resume_writes() {
  MutexLock lock(impl_->commit_mu);
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
  MutexLock lock(impl_->commit_mu);
  SyncTicket ticket;
  ticket.results = impl_->commit(requests, &ticket.required_position, all_or_nothing);
  ticket.events = std::move(impl_->committed_events);
  ticket.gate = impl_->gate;
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
