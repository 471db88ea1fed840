// The image store in a local directory (by default <data-dir>/images): one
// file per name, flat. Embedded, nothing to run; covered by `orderly
// verify` and `orderly backup`/`restore`.
//
// A put writes a temporary file beside the final one (".tmp-" + random, a
// name no valid image name can have), fsyncs it, renames it into place and
// fsyncs the directory: a crash leaves the name either absent or complete.
// Two puts of one name race harmlessly (same bytes, atomic renames).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "api/images/image_store.h"
#include "core/status.h"

namespace orderly::api::images {

// Creates `dir` (and its parents) when missing, mode 0700 like the rest of
// the data directory. io_error when it cannot.
Result<std::unique_ptr<ImageStore>> open_local_image_store(const std::filesystem::path& dir);

// The names among `names` that are not intact in `dir`: missing, not a
// valid image name, unreadable, or whose bytes do not hash to the name or
// are not of its extension's format. Empty: all intact. io_error only when
// `dir` itself cannot be read. Reads every file: a check for `orderly
// verify`, not for a request.
Result<std::vector<std::string>> verify_local_image_store(const std::filesystem::path& dir,
                                                          const std::vector<std::string>& names);

}  // namespace orderly::api::images
