// Where image files live: the interface the routes and the engine see, with
// no libvips or libcurl type in it. Files are content-addressed
// ("<hash>.<ext>", image_file.h), so a name always means the same bytes:
// a put of a name already stored does nothing, and nothing is ever
// overwritten or deleted through this interface.
//
// Thread safety: every implementation may be called from several threads
// at once. Calls block (disk or network): never call on an I/O thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "api/images/image_file.h"
#include "core/status.h"

namespace orderly::api::images {

class ImageStore {
 public:
  virtual ~ImageStore() = default;

  // Stores `file` under file.name(), durably before it returns OK.
  // Idempotent: a file already there is not rewritten. A store that cannot
  // be reached (or refuses the engine's credentials): unavailable.
  virtual Status put(const ImageFile& file) = 0;

  // The bytes stored under `name`, nullopt when absent or when `name` is
  // not a valid image name (parse_image_name). unavailable as for put.
  virtual Result<std::optional<std::string>> get(std::string_view name) = 0;

  // Whether `name` is stored (false for an invalid name).
  virtual Result<bool> exists(std::string_view name) = 0;

  // For logs and /health: "directory /x/images",
  // "s3://bucket/prefix at http://127.0.0.1:p".
  virtual std::string describe() const = 0;
};

}  // namespace orderly::api::images
