// An upload turned into what the catalog stores: the image checked (its
// declared format against its magic bytes, its size against the
// decompression-bomb guard, every pixel decoded), the original re-encoded
// without metadata, and the two derived sizes. libvips does the decoding
// and encoding; nothing here is a hand-written decoder.
//
// Pure: no I/O, no clock. Equal input gives equal bytes (and hashes).
// Thread safety: process_image may run on several threads at once.
#pragma once

#include <cstdint>
#include <string_view>

#include "api/images/image_file.h"
#include "api/images/image_format.h"
#include "core/status.h"

namespace orderly::api::images {

struct ImageLimits {
  // width x height the header may claim (40 megapixels: a large camera
  // picture, about 120 MB decoded); checked before anything is decoded.
  uint64_t max_pixels = 40'000'000;
  int thumb_width = 200;
  int medium_width = 800;
};

// One processed upload. `original` is in the upload's format; `thumb` and
// `medium` are WebP, `thumb_width` and `medium_width` wide, or as wide as
// the image when it is narrower (never upscaled). width/height are the
// original's, as displayed (after its EXIF orientation was applied).
struct ProcessedImage {
  int width = 0;
  int height = 0;
  ImageFile original, thumb, medium;
};

// REQUIRES: init_image_library() was called.
// Errors:
// - unsupported_media_type: the bytes are not the `declared` format (both
//   named), or no image format at all;
// - invalid_argument, field "image": the header claims more than
//   `max_pixels`, or a side over 16383 pixels (WebP's limit): the
//   decompression-bomb guard; or the file is truncated or damaged
//   (libvips's reason given).
// The original is auto-rotated (its EXIF orientation applied) and stored
// with no metadata at all: EXIF (GPS included), XMP, IPTC and the ICC
// profile (colours converted to sRGB first) are gone.
Result<ProcessedImage> process_image(std::string_view bytes, ImageFormat declared,
                                     const ImageLimits& limits = {});

// Starts libvips once per process (later calls do nothing): a small
// operation cache (the engine never processes the same image twice), one
// worker thread per call (the engine's worker pool runs calls side by side),
// and the loaders libvips marks untrusted blocked (only JPEG, PNG and WebP
// are ever asked for). Called by the engine at start-up and by the tests.
void init_image_library();

}  // namespace orderly::api::images
