// `orderly verify`'s check of the local image store: every file the log's
// ProductImageAdded events refer to (original, thumb, medium) is present in
// <data-dir>/images and hashes to its name.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace orderly::cli {

struct ImageCheck {
  uint64_t events = 0;           // ProductImageAdded events read
  size_t files = 0;              // distinct file names they refer to
  bool store_present = true;     // false: no <data-dir>/images to check
  std::vector<std::string> bad;  // missing or damaged, sorted
};

// An error only when the log cannot be read; problems are in `bad`. With
// no <data-dir>/images at all, store_present is false and every referenced
// file is in `bad` (a deleted store must not pass; a shop keeping its
// images in S3 is told this check is for the local store).
Result<ImageCheck> check_local_images(const std::string& data_dir);

}  // namespace orderly::cli
