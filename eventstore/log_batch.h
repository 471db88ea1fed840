// A stretch of the log, copied once (out of RocksDB and verified, or from
// the writer's own commit), so that several followers can hand the same
// events to their handlers (on their own threads, for as long as they hold
// the batch) without reading or verifying the bytes again.
//
// Thread safety: a LogBatch is immutable once made (read_log_batch,
// LogBatchBuilder::finish); a builder is one thread's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/envelope.h"
#include "core/status.h"
#include "eventstore/store.h"

namespace orderly::eventstore {

struct LogBatch {
  uint64_t first = 0;  // the positions it covers, every one of them read:
  uint64_t last = 0;   // [first, last]; its events may be fewer (a types filter)
  // In position order; each view points into `storage` and has passed the
  // verifier (envelope and payload).
  std::vector<EventView> events;
  std::vector<uint64_t> storage;  // the events' bytes, each 8-byte aligned
  size_t bytes() const { return storage.size() * sizeof(uint64_t); }
};

// Builds a batch from envelopes given in position order, copying their
// bytes: those read from the log (read_log_batch), or those the writer has
// just framed and made durable (the store hands each commit's to the
// followers' window, so nobody reads them back).
class LogBatchBuilder {
 public:
  // Room for about `events` envelopes of the usual size.
  void reserve(size_t events);
  // REQUIRES: a whole, verified envelope (its views skip the verifier).
  void add(std::span<const uint8_t> envelope);
  size_t size() const { return copied_.size(); }
  void clear();
  // The batch of what was added, covering positions [first, last]; the
  // builder is empty afterwards.
  std::shared_ptr<const LogBatch> finish(uint64_t first, uint64_t last);

 private:
  struct Copied {
    size_t word = 0;  // where in storage
    size_t size = 0;  // bytes
  };
  std::vector<Copied> copied_;
  std::vector<uint64_t> storage_;
};

// Reads positions [from, to] (to clamped to the log's last position) of the
// types in `types` (empty: all) into a batch, stopping early after
// `max_events` events (the batch then ends at the last one). not_found when
// `from` is beyond the log's end; the store's scan errors otherwise.
Result<std::shared_ptr<const LogBatch>> read_log_batch(const EventStore& log, uint64_t from,
                                                       uint64_t to,
                                                       std::span<const EventType> types = {},
                                                       uint64_t max_events = kEndOfLog);

}  // namespace orderly::eventstore
