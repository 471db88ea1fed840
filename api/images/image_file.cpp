#include "api/images/image_file.h"

#include <openssl/sha.h>

namespace orderly::api::images {

std::string ImageFile::name() const {
  return hash + "." + std::string(extension_of(format));
}

ImageFile make_image_file(ImageFormat format, std::string bytes) {
  ImageFile file;
  file.hash = sha256_hex(bytes);
  file.format = format;
  file.bytes = std::move(bytes);
  return file;
}

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * SHA256_DIGEST_LENGTH);
  for (const unsigned char c : digest) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

std::optional<ImageName> parse_image_name(std::string_view name) {
  constexpr size_t kHashLength = 64;
  if (name.size() <= kHashLength + 1 || name[kHashLength] != '.')
    return std::nullopt;
  const std::string_view hash = name.substr(0, kHashLength);
  for (const char c : hash) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return std::nullopt;
  }
  const auto format = format_of_extension(name.substr(kHashLength + 1));
  if (!format)
    return std::nullopt;
  return ImageName{hash, *format};
}

}  // namespace orderly::api::images
