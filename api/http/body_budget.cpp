#include "api/http/body_budget.h"

#include <malloc.h>

namespace orderly::api::http {

namespace {

// Below this peak, what a burst left behind is not worth a trim (which
// walks the heap under its lock).
constexpr size_t kTrimAbove = 8 << 20;

}  // namespace

bool BodyBudget::try_reserve(size_t bytes) {
  size_t now = in_flight_.load(std::memory_order_relaxed);
  do {
    if (bytes > capacity_ || now > capacity_ - bytes)
      return false;
  } while (!in_flight_.compare_exchange_weak(now, now + bytes, std::memory_order_relaxed));
  size_t peak = peak_.load(std::memory_order_relaxed);
  while (now + bytes > peak &&
         !peak_.compare_exchange_weak(peak, now + bytes, std::memory_order_relaxed)) {
  }
  return true;
}

void BodyBudget::release(size_t bytes) {
  if (bytes == 0)
    return;
  const size_t left = in_flight_.fetch_sub(bytes, std::memory_order_relaxed) - bytes;
  size_t peak = peak_.load(std::memory_order_relaxed);
  if (peak < kTrimAbove || left > peak / 8)
    return;
  // One thread wins the trim for this peak.
  if (peak_.compare_exchange_strong(peak, left, std::memory_order_relaxed))
    malloc_trim(0);
}

}  // namespace orderly::api::http
