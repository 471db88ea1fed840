#include "api/cli/image_store_options.h"

#include <filesystem>

#include "api/images/local_image_store.h"
#include "api/images/s3/s3_image_store.h"

namespace orderly::cli {

Result<std::shared_ptr<api::images::ImageStore>> open_image_store(const ImageStoreFlags& flags,
                                                                  const std::string& data_dir) {
  namespace s3 = api::images::s3;
  if (!flags.image_store.starts_with("s3://")) {
    if (!flags.s3_endpoint.empty() || !flags.s3_credentials_file.empty()) {
      return Status::invalid_argument(
          "--s3-endpoint and --s3-credentials-file need --image-store s3://bucket/prefix");
    }
    const std::filesystem::path dir = flags.image_store.empty()
                                          ? std::filesystem::path(data_dir) / "images"
                                          : std::filesystem::path(flags.image_store);
    auto store = api::images::open_local_image_store(dir);
    if (!store)
      return store.status();
    return std::shared_ptr<api::images::ImageStore>(std::move(*store));
  }
  auto location = s3::parse_s3_location(flags.image_store);
  if (!location)
    return location.status();
  if (flags.s3_endpoint.empty())
    return Status::invalid_argument("--image-store s3://... needs --s3-endpoint");
  if (flags.s3_credentials_file.empty())
    return Status::invalid_argument("--image-store s3://... needs --s3-credentials-file");
  auto credentials = s3::read_s3_credentials(flags.s3_credentials_file);
  if (!credentials)
    return credentials.status();
  s3::S3Options options;
  options.location = std::move(*location);
  options.endpoint = flags.s3_endpoint;
  options.region = flags.s3_region.empty() ? "us-east-1" : flags.s3_region;
  options.credentials = std::move(*credentials);
  auto store = s3::make_s3_image_store(std::move(options));
  if (!store)
    return store.status();
  return std::shared_ptr<api::images::ImageStore>(std::move(*store));
}

Result<std::string> image_base_url(const std::string& flag) {
  std::string url = flag;
  while (!url.empty() && url.back() == '/')
    url.pop_back();
  if (url.empty())
    return url;
  if ((!url.starts_with("https://") && !url.starts_with("http://")) ||
      url.find_first_of("?# ") != std::string::npos || url.size() < 9) {
    return Status::invalid_argument(
        "--image-base-url must be an http(s) URL without a query, "
        "e.g. https://cdn.example.com/images, not " +
        flag);
  }
  return url;
}

}  // namespace orderly::cli
