#include "api/images/image_format.h"

#include <cctype>

namespace orderly::api::images {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

}  // namespace

std::optional<ImageFormat> format_of_content_type(std::string_view content_type) {
  const std::string_view type = trim(content_type.substr(0, content_type.find(';')));
  if (iequals(type, "image/jpeg") || iequals(type, "image/jpg"))
    return ImageFormat::kJpeg;
  if (iequals(type, "image/png"))
    return ImageFormat::kPng;
  if (iequals(type, "image/webp"))
    return ImageFormat::kWebp;
  return std::nullopt;
}

std::optional<ImageFormat> sniff_format(std::string_view bytes) {
  // JPEG: SOI (FF D8) followed by the first marker's FF.
  if (bytes.size() >= 3 && bytes.substr(0, 3) == std::string_view("\xFF\xD8\xFF", 3))
    return ImageFormat::kJpeg;
  // PNG: the fixed signature of RFC 2083 section 3.1.
  if (bytes.size() >= 8 && bytes.substr(0, 8) == std::string_view("\x89PNG\r\n\x1A\n", 8))
    return ImageFormat::kPng;
  // WebP: a RIFF container whose form type is WEBP.
  if (bytes.size() >= 12 && bytes.substr(0, 4) == "RIFF" && bytes.substr(8, 4) == "WEBP")
    return ImageFormat::kWebp;
  return std::nullopt;
}

std::optional<ImageFormat> format_of_extension(std::string_view ext) {
  if (ext == "jpg")
    return ImageFormat::kJpeg;
  if (ext == "png")
    return ImageFormat::kPng;
  if (ext == "webp")
    return ImageFormat::kWebp;
  return std::nullopt;
}

std::string_view extension_of(ImageFormat format) {
  switch (format) {
    case ImageFormat::kJpeg:
      return "jpg";
    case ImageFormat::kPng:
      return "png";
    case ImageFormat::kWebp:
      return "webp";
  }
  return "";
}

std::string_view content_type_of(ImageFormat format) {
  switch (format) {
    case ImageFormat::kJpeg:
      return "image/jpeg";
    case ImageFormat::kPng:
      return "image/png";
    case ImageFormat::kWebp:
      return "image/webp";
  }
  return "";
}

std::string_view display_name_of(ImageFormat format) {
  switch (format) {
    case ImageFormat::kJpeg:
      return "JPEG";
    case ImageFormat::kPng:
      return "PNG";
    case ImageFormat::kWebp:
      return "WebP";
  }
  return "";
}

}  // namespace orderly::api::images
