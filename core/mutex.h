// Mutex, a std::mutex that clang's thread-safety analysis knows as a
// capability (core/thread_annotations.h), and MutexLock, its scoped
// guard, which also waits on condition variables (as Abseil's MutexLock and
// CondVar do). std::lock_guard and std::unique_lock are not annotated in
// libstdc++: with them the analysis would not know the mutex is held.
// SharedMutex is the same for std::shared_mutex, with ReaderLock (shared)
// and WriterLock (exclusive) as its scoped guards.
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
#include <shared_mutex>

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
  void assert_held() const ASSERT_CAPABILITY(this) {}

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

// Readers share it, a writer holds it alone. Fields it guards are read
// under ReaderLock (or in functions REQUIRES_SHARED) and written under
// WriterLock (or REQUIRES). lock()/unlock() also make it BasicLockable, for
// std::unique_lock over a number of them that only the run time knows.
class CAPABILITY("shared mutex") SharedMutex {
 public:
  SharedMutex() = default;
  SharedMutex(const SharedMutex&) = delete;
  SharedMutex& operator=(const SharedMutex&) = delete;

  void lock() ACQUIRE() { mu_.lock(); }
  void unlock() RELEASE() { mu_.unlock(); }
  void lock_shared() ACQUIRE_SHARED() { mu_.lock_shared(); }
  void unlock_shared() RELEASE_SHARED() { mu_.unlock_shared(); }
  // For the analysis only, as Mutex::assert_held: held exclusively, or at
  // least shared.
  void assert_held() const ASSERT_CAPABILITY(this) {}
  void assert_reader_held() const ASSERT_SHARED_CAPABILITY(this) {}

 private:
  std::shared_mutex mu_;
};

class SCOPED_CAPABILITY WriterLock {
 public:
  explicit WriterLock(SharedMutex& mu) ACQUIRE(mu) : mu_(mu) { mu_.lock(); }
  ~WriterLock() RELEASE() { mu_.unlock(); }
  WriterLock(const WriterLock&) = delete;
  WriterLock& operator=(const WriterLock&) = delete;

 private:
  SharedMutex& mu_;
};

class SCOPED_CAPABILITY ReaderLock {
 public:
  explicit ReaderLock(SharedMutex& mu) ACQUIRE_SHARED(mu) : mu_(mu) { mu_.lock_shared(); }
  ~ReaderLock() RELEASE() { mu_.unlock_shared(); }
  ReaderLock(const ReaderLock&) = delete;
  ReaderLock& operator=(const ReaderLock&) = delete;

 private:
  SharedMutex& mu_;
};

}  // namespace orderly
