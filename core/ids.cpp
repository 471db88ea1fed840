#include "core/ids.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstdint>

#include "core/mutex.h"

namespace orderly {

namespace {

// Monotonic per-process state: RFC 9562 method 1 ("fixed bit-length dedicated
// counter") keeps ids sortable within a millisecond.
Mutex g_mu;
uint64_t g_last_ms GUARDED_BY(g_mu) = 0;
uint16_t g_counter GUARDED_BY(g_mu) = 0;  // 12 bits used (rand_a)

}  // namespace

// The random bits of ids, drawn from the kernel's CSPRNG a page at a time
// per thread: one getrandom() call per 512 ids instead of one per id (the
// call was 1% of the HTTP threads' time, several ids per request).
void random_bytes(uint8_t* out, size_t n) {
  static const bool sodium_ready = sodium_init() >= 0;
  (void)sodium_ready;
  thread_local std::array<uint8_t, 4096> pool;
  thread_local size_t used = pool.size();
  if (used + n > pool.size()) {
    randombytes_buf(pool.data(), pool.size());
    used = 0;
  }
  std::copy_n(pool.data() + used, n, out);
  sodium_memzero(pool.data() + used, n);  // never handed out twice
  used += n;
}

std::string new_uuid_v7() {
  return new_uuid_v7(now_us());
}

std::string new_uuid_v7(TimestampUs at) {
  static const bool sodium_ready = sodium_init() >= 0;
  (void)sodium_ready;
  uint64_t ms = static_cast<uint64_t>(at / 1000);
  uint16_t counter;
  {
    MutexLock lock(g_mu);
    if (ms <= g_last_ms) {
      ms = g_last_ms;
      if (++g_counter >= 0x1000) {  // counter overflow: borrow the next millisecond
        ++ms;
        g_counter = 0;
      }
    } else {
      g_counter = static_cast<uint16_t>(randombytes_uniform(0x800));  // leave headroom
    }
    g_last_ms = ms;
    counter = g_counter;
  }
  std::array<uint8_t, 16> b{};
  for (int i = 0; i < 6; ++i)
    b[i] = static_cast<uint8_t>(ms >> (40 - 8 * i));
  b[6] = static_cast<uint8_t>(0x70 | ((counter >> 8) & 0x0f));
  b[7] = static_cast<uint8_t>(counter & 0xff);
  random_bytes(b.data() + 8, 8);
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);  // variant 10
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10)
      out.push_back('-');
    out.push_back(kHex[b[i] >> 4]);
    out.push_back(kHex[b[i] & 0x0f]);
  }
  return out;
}

bool looks_like_uuid(std::string_view s) {
  if (s.size() != 36)
    return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-')
        return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

}  // namespace orderly
