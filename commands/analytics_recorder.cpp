#include "commands/analytics_recorder.h"

#include "commands/analytics.h"
#include "commands/validation.h"
#include "core/ids.h"

namespace orderly::commands {

AnalyticsRecorder::AnalyticsRecorder(CommandProcessor& processor,
                                     std::chrono::milliseconds interval)
    : processor_(processor), interval_(interval), thread_([this] { run(); }) {}

AnalyticsRecorder::~AnalyticsRecorder() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
  (void)flush();
}

void AnalyticsRecorder::product_viewed(const Uuid& product) {
  MutexLock lock(mu_);
  ++views_[product];
}

void AnalyticsRecorder::searched(std::string_view query) {
  std::string q = normalize_search(query);
  if (q.size() > kMaxSearchBytes) {
    // Cut at the limit, then drop a character the cut split in two.
    size_t end = kMaxSearchBytes;
    while (end > 0 && (static_cast<unsigned char>(q[end]) & 0xC0) == 0x80)
      --end;
    q.resize(end);
  }
  // A query that is not clean text (invalid UTF-8, control characters) is
  // not counted: it would make the whole batch invalid.
  if (q.empty() || !is_clean_text(q))
    return;
  MutexLock lock(mu_);
  // Past kMaxSearchesPerInterval distinct queries, a new one is counted
  // but not named: made-up queries cannot grow the log or the stats.
  if (searches_.size() >= kMaxSearchesPerInterval && !searches_.contains(q))
    q = kOtherSearches;
  ++searches_[q];
}

Status AnalyticsRecorder::flush() {
  std::vector<std::pair<Uuid, uint32_t>> views;
  std::vector<std::pair<std::string, uint32_t>> searches;
  {
    MutexLock lock(mu_);
    if (views_.empty() && searches_.empty())
      return Status::ok();
    views.assign(views_.begin(), views_.end());
    searches.assign(searches_.begin(), searches_.end());
    views_.clear();
    searches_.clear();
  }
  CommandMeta engine;
  engine.role = Role::kEngine;
  Status last;
  // Batches of at most kMaxAnalyticsEntries of each kind and
  // kMaxAnalyticsBatchBytes in all: views first, then searches.
  for (size_t v = 0, s = 0; v < views.size() || s < searches.size();) {
    RecordAnalytics batch;
    batch.batch_id = *Uuid::parse(new_uuid_v7());
    size_t bytes = 0;
    while (v < views.size() && batch.product_views.size() < kMaxAnalyticsEntries &&
           bytes + kViewEntryBytes <= kMaxAnalyticsBatchBytes) {
      bytes += kViewEntryBytes;
      batch.product_views.push_back(views[v++]);
    }
    while (s < searches.size() && batch.searches.size() < kMaxAnalyticsEntries &&
           bytes + search_entry_bytes(searches[s].first) <= kMaxAnalyticsBatchBytes) {
      bytes += search_entry_bytes(searches[s].first);
      batch.searches.push_back(std::move(searches[s++]));
    }
    auto r = processor_.execute(batch, engine);
    if (!r.is_ok()) {
      last = r.status();
      if (r.status().code() == ErrorCode::kOverloaded) {
        // Put the counts back: the next interval tries again.
        MutexLock lock(mu_);
        for (const auto& [p, n] : batch.product_views)
          views_[p] += n;
        for (const auto& [q, n] : batch.searches)
          searches_[q] += n;
      }
    }
  }
  return last;
}

void AnalyticsRecorder::run() {
  while (true) {
    {
      MutexLock lock(mu_);
      const auto deadline = std::chrono::steady_clock::now() + interval_;
      while (!stopping_ && lock.wait_until(cv_, deadline)) {
      }
      if (stopping_)
        return;
    }
    (void)flush();
  }
}

}  // namespace orderly::commands
