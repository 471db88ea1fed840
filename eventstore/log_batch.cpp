#include "eventstore/log_batch.h"

#include <algorithm>
#include <cstring>

#include "core/schemas/envelope_generated.h"

namespace orderly::eventstore {

Result<std::shared_ptr<const LogBatch>> read_log_batch(const EventStore& log, uint64_t from,
                                                       uint64_t to,
                                                       std::span<const EventType> types,
                                                       uint64_t max_events) {
  to = std::min(to, log.last_position());  // it only grows: the scan sees all of [from, to]
  if (max_events == 0)
    return Status::invalid_argument("a batch of at most 0 events");
  if (from == 0 || from > to)
    return Status::not_found("nothing to read from position " + std::to_string(from));
  // Sized for the usual event so that copying does not move the bytes
  // again and again; bounded by max_events.
  const uint64_t expected = std::min(to - from + 1, max_events);
  LogBatchBuilder builder;
  if (expected <= 65'536)
    builder.reserve(expected);
  LogQuery q;
  q.from_position = from;
  q.to_position = to;
  q.types.assign(types.begin(), types.end());
  q.limit = max_events;
  uint64_t last_event = 0;
  ORDERLY_RETURN_IF_ERROR(log.scan(q, [&](const EventView& ev) {
    builder.add(ev.bytes());
    last_event = ev.position();
    return true;
  }));
  // Stopped early: it covers up to its last event.
  if (builder.size() > 0 && builder.size() >= max_events)
    to = last_event;
  return builder.finish(from, to);
}

void LogBatchBuilder::reserve(size_t events) {
  copied_.reserve(events);
  storage_.reserve(events * 40);  // an envelope of about 250 bytes: 32 words
}

void LogBatchBuilder::add(std::span<const uint8_t> envelope) {
  const size_t word = storage_.size();
  storage_.resize(word + (envelope.size() + 7) / 8);
  std::memcpy(storage_.data() + word, envelope.data(), envelope.size());
  copied_.push_back({word, envelope.size()});
}

void LogBatchBuilder::clear() {
  copied_.clear();
  storage_.clear();
}

std::shared_ptr<const LogBatch> LogBatchBuilder::finish(uint64_t first, uint64_t last) {
  auto batch = std::make_shared<LogBatch>();
  batch->first = first;
  batch->last = last;
  batch->storage = std::move(storage_);
  // The views are made once the storage has stopped moving. The copies are
  // 8-byte aligned, as the log's records are: the verified offsets inside
  // each envelope hold, so the envelope's root is found without verifying
  // again.
  batch->events.reserve(copied_.size());
  for (const Copied& c : copied_) {
    const std::span<const uint8_t> bytes(
        reinterpret_cast<const uint8_t*>(batch->storage.data() + c.word), c.size);
    batch->events.emplace_back(schema::GetEnvelope(bytes.data()), bytes);
  }
  copied_.clear();
  storage_ = {};
  return batch;
}

}  // namespace orderly::eventstore
