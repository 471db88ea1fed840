// The operator's checks of a data directory, run with no server on it:
// `orderly verify` (the log is whole) and `orderly rebuild --all --verify`
// (every stored read-model snapshot, folded forward to the log's end the
// way `serve` resumes it, equals a rebuild from scratch).
#pragma once

#include <string>

namespace orderly::testing {

struct OfflineChecks {
  int verify_exit = -1;
  int rebuild_exit = -1;
  size_t models = 0;            // lines "NAME: N rows, K difference(s)"
  size_t models_differing = 0;  // of those, K > 0 (or a snapshot that cannot be used)
  std::string output;           // both commands' stdout, for failures

  bool passed() const {
    return verify_exit == 0 && rebuild_exit == 0 && models > 0 && models_differing == 0;
  }
};

OfflineChecks run_offline_checks(const std::string& data_dir);

// Copies a data directory whose server was just killed (a crash image), all
// but the email outbox, so the checks can read it while the original is
// restarted exactly as the crash left it.
void copy_crash_image(const std::string& data_dir, const std::string& to);

}  // namespace orderly::testing
