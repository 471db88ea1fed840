// Mutex, a std::mutex that clang's thread-safety analysis knows as a
// capability (core/thread_annotations.h), and MutexLock, its scoped
// guard, which also waits on condition variables (as Abseil's MutexLock and
// CondVar do). std::lock_guard and std::unique_lock are not annotated in
// libstdc++: with them the analysis would not know the mutex is held.
//
// Waiting: write the condition as a loop in the caller, where the analysis
// sees the lock held while the guarded fields are read:
//
//   MutexLock lock(mu_);
//   while (!stopping_ && queue_.empty())
//     lock.wait(cv_);
//
// Thread safety: as std::mutex.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "core/thread_annotations.h"

namespace orderly {

class CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void lock() ACQUIRE() { mu_.lock(); }
  void unlock() RELEASE() { mu_.unlock(); }
  // For the analysis only: documents (and lets it assume) that the calling
  // thread holds the mutex.
  void assert_held() const ORDERLY_THREAD_ANNOTATION(assert_capability(this)) {}

 private:
  friend class MutexLock;
  std::mutex mu_;
};

class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) ACQUIRE(mu) : mu_(mu) { mu_.lock(); }
  ~MutexLock() RELEASE() { mu_.unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  // Releases the mutex while blocked on `cv`, and holds it again on return
  // (woken by a notify, or spuriously: callers loop on their condition).
  void wait(std::condition_variable& cv) {
    std::unique_lock<std::mutex> lock(mu_.mu_, std::adopt_lock);
    cv.wait(lock);
    lock.release();
  }
  // The same, until `deadline` at the latest; false once it has passed.
  template <typename Clock, typename Duration>
  bool wait_until(std::condition_variable& cv,
                  const std::chrono::time_point<Clock, Duration>& deadline) {
    std::unique_lock<std::mutex> lock(mu_.mu_, std::adopt_lock);
    const bool in_time = cv.wait_until(lock, deadline) == std::cv_status::no_timeout;
    lock.release();
    return in_time;
  }

 private:
  Mutex& mu_;
};

}  // namespace orderly
