// The three image formats the catalog stores, and the ways a request names
// one: a Content-Type, the file's first bytes, a stored file's extension.
// Pure functions over strings; thread-safe.
#pragma once

#include <optional>
#include <string_view>

namespace orderly::api::images {

// The formats an upload may have. Stored files keep theirs (the original)
// or are WebP (the derived sizes).
enum class ImageFormat { kJpeg, kPng, kWebp };

// "image/jpeg; charset=x" -> kJpeg: the media type before any parameter,
// case-insensitive, surrounding spaces ignored; "image/jpg" (seen in the
// wild) is JPEG too. Anything else: nullopt.
std::optional<ImageFormat> format_of_content_type(std::string_view content_type);

// The format the magic bytes say, looking at nothing else: FF D8 FF (JPEG),
// the 8-byte PNG signature, "RIFF" <size> "WEBP". nullopt for anything else,
// including an empty or shorter input.
std::optional<ImageFormat> sniff_format(std::string_view bytes);

// "jpg", "png", "webp" exactly (lower case, no dot): the stored names'
// extensions. Anything else, "jpeg" and "JPG" included: nullopt.
std::optional<ImageFormat> format_of_extension(std::string_view ext);

// "jpg", "png", "webp".
std::string_view extension_of(ImageFormat format);

// "image/jpeg", "image/png", "image/webp".
std::string_view content_type_of(ImageFormat format);

// "JPEG", "PNG", "WebP": for messages.
std::string_view display_name_of(ImageFormat format);

}  // namespace orderly::api::images
