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
  auto batch = std::make_shared<LogBatch>();
  batch->first = from;
  batch->last = to;
  struct Copied {
    size_t word = 0;  // where in storage
    size_t size = 0;  // bytes
  };
  std::vector<Copied> copied;
  // Sized for the usual event (an envelope of about 250 bytes) so that
  // copying does not move the bytes again and again; bounded by max_events.
  const uint64_t expected = std::min(to - from + 1, max_events);
  if (expected <= 65'536) {
    copied.reserve(expected);
    batch->storage.reserve(expected * 40);
  }
  LogQuery q;
  q.from_position = from;
  q.to_position = to;
  q.types.assign(types.begin(), types.end());
  q.limit = max_events;
  ORDERLY_RETURN_IF_ERROR(log.scan(q, [&](const EventView& ev) {
    const auto bytes = ev.bytes();
    const size_t word = batch->storage.size();
    batch->storage.resize(word + (bytes.size() + 7) / 8);
    std::memcpy(batch->storage.data() + word, bytes.data(), bytes.size());
    copied.push_back({word, bytes.size()});
    return true;
  }));
  // The views are made once the storage has stopped moving. The copies are
  // 8-byte aligned, as the log's records are: the verified offsets inside
  // each envelope hold, so the envelope's root is found without verifying
  // again.
  batch->events.reserve(copied.size());
  for (const Copied& c : copied) {
    const std::span<const uint8_t> bytes(
        reinterpret_cast<const uint8_t*>(batch->storage.data() + c.word), c.size);
    batch->events.emplace_back(schema::GetEnvelope(bytes.data()), bytes);
  }
  if (!batch->events.empty() &&
      batch->events.size() >= max_events)  // stopped early: it covers up to its last event
    batch->last = batch->events.back().position();
  return std::shared_ptr<const LogBatch>(std::move(batch));
}

}  // namespace orderly::eventstore
