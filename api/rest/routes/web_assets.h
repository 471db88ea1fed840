// The shop's web pages (api/web/), compiled in by api/web/embed_web.cmake.
#pragma once

#include <cstddef>
#include <string_view>

namespace orderly::api::rest::routes {

struct WebAsset {
  std::string_view name;  // the file name, e.g. "app.js" (the folder is flat)
  std::string_view etag;  // strong, quoted: a hash of the content
  std::string_view body;
};

extern const WebAsset kWebAssets[];
extern const size_t kWebAssetCount;

}  // namespace orderly::api::rest::routes
