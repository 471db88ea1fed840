#include <cstdio>

#include "api/cli/commands.h"
#include "eventstore/backup.h"

namespace orderly::cli {

int run_backup(const CommonOptions& common, const std::string& backup_dir) {
  Status st = eventstore::backup_data_dir(common.data_dir, backup_dir);
  if (!st.is_ok()) {
    std::fprintf(stderr, "orderly backup: %s\n", st.to_string().c_str());
    return kExitFailure;
  }
  std::printf("backed up %s to %s (verified)\n", common.data_dir.c_str(), backup_dir.c_str());
  return kExitOk;
}

int run_restore(const CommonOptions& common, const std::string& backup_dir, bool force) {
  Status st = eventstore::restore_data_dir(backup_dir, common.data_dir, force);
  if (!st.is_ok()) {
    std::fprintf(stderr, "orderly restore: %s\n", st.to_string().c_str());
    return st.code() == ErrorCode::kAlreadyExists ? kExitUsage : kExitFailure;
  }
  std::printf("restored %s from %s\n", common.data_dir.c_str(), backup_dir.c_str());
  return kExitOk;
}

}  // namespace orderly::cli
