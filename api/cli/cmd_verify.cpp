#include <cstdio>

#include "api/cli/commands.h"
#include "api/cli/image_check.h"
#include "api/cli/terminal.h"
#include "eventstore/verify.h"

namespace orderly::cli {

namespace {

// The local image store against the log's ProductImageAdded events: ok,
// damage (a referenced file missing or damaged), or failure (the log could
// not be read for it).
int report_images(const CommonOptions& common) {
  auto check = check_local_images(common.data_dir);
  if (!check) {
    std::printf("images not checked: %s\n", check.status().to_string().c_str());
    return kExitFailure;
  }
  const auto& c = *check;
  if (c.bad.empty()) {
    std::printf("ok: %zu image files referenced by %llu events, each present and intact\n", c.files,
                static_cast<unsigned long long>(c.events));
    return kExitOk;
  }
  if (!c.store_present) {
    std::printf(
        "DAMAGED: %zu image file(s) referenced and no local image store at %s/images "
        "(images kept in S3 are not checked by verify)\n",
        c.bad.size(), common.data_dir.c_str());
  } else {
    std::printf("DAMAGED: %zu of %zu image file(s) missing or not hashing to their names\n",
                c.bad.size(), c.files);
  }
  for (const std::string& name : c.bad)
    std::printf("  - images/%s\n", name.c_str());
  return kExitDamage;
}

}  // namespace

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
  int exit_code = kExitOk;
  if (r.ok()) {
    std::printf("ok: positions gapless, stream index agrees with the log, every event decodes\n");
  } else {
    std::printf("DAMAGED: %llu problem(s)\n", static_cast<unsigned long long>(r.problem_count));
    for (const auto& p : r.problems)
      std::printf("  - %s\n", p.c_str());
    if (r.problem_count > r.problems.size()) {
      std::printf("  ... and %llu more\n",
                  static_cast<unsigned long long>(r.problem_count - r.problems.size()));
    }
    exit_code = kExitDamage;
  }
  // The images the log refers to. On a damaged log the scan for them may
  // fail at the damage: that is said, and the exit stays "damaged".
  const int images = report_images(common);
  if (exit_code == kExitDamage)
    return kExitDamage;
  return images;
}

}  // namespace orderly::cli
