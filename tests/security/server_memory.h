// What a server under test holds: its resident memory (VmRSS from
// /proc/<pid>/status), and waiting for a condition with a deadline rather
// than sleeping a guessed time.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <thread>

#include "tests/support/process.h"

namespace orderly::testing {

// Resident memory in MiB; -1 when the process is gone.
inline double rss_mib(pid_t pid) {
  const long kib = rss_kib(pid);
  return kib > 0 ? static_cast<double>(kib) / 1024.0 : -1;
}

// True once `done()` is, polling every 50 ms; false when `timeout` passed first.
template <typename Done>
bool eventually(Done&& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

}  // namespace orderly::testing
