// EventStore: replication (eventstore/replication.h). A leader's store hands
// its commits to a gate (store_append.cpp, store_sync.cpp); a follower's
// store applies the leader's commits here, as they are.
#include <future>
#include <string>

#include "core/big_endian.h"
#include "core/envelope.h"
#include "eventstore/keys.h"
#include "eventstore/quarantine.h"
#include "eventstore/rocksdb_status.h"
#include "eventstore/store_impl.h"

namespace orderly::eventstore {

void EventStore::set_replication_gate(std::shared_ptr<ReplicationGate> gate) {
  MutexLock lock(impl_->commit_mu);
  impl_->gate = std::move(gate);
}

namespace {

// The command ids of a commit, from its envelopes: each request's events
// are consecutive and carry its id (store_append.cpp frame_events).
struct CommandRun {
  std::string id;
  uint64_t first = 0;
  uint32_t count = 0;
};

}  // namespace

Status EventStore::apply_replicated(const ReplicatedCommit& commit, std::string_view checkpoint,
                                    uint64_t value) {
  if (commit.records.empty())
    return Status::invalid_argument("a replicated commit has no records");
  if (checkpoint.empty() || checkpoint.size() > 255)
    return Status::invalid_argument("checkpoint names are 1 to 255 bytes");
  std::promise<AppendResults> answered;
  auto answer = answered.get_future();
  {
    Impl& s = *impl_;
    MutexLock lock(s.commit_mu);
    ORDERLY_RETURN_IF_ERROR(s.refusal_of_any_commit());
    if (s.gate)
      return Status::invalid_argument("a leader's store does not apply replicated commits");
    if (commit.first_position() != s.written_position + 1) {
      return Status::invalid_argument("replicated commit starts at " +
                                      std::to_string(commit.first_position()) +
                                      ", the log ends at " + std::to_string(s.written_position));
    }
    PendingCommit c;
    s.begin_commit(c);
    std::vector<CommandRun> commands;
    AlignedBuffer buf;
    for (const ReplicatedRecord& r : commit.records) {
      if (r.first_position != c.next_position) {
        return Status::corruption("replicated record at " + std::to_string(r.first_position) +
                                  " does not follow on from " +
                                  std::to_string(c.next_position - 1));
      }
      auto rec = RecordView::parse(buf.assign(r.bytes), r.first_position);
      if (!rec)
        return rec.status();
      for (uint32_t i = 0; i < rec->count(); ++i) {
        const uint64_t position = c.next_position;
        auto ev = decode_event(rec->entry(i));
        if (!ev) {
          return Status::corruption("replicated event at " + std::to_string(position) + ": " +
                                    ev.status().message());
        }
        if (ev->position() != position) {
          return Status::corruption("replicated event at " + std::to_string(position) +
                                    " says it is at " + std::to_string(ev->position()));
        }
        auto bs = s.touch(ev->stream());
        if (!bs)
          return bs.status();
        BatchStream& stream = **bs;
        if (ev->version() != stream.version + 1) {
          return Status::corruption("replicated event at " + std::to_string(position) +
                                    " is version " + std::to_string(ev->version()) + " of " +
                                    std::string(ev->stream()) + ", which is at " +
                                    std::to_string(stream.version));
        }
        stream.add_event(position);
        if (c.share)
          s.tail_events.add(rec->entry(i));
        const std::string_view id = ev->command_id();
        if (!id.empty()) {
          if (!commands.empty() && commands.back().id == id &&
              commands.back().first + commands.back().count == position) {
            ++commands.back().count;
          } else {
            commands.push_back({std::string(id), position, 1});
          }
        }
        ++c.next_position;
      }
      s.write_batch.Put(s.rocks.log, log_key(r.first_position),
                        rocksdb::Slice(r.bytes.data(), r.bytes.size()));
      s.stat_bytes.fetch_add(r.bytes.size(), std::memory_order_relaxed);
    }
    s.put_index_chunks();
    for (const CommandRun& cmd : commands) {
      s.write_batch.Put(s.rocks.commands, cmd.id, command_value(cmd.first, cmd.count));
    }
    s.write_batch.Put(s.rocks.checkpoints, rocksdb::Slice(checkpoint.data(), checkpoint.size()),
                      be64_key(value));
    s.write_batch.Put(s.rocks.checkpoints, kReplicatedPositionCheckpoint,
                      be64_key(c.next_position - 1));
    ORDERLY_RETURN_IF_ERROR(s.write_unsynced());
    const uint64_t last = c.next_position - 1;
    s.stat_commits.fetch_add(1, std::memory_order_relaxed);
    s.stat_events.fetch_add(last - c.first_position + 1, std::memory_order_relaxed);
    s.written_position = last;
    for (size_t i = 0; i < s.batch_stream_count; ++i)
      s.batch_streams[i].stream->second.version = s.batch_streams[i].version;
    SyncTicket ticket;
    ticket.required_position = last;
    if (c.share)
      ticket.events = s.tail_events.finish(c.first_position, last);
    ticket.results.emplace_back(AppendResult{c.first_position, last, {}, false});
    ticket.done = [&answered](AppendResults results) { answered.set_value(std::move(results)); };
    s.enqueue_ticket(std::move(ticket));
  }
  AppendResults results = answer.get();
  return results.empty() || results[0].is_ok() ? Status::ok() : results[0].status();
}

Result<uint64_t> EventStore::quarantine_after(uint64_t position, const std::string& file) {
  std::vector<ReplicatedRecord> moved;
  Status st = scan_records(position + 1, [&](ReplicatedRecord r) {
    if (r.first_position > position)
      moved.push_back(std::move(r));
    return true;
  });
  ORDERLY_RETURN_IF_ERROR(st);
  Impl& s = *impl_;
  MutexLock lock(s.commit_mu);
  ORDERLY_RETURN_IF_ERROR(s.refusal_of_any_commit());
  if (s.gate)
    return Status::invalid_argument("a leader's store quarantines nothing");
  if (moved.empty()) {
    if (s.written_position > position) {
      return Status::invalid_argument("position " + std::to_string(position) +
                                      " is inside the log's last record");
    }
    return uint64_t{0};
  }
  if (moved.front().first_position != position + 1) {
    return Status::invalid_argument("position " + std::to_string(position) +
                                    " is inside a record of the log");
  }
  ORDERLY_RETURN_IF_ERROR(write_quarantine_file(file, moved));
  rocksdb::WriteBatch batch;
  AlignedBuffer buf;
  for (const ReplicatedRecord& r : moved) {
    auto rec = RecordView::parse(buf.assign(r.bytes), r.first_position);
    if (!rec)
      return rec.status();
    for (uint32_t i = 0; i < rec->count(); ++i) {
      auto ev = decode_envelope_only(rec->entry(i));
      if (!ev)
        return ev.status();
      // A stream's chunk is keyed by the first version a commit wrote to it:
      // deleting every quarantined version's key removes exactly those
      // chunks (the kept ones start at lower versions).
      batch.Delete(s.rocks.streams, stream_key(ev->stream(), ev->version()));
      if (!ev->command_id().empty()) {
        batch.Delete(s.rocks.commands,
                     rocksdb::Slice(ev->command_id().data(), ev->command_id().size()));
      }
    }
    batch.Delete(s.rocks.log, log_key(r.first_position));
  }
  rocksdb::WriteOptions wo;
  wo.sync = s.options.sync == SyncMode::kAlways;
  {
    std::lock_guard wal(s.wal_mu);
    ORDERLY_RETURN_IF_ERROR(
        from_rocksdb(s.rocks.db->Write(wo, &batch), "moving records into quarantine"));
  }
  s.written_position = position;
  s.streams.clear();  // versions are read from the index again
  s.last_position.store(position);
  return static_cast<uint64_t>(moved.size());
}

Status EventStore::scan_records(uint64_t from,
                                const std::function<bool(ReplicatedRecord record)>& visit) const {
  ReadGuard guard(*impl_);
  ORDERLY_RETURN_IF_ERROR(guard.status());
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->rocks.db->NewIterator(rocksdb::ReadOptions(), impl_->rocks.log));
  it->SeekForPrev(log_key(std::max<uint64_t>(from, 1)));
  if (!it->Valid())
    it->SeekToFirst();
  for (; it->Valid(); it->Next()) {
    if (it->key().size() != 8)
      return Status::corruption("a log key is not 8 bytes");
    ReplicatedRecord r;
    r.first_position = get_be64(it->key().data());
    r.bytes.assign(it->value().data(), it->value().size());
    if (!visit(std::move(r)))
      return Status::ok();
  }
  return from_rocksdb(it->status(), "reading the log");
}

}  // namespace orderly::eventstore
