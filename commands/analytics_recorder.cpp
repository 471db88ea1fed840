#include "commands/analytics_recorder.h"

#include "commands/analytics.h"
#include "core/ids.h"

namespace orderly::commands {

AnalyticsRecorder::AnalyticsRecorder(CommandProcessor& processor,
                                     std::chrono::milliseconds interval)
    : processor_(processor), interval_(interval), thread_([this] { run(); }) {}

AnalyticsRecorder::~AnalyticsRecorder() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
  (void)flush();
}

void AnalyticsRecorder::product_viewed(const Uuid& product) {
  std::lock_guard lock(mu_);
  ++views_[product];
}

void AnalyticsRecorder::searched(std::string_view query) {
  std::string q = normalize_search(query);
  if (q.empty())
    return;
  if (q.size() > kMaxSearchBytes)
    q.resize(kMaxSearchBytes);  // (may cut a UTF-8 sequence: trimmed below)
  while (!q.empty() && (static_cast<unsigned char>(q.back()) & 0xC0) == 0x80)
    q.pop_back();
  if (!q.empty() && static_cast<unsigned char>(q.back()) >= 0xC0)
    q.pop_back();
  std::lock_guard lock(mu_);
  ++searches_[q];
}

Status AnalyticsRecorder::flush() {
  RecordAnalytics batch;
  {
    std::lock_guard lock(mu_);
    if (views_.empty() && searches_.empty())
      return Status::ok();
    batch.product_views.assign(views_.begin(), views_.end());
    batch.searches.assign(searches_.begin(), searches_.end());
    views_.clear();
    searches_.clear();
  }
  if (batch.product_views.size() > kMaxAnalyticsEntries)
    batch.product_views.resize(kMaxAnalyticsEntries);
  if (batch.searches.size() > kMaxAnalyticsEntries)
    batch.searches.resize(kMaxAnalyticsEntries);
  batch.batch_id = *Uuid::parse(new_uuid_v7());
  CommandMeta engine;
  engine.role = Role::kEngine;
  auto r = processor_.execute(batch, engine);
  if (!r.is_ok() && r.status().code() == ErrorCode::kOverloaded) {
    // Put the counts back: the next interval tries again.
    std::lock_guard lock(mu_);
    for (const auto& [p, n] : batch.product_views)
      views_[p] += n;
    for (const auto& [q, n] : batch.searches)
      searches_[q] += n;
  }
  return r.status();
}

void AnalyticsRecorder::run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, interval_, [&] { return stopping_; });
    if (stopping_)
      break;
    lock.unlock();
    (void)flush();
    lock.lock();
  }
}

}  // namespace orderly::commands
