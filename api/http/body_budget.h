// The request-body bytes the server holds at once, across all connections:
// each admitted body reserves its size (its Content-Length, or its route's
// limit when chunked) before a byte of it is read, and gives it back when
// the answer is on its way. A request that would pass the budget is refused
// (503 overloaded) instead of growing memory with every slow client.
//
// Thread safety: every member from any thread.
#pragma once

#include <atomic>
#include <cstddef>

namespace orderly::api::http {

class BodyBudget {
 public:
  explicit BodyBudget(size_t capacity) : capacity_(capacity) {}

  // True (and `bytes` counted) when they fit.
  bool try_reserve(size_t bytes);
  // Gives `bytes` back. Once the bodies in flight have fallen far below
  // their peak, hands freed memory back to the operating system
  // (malloc_trim): glibc otherwise keeps the pages of a burst of large
  // bodies mapped for good.
  void release(size_t bytes);

  size_t in_flight() const { return in_flight_.load(std::memory_order_relaxed); }

 private:
  const size_t capacity_;
  std::atomic<size_t> in_flight_{0};
  std::atomic<size_t> peak_{0};  // since memory was last given back
};

}  // namespace orderly::api::http
