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

// Copies every stored file of the local store at `from` (files with a
// valid image name; temporaries and strays are left behind) into `to`
// (created when missing), each through put (fsynced, renamed, the
// directory fsynced). For `orderly backup`: all stored files, referenced
// or not (an orphan of an upload that failed after its put is small, and a
// backup taken while the engine runs may hold an upload whose event is not
// in the log copy yet). A file that does not hash to its name is not
// copied and is named in `damaged`: the backup of everything else goes on,
// and the caller says so. A missing `from` copies nothing.
struct ImageCopyReport {
  size_t copied = 0;
  std::vector<std::string> damaged;
};
Result<ImageCopyReport> copy_local_image_store(const std::filesystem::path& from,
                                               const std::filesystem::path& to);

}  // namespace orderly::api::images
