// Analytics: product views and searches, recorded by the engine in batches
// (commands/analytics_recorder.h) so the queries that cause them never wait
// for the log. Each batch is its own stream, analytics-<batch id>, with one
// event; there is no state to decide against beyond validating the batch.
#pragma once

#include <string_view>

#include "commands/command.h"
#include "commands/event_sink.h"
#include "commands/input_limits.h"
#include "core/search_names.h"
#include "core/status.h"

namespace orderly::commands {

inline constexpr size_t kMaxAnalyticsEntries = 10'000;

// Bounds against a flood of made-up searches (issue 19: 32,014 distinct
// searches in 30 s were each recorded, in events of 220 KB). The recorder
// keeps at most kMaxSearchesPerInterval distinct searches per interval and
// counts the rest under kOtherSearches; a batch is at most
// kMaxAnalyticsBatchBytes by analytics_batch_bytes (the recorder cuts its
// batches so; the decider refuses a bigger one).
inline constexpr size_t kMaxSearchesPerInterval = 200;
inline constexpr size_t kMaxAnalyticsBatchBytes = 64 << 10;
// What one entry adds to an event, about (its text and the FlatBuffers
// table, offsets and count around it).
inline constexpr size_t kViewEntryBytes = 36 + 28;
inline size_t search_entry_bytes(std::string_view query) {
  return query.size() + 28;
}
size_t analytics_batch_bytes(const RecordAnalytics& c);

Status decide_record_analytics(const RecordAnalytics& c, const CommandMeta& meta, EventSink& out);

// Lower-case words joined by single spaces: how searches are counted.
std::string normalize_search(std::string_view query);

}  // namespace orderly::commands
