// Collects what became of WebSocket pushes (written to the socket, or
// dropped) and records them as one RecordWebSocketPushes command per
// interval, or sooner once `max_batch` are waiting: a push costs the thread
// that saw its outcome a mutex and a vector append, never a commit, and the
// log gets one event a second instead of one per push.
//
// Bounded: past `max_pending` outcomes waiting (the pipeline refusing them
// as overloaded for a long time) new ones are not recorded and counted in
// lost(). Outcomes that arrive after stop() are counted there too.
//
// Thread safety: record/flush/lost from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <thread>
#include <vector>

#include "commands/command.h"
#include "core/mutex.h"
#include "core/status.h"

namespace orderly::commands {

class CommandProcessor;

class WebSocketPushRecorder {
 public:
  // Records one batch (for example through the command processor, or
  // through the engine's HTTP API from another process).
  using Submit = std::function<Status(const RecordWebSocketPushes&)>;
  // The batch as the engine's own command (role engine) on `processor`.
  static Submit through(CommandProcessor& processor);

  explicit WebSocketPushRecorder(Submit submit,
                                 std::chrono::milliseconds interval = std::chrono::seconds(1),
                                 size_t max_batch = 1000, size_t max_pending = 100'000);
  ~WebSocketPushRecorder();  // stop()
  WebSocketPushRecorder(const WebSocketPushRecorder&) = delete;
  WebSocketPushRecorder& operator=(const WebSocketPushRecorder&) = delete;

  // One outcome; a nil notification_id gets a new one.
  void record(WebSocketPushOutcome outcome) EXCLUDES(mu_);
  // Submits what is pending now, in batches of at most `max_batch`, and
  // waits until they are recorded.
  Status flush() EXCLUDES(flush_mu_, mu_);
  // Flushes what is pending and ends the background thread; outcomes
  // recorded later are lost (counted). Idempotent.
  void stop() EXCLUDES(flush_mu_, mu_);
  uint64_t lost() const EXCLUDES(mu_);

 private:
  void run() EXCLUDES(flush_mu_, mu_);

  const Submit submit_;
  const std::chrono::milliseconds interval_;
  const size_t max_batch_, max_pending_;
  mutable Mutex mu_;
  std::condition_variable cv_;
  bool stopping_ GUARDED_BY(mu_) = false;
  std::vector<WebSocketPushOutcome> pending_ GUARDED_BY(mu_);
  uint64_t lost_ GUARDED_BY(mu_) = 0;
  Mutex flush_mu_ ACQUIRED_BEFORE(mu_);  // one flush at a time: batches stay in order
  std::thread thread_;
};

}  // namespace orderly::commands
