#include <cstdio>

#include "api/cli/commands.h"
#include "api/cli/terminal.h"
#include "eventstore/verify.h"

namespace orderly::cli {

int run_verify(const CommonOptions& common) {
  Progress progress("verifying");
  auto report = eventstore::verify_data_dir(
      common.data_dir, [&](uint64_t events, uint64_t) { progress.update(events, 0); });
  progress.finish();
  if (!report) {
    std::fprintf(stderr, "orderly verify: %s\n", report.status().to_string().c_str());
    return kExitFailure;
  }
  const auto& r = *report;
  std::printf(
      "%s: %llu events in %llu records, last position %llu, %llu streams "
      "(%llu index chunks), %llu command ids, %llu checkpoints\n",
      common.data_dir.c_str(), static_cast<unsigned long long>(r.events),
      static_cast<unsigned long long>(r.records), static_cast<unsigned long long>(r.last_position),
      static_cast<unsigned long long>(r.streams), static_cast<unsigned long long>(r.index_chunks),
      static_cast<unsigned long long>(r.commands), static_cast<unsigned long long>(r.checkpoints));
  if (r.ok()) {
    std::printf("ok: positions gapless, stream index agrees with the log, every event decodes\n");
    return kExitOk;
  }
  std::printf("DAMAGED: %llu problem(s)\n", static_cast<unsigned long long>(r.problem_count));
  for (const auto& p : r.problems)
    std::printf("  - %s\n", p.c_str());
  if (r.problem_count > r.problems.size()) {
    std::printf("  ... and %llu more\n",
                static_cast<unsigned long long>(r.problem_count - r.problems.size()));
  }
  return kExitDamage;
}

}  // namespace orderly::cli
