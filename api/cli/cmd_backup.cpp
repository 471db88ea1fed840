#include <cstdio>
#include <filesystem>

#include "api/cli/commands.h"
#include "api/images/local_image_store.h"
#include "eventstore/backup.h"

namespace orderly::cli {

namespace {

// The local image store of a data directory (the default --image-store).
std::filesystem::path images_dir(const std::string& data_dir) {
  return std::filesystem::path(data_dir) / "images";
}

}  // namespace

int run_backup(const CommonOptions& common, const std::string& backup_dir) {
  Status st = eventstore::backup_data_dir(common.data_dir, backup_dir);
  if (!st.is_ok()) {
    std::fprintf(stderr, "orderly backup: %s\n", st.to_string().c_str());
    return kExitFailure;
  }
  // The images after the log: an upload puts its files before its event is
  // appended, so every file the copied log refers to is there to copy. All
  // stored files are copied, referenced or not; restore brings the folder
  // back with the rest of the backup directory.
  auto images =
      api::images::copy_local_image_store(images_dir(common.data_dir), images_dir(backup_dir));
  if (!images) {
    std::fprintf(stderr, "orderly backup: the log is backed up, the images are not: %s\n",
                 images.status().to_string().c_str());
    return kExitFailure;
  }
  std::printf("backed up %s to %s (verified), %zu image file(s)\n", common.data_dir.c_str(),
              backup_dir.c_str(), images->copied);
  if (!images->damaged.empty()) {
    std::printf("DAMAGED: %zu image file(s) do not hash to their names and were not copied\n",
                images->damaged.size());
    for (const std::string& name : images->damaged)
      std::printf("  - %s\n", name.c_str());
    return kExitDamage;
  }
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
