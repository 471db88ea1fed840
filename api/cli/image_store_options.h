// The image store `orderly serve` gives the image routes, from its flags:
// a directory (default <data-dir>/images), or an S3-compatible store
// (--image-store s3://bucket/prefix --s3-endpoint --s3-region
// --s3-credentials-file). Checked at start: a bad flag is a usage error.
#pragma once

#include <memory>
#include <string>

#include "api/images/image_store.h"
#include "core/status.h"

namespace orderly::cli {

struct ImageStoreFlags {
  std::string image_store;  // "" = <data-dir>/images; a directory; or s3://bucket/prefix
  std::string s3_endpoint, s3_region = "us-east-1", s3_credentials_file;
  std::string image_base_url;  // "" = <public url>/images
};

Result<std::shared_ptr<api::images::ImageStore>> open_image_store(const ImageStoreFlags& flags,
                                                                  const std::string& data_dir);

// --image-base-url checked (http or https, no query), without a trailing '/'.
Result<std::string> image_base_url(const std::string& flag);

}  // namespace orderly::cli
