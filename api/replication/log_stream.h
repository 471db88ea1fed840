// The replicated log on NATS JetStream (issue 25): the stream ORDERLY_LOG
// and how a commit's records travel in it.
//
// One message per log record, in log order, on subject `orderly.log`. The
// record's bytes are the payload, exactly as stored (LOG_FORMAT.md), and
// the headers say:
//   Orderly-Position   the record's first position (its key in the log)
//   Orderly-Term       the term of the leader that published it
//   Orderly-Commit-End "1" on the last record of a group commit: a follower
//                      applies a commit whole, so its log, stream index and
//                      command ids are the leader's
//   Orderly-Crc32c     CRC-32C of the payload, in hex: a follower refuses a
//                      record damaged on the way (the record format has no
//                      checksum of its own)
// Every publish carries Nats-Expected-Last-Sequence: only the node that
// appended the stream's last message can append the next one, so a deposed
// leader's publish fails instead of forking the log.
//
// Retention: the stream keeps at most `max_bytes` (and `max_age`) of log;
// older messages are dropped. A node whose log ends before the stream's
// first message cannot catch up from it: it starts from `orderly backup` of
// another node (README, "Replication").
#pragma once

#include <nats/nats.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "eventstore/replication.h"

namespace orderly::api::replication {

inline constexpr char kLogStream[] = "ORDERLY_LOG";
inline constexpr char kLogSubject[] = "orderly.log";

struct LogStreamOptions {
  int replicas = 3;
  int64_t max_bytes = int64_t{16} << 30;  // 16 GiB of log
  std::chrono::hours max_age{24 * 30};    // 30 days
  // A record is at most this big (the store closes records before it).
  int32_t max_message_bytes = 1 << 20;
};

// Creates the stream, or checks the one there (its replicas may differ: the
// existing stream wins, and is said in the error only when it cannot serve).
Status ensure_log_stream(jsCtx* js, const LogStreamOptions& options);

// The stream's first and last sequence (0, 0 when empty).
struct LogStreamState {
  uint64_t first_sequence = 0, last_sequence = 0;
};
Result<LogStreamState> log_stream_state(jsCtx* js);

// A record as it travels.
struct LogMessage {
  eventstore::ReplicatedRecord record;
  uint64_t term = 0;
  bool commit_end = false;
};

// A message ready to publish (the caller destroys it), expecting the
// stream's last sequence to be `expected_last_sequence` (0: empty).
Result<natsMsg*> log_message(const eventstore::ReplicatedRecord& record, uint64_t term,
                             bool commit_end, uint64_t expected_last_sequence);

// The record a message holds, its headers and checksum checked.
Result<LogMessage> parse_log_message(natsMsg* msg);

}  // namespace orderly::api::replication
