// EventStore: reads of the log and of streams. Readers take no lock: RocksDB
// iterators read a consistent snapshot while the writer goes on.
#include <algorithm>
#include <string>

#include "core/big_endian.h"
#include "eventstore/keys.h"
#include "eventstore/log_batch.h"
#include "eventstore/log_tail.h"
#include "eventstore/rocksdb_status.h"
#include "eventstore/store.h"
#include "eventstore/store_impl.h"

namespace orderly::eventstore {

namespace {

// Reads positions of one stream from its index chunks, in the asked
// direction, until `max_count` are collected.
// Positions beyond `durable` (written, not yet synced) are skipped before they
// count towards max_count.
Status collect_stream_positions(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf,
                                std::string_view stream, uint64_t from_version, uint64_t max_count,
                                Direction direction, uint64_t durable,
                                std::vector<uint64_t>* positions) {
  const std::string prefix = stream_key_prefix(stream);
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf));
  // The chunk holding from_version is the last one starting at or before it.
  it->SeekForPrev(stream_key(stream, from_version));
  if (direction == Direction::kForward && (!it->Valid() || !it->key().starts_with(prefix))) {
    it->Seek(stream_key(stream, from_version));
  }
  for (; it->Valid() && it->key().starts_with(prefix) && positions->size() < max_count;
       direction == Direction::kForward ? it->Next() : it->Prev()) {
    std::string_view name;
    uint64_t first_version = 0;
    const std::string_view value = it->value().ToStringView();
    if (!parse_stream_key(it->key().ToStringView(), &name, &first_version) || value.empty() ||
        value.size() % kIndexRunSize != 0) {
      return Status::corruption("stream index chunk of " + std::string(stream) + " is damaged");
    }
    // Expand the chunk into (version, position) pairs.
    std::vector<std::pair<uint64_t, uint64_t>> entries;
    uint64_t version = first_version;
    for (size_t i = 0; i < value.size() / kIndexRunSize; ++i) {
      const IndexRun run = index_run_at(value, i);
      for (uint32_t k = 0; k < run.count; ++k)
        entries.emplace_back(version++, run.first_position + k);
    }
    if (direction == Direction::kForward) {
      for (const auto& [v, p] : entries) {
        if (v >= from_version && p <= durable && positions->size() < max_count)
          positions->push_back(p);
      }
    } else {
      for (auto e = entries.rbegin(); e != entries.rend(); ++e) {
        if (e->first <= from_version && e->second <= durable && positions->size() < max_count) {
          positions->push_back(e->second);
        }
      }
    }
  }
  return from_rocksdb(it->status(), "reading the stream index");
}

}  // namespace

Result<RecordedEvent> EventStore::read_event(uint64_t position) const {
  if (position == 0)
    return Status::invalid_argument("positions start at 1");
  if (position > impl_->last_position.load()) {  // written but not yet durable, or beyond
    return Status::not_found("no event at position " + std::to_string(position));
  }
  // A recent event is in the followers' shared window (log_tail.h), read
  // and verified once already: no seek. (The email sender reads each order's
  // event a moment after it was written.)
  if (auto batch = impl_->tail->recent(position);
      batch && batch->events.size() == batch->last - batch->first + 1) {
    const EventView& ev = batch->events[position - batch->first];
    if (ev.position() == position)
      return RecordedEvent::copy_of(ev.bytes());
  }
  ReadGuard guard(*impl_);
  ORDERLY_RETURN_IF_ERROR(guard.status());
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->rocks.db->NewIterator(rocksdb::ReadOptions(), impl_->rocks.log));
  it->SeekForPrev(log_key(position));
  if (!it->Valid()) {
    ORDERLY_RETURN_IF_ERROR(from_rocksdb(it->status(), "reading the log"));
    return Status::not_found("no event at position " + std::to_string(position));
  }
  const uint64_t first = get_be64(it->key().data());
  AlignedBuffer buf;
  auto rec = RecordView::parse(buf.assign(it->value().ToStringView()), first);
  if (!rec)
    return rec.status();
  if (position > rec->last_position()) {
    return Status::not_found("no event at position " + std::to_string(position));
  }
  auto ev = RecordedEvent::copy_of(rec->entry(static_cast<uint32_t>(position - first)));
  if (!ev)
    return ev.status();
  if (ev->view().position() != position) {
    return Status::corruption("event stored at position " + std::to_string(position) +
                              " says it is at " + std::to_string(ev->view().position()));
  }
  return ev;
}

Result<std::vector<RecordedEvent>> EventStore::read_stream(std::string_view stream,
                                                           uint64_t from_version,
                                                           uint64_t max_count,
                                                           Direction direction) const {
  ORDERLY_RETURN_IF_ERROR(validate_stream_name(stream));
  ReadGuard guard(*impl_);
  ORDERLY_RETURN_IF_ERROR(guard.status());
  std::vector<uint64_t> positions;
  ORDERLY_RETURN_IF_ERROR(collect_stream_positions(
      impl_->rocks.db.get(), impl_->rocks.streams, stream, std::max<uint64_t>(from_version, 1),
      max_count, direction, impl_->last_position.load(), &positions));
  std::vector<RecordedEvent> events;
  events.reserve(positions.size());
  for (uint64_t p : positions) {
    auto ev = read_event(p);
    if (!ev)
      return ev.status();
    if (ev->view().stream() != stream) {
      return Status::corruption("stream index of " + std::string(stream) + " points at position " +
                                std::to_string(p) + " of stream " +
                                std::string(ev->view().stream()));
    }
    events.push_back(std::move(ev).value());
  }
  return events;
}

Status EventStore::scan(const LogQuery& query,
                        const std::function<bool(const EventView&)>& visit) const {
  ReadGuard guard(*impl_);
  ORDERLY_RETURN_IF_ERROR(guard.status());
  LogQuery q = query;
  q.to_position = std::min(q.to_position, impl_->last_position.load());  // durable events only
  if (q.from_position > q.to_position || q.limit == 0)
    return Status::ok();
  rocksdb::ReadOptions ro;
  ro.readahead_size = 2 << 20;
  ro.fill_cache = false;  // a full scan must not evict the hot working set
  const std::string upper = log_key(q.to_position + 1);
  const rocksdb::Slice upper_slice = upper;
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(impl_->rocks.db->NewIterator(ro, impl_->rocks.log));
  it->SeekForPrev(log_key(std::max<uint64_t>(q.from_position, 1)));
  if (!it->Valid())
    it->SeekToFirst();

  AlignedBuffer buf;
  uint64_t visited = 0;
  for (; it->Valid(); it->Next()) {
    if (it->key().size() != 8)
      return Status::corruption("log key is not 8 bytes");
    const uint64_t first = get_be64(it->key().data());
    auto rec = RecordView::parse(buf.assign(it->value().ToStringView()), first);
    if (!rec)
      return rec.status();
    const uint64_t begin = std::max(first, q.from_position);
    const uint64_t end = std::min(rec->last_position(), q.to_position);
    for (uint64_t p = begin; p <= end && p >= first; ++p) {
      auto env = decode_envelope_only(rec->entry(static_cast<uint32_t>(p - first)));
      if (!env)
        return env.status();
      if (env->position() != p) {
        return Status::corruption("event stored at position " + std::to_string(p) +
                                  " says it is at " + std::to_string(env->position()));
      }
      if (!q.stream_prefix.empty() && !env->stream().starts_with(q.stream_prefix))
        continue;
      if (!q.types.empty() &&
          std::find(q.types.begin(), q.types.end(), env->type()) == q.types.end()) {
        continue;
      }
      // Only events the caller will see pay for the payload check.
      ORDERLY_RETURN_IF_ERROR(verify_event_payload(*env));  // the envelope is already verified
      if (!visit(*env) || ++visited >= q.limit)
        return Status::ok();
    }
    if (rec->last_position() >= q.to_position)
      break;
  }
  return from_rocksdb(it->status(), "scanning the log");
}

}  // namespace orderly::eventstore
