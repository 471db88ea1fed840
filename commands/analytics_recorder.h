// Counts product views and searches in memory and records them in the log as
// one RecordAnalytics command per interval: a query that causes a view pays
// for a hash-map increment, never for a commit.
//
// Thread safety: product_viewed/searched/flush from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <string>
#include <thread>
#include <unordered_map>

#include "commands/processor.h"
#include "core/mutex.h"

namespace orderly::commands {

class AnalyticsRecorder {
 public:
  explicit AnalyticsRecorder(CommandProcessor& processor,
                             std::chrono::milliseconds interval = std::chrono::seconds(1));
  ~AnalyticsRecorder();  // flushes what is pending
  AnalyticsRecorder(const AnalyticsRecorder&) = delete;
  AnalyticsRecorder& operator=(const AnalyticsRecorder&) = delete;

  void product_viewed(const Uuid& product) EXCLUDES(mu_);
  void searched(std::string_view query) EXCLUDES(mu_);  // normalised; empty queries are ignored
  // Submits the pending counts now and waits until they are recorded.
  Status flush() EXCLUDES(mu_);

 private:
  void run() EXCLUDES(mu_);

  CommandProcessor& processor_;
  const std::chrono::milliseconds interval_;
  Mutex mu_;
  std::condition_variable cv_;
  bool stopping_ GUARDED_BY(mu_) = false;
  UuidMap<uint32_t> views_ GUARDED_BY(mu_);
  std::unordered_map<std::string, uint32_t> searches_ GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace orderly::commands
