// Terminal awareness: progress lines only on a terminal, quiet otherwise.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace orderly::cli {

bool stderr_is_terminal();

// Rate-limited "\r"-rewritten progress line on stderr; silent when stderr is
// not a terminal.
class Progress {
 public:
  explicit Progress(std::string what);
  void update(uint64_t done, uint64_t total);  // total 0 = unknown
  void finish();

 private:
  std::string what_;
  bool enabled_;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace orderly::cli
