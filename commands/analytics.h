// Analytics: product views and searches, recorded by the engine in batches
// (commands/analytics_recorder.h) so the queries that cause them never wait
// for the log. Each batch is its own stream, analytics-<batch id>, with one
// event; there is no state to decide against beyond validating the batch.
#pragma once

#include "commands/command.h"
#include "commands/event_sink.h"
#include "core/status.h"

namespace orderly::commands {

inline constexpr size_t kMaxAnalyticsEntries = 10'000;
inline constexpr size_t kMaxSearchBytes = 200;

Status decide_record_analytics(const RecordAnalytics& c, const CommandMeta& meta, EventSink& out);

// Lower-case words joined by single spaces: how searches are counted.
std::string normalize_search(std::string_view query);

}  // namespace orderly::commands
