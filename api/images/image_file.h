// A stored image file: its bytes and the content-addressed name they go by,
// "<hex SHA-256 of the bytes>.<ext>". Equal bytes have one name, so a file
// uploaded twice is stored once, and a name says how to check its file.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "api/images/image_format.h"

namespace orderly::api::images {

struct ImageFile {
  std::string hash;  // lower-case hex SHA-256 of `bytes`
  ImageFormat format = ImageFormat::kJpeg;
  std::string bytes;
  // "<hash>.<ext>"
  std::string name() const;
};

// An ImageFile over `bytes`, its hash computed.
ImageFile make_image_file(ImageFormat format, std::string bytes);

// Lower-case hex SHA-256 (64 characters).
std::string sha256_hex(std::string_view bytes);

// What a valid stored name says: exactly 64 lower-case hex digits, a dot,
// and one of the three extensions. The stores refuse anything else before
// it reaches a path or a URL, so a name can never climb out of the store.
struct ImageName {
  std::string_view hash;
  ImageFormat format;
};
std::optional<ImageName> parse_image_name(std::string_view name);

}  // namespace orderly::api::images
