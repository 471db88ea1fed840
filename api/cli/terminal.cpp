#include "api/cli/terminal.h"

#include <unistd.h>

#include <cstdio>

namespace orderly::cli {

bool stderr_is_terminal() {
  return isatty(STDERR_FILENO) == 1;
}

Progress::Progress(std::string what)
    : what_(std::move(what)),
      enabled_(stderr_is_terminal()),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

void Progress::update(uint64_t done, uint64_t total) {
  if (!enabled_)
    return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_ < std::chrono::milliseconds(200))
    return;
  last_ = now;
  const double secs = std::chrono::duration<double>(now - start_).count();
  const double rate = secs > 0 ? static_cast<double>(done) / secs : 0;
  if (total > 0 && rate > 0) {
    const double eta = static_cast<double>(total > done ? total - done : 0) / rate;
    std::fprintf(stderr, "\r%s: %llu/%llu (%.0f/s, ETA %.0fs)   ", what_.c_str(),
                 static_cast<unsigned long long>(done), static_cast<unsigned long long>(total),
                 rate, eta);
  } else {
    std::fprintf(stderr, "\r%s: %llu (%.0f/s)   ", what_.c_str(),
                 static_cast<unsigned long long>(done), rate);
  }
  std::fflush(stderr);
}

void Progress::finish() {
  if (enabled_)
    std::fprintf(stderr, "\r\033[K");
}

}  // namespace orderly::cli
