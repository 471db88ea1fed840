// Check of a data directory against every rule of LOG_FORMAT.md. Run it on a
// stopped server or on a backup: beside a live writer the read-only view may
// catch files mid-switch and report damage that is not there.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"

namespace orderly::eventstore {

struct VerifyReport {
  uint64_t records = 0;
  uint64_t events = 0;
  uint64_t last_position = 0;
  uint64_t streams = 0;
  uint64_t index_chunks = 0;
  uint64_t commands = 0;
  uint64_t checkpoints = 0;
  uint64_t problem_count = 0;
  std::vector<std::string> problems;  // the first 100, in the order found

  bool ok() const { return problem_count == 0; }
};

// Progress callback: (events checked so far, last position).
using VerifyProgress = std::function<void(uint64_t, uint64_t)>;

// An error Status only when the directory cannot be read at all; damage is
// reported in VerifyReport::problems.
Result<VerifyReport> verify_data_dir(const std::string& dir, const VerifyProgress& progress = {});

}  // namespace orderly::eventstore
