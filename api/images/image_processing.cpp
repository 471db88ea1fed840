#include "api/images/image_processing.h"

#include <vips/vips.h>
#include <webp/mux.h>

#include <memory>
#include <mutex>
#include <string>

namespace orderly::api::images {

namespace {

// Longer than any side a shop needs, and WebP's limit: a narrow image is
// not resized (never upscaled), so its WebP sizes keep this height.
constexpr int kMaxSide = 16383;

struct Unref {
  void operator()(VipsImage* image) const { g_object_unref(image); }
};
using Image = std::unique_ptr<VipsImage, Unref>;

struct GFree {
  void operator()(void* p) const { g_free(p); }
};

// libvips's pending error text, cleared. Its buffer is shared by all
// threads, so under concurrent failures a message may carry another call's
// line too; the call's own failure is always in it.
std::string vips_reason() {
  std::unique_ptr<char, GFree> text(vips_error_buffer_copy());
  std::string reason = text ? text.get() : "";
  while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' '))
    reason.pop_back();
  for (char& c : reason) {
    if (c == '\n')
      c = ' ';
  }
  return reason.empty() ? "libvips gave no reason" : reason;
}

Status image_error(const std::string& message) {
  return Status::invalid_field("image", message);
}

// The header only: libvips reads the pixels later, on demand. Sequential
// access: the one full decode below reads top to bottom into memory.
// libjpeg reports damaged entropy-coded data ("Corrupt JPEG data") only as
// a warning and decodes grey blocks, so JPEG fails on warnings; libpng and
// libwebp report damage as errors, and PNG's warnings are often harmless
// (a slightly wrong sRGB profile), so those fail on errors.
Result<Image> open_header(std::string_view bytes, ImageFormat format) {
  VipsImage* out = nullptr;
  void* data = const_cast<char*>(bytes.data());
  int rc = -1;
  switch (format) {
    case ImageFormat::kJpeg:
      rc = vips_jpegload_buffer(data, bytes.size(), &out, "access", VIPS_ACCESS_SEQUENTIAL,
                                "fail_on", VIPS_FAIL_ON_WARNING, nullptr);
      break;
    case ImageFormat::kPng:
      rc = vips_pngload_buffer(data, bytes.size(), &out, "access", VIPS_ACCESS_SEQUENTIAL,
                               "fail_on", VIPS_FAIL_ON_ERROR, nullptr);
      break;
    case ImageFormat::kWebp:
      rc = vips_webpload_buffer(data, bytes.size(), &out, "access", VIPS_ACCESS_SEQUENTIAL,
                                "fail_on", VIPS_FAIL_ON_ERROR, nullptr);
      break;
  }
  if (rc != 0) {
    return image_error("not a readable " + std::string(display_name_of(format)) + " file (" +
                       vips_reason() + ")");
  }
  return Image(out);
}

Status check_size(const VipsImage* image, const ImageLimits& limits) {
  const int64_t width = vips_image_get_width(image);
  const int64_t height = vips_image_get_height(image);
  const std::string size = std::to_string(width) + " x " + std::to_string(height);
  if (width > kMaxSide || height > kMaxSide) {
    return image_error("the header claims " + size + " pixels, a side over " +
                       std::to_string(kMaxSide) + ": refused by the decompression-bomb guard");
  }
  if (static_cast<uint64_t>(width * height) > limits.max_pixels) {
    return image_error("the header claims " + size + " pixels, over the " +
                       std::to_string(limits.max_pixels) +
                       " allowed: refused by the decompression-bomb guard");
  }
  return Status::ok();
}

// Every pixel decoded into memory: a truncated or damaged file fails here
// (fail_on error), not half-way through an encoder.
Result<Image> decode(Image header, ImageFormat format) {
  VipsImage* memory = vips_image_copy_memory(header.get());
  if (memory == nullptr) {
    return image_error("the " + std::string(display_name_of(format)) +
                       " file is truncated or damaged (" + vips_reason() + ")");
  }
  return Image(memory);
}

// A copy of `image` (sharing its pixels) without a single metadata item,
// so no saver can write what it should have stripped (libvips 8.14's
// webpsave copied the upload's GPS EXIF into the WebP sizes until this).
Result<Image> strip_metadata(Image image) {
  VipsImage* bare = nullptr;
  if (vips_copy(image.get(), &bare, nullptr) != 0)
    return Status::internal("libvips cannot copy an image: " + vips_reason());
  char** names = vips_image_get_fields(bare);
  // Core properties (width, bands, ...) are not metadata: removing them is
  // a no-op, every other field goes.
  for (char** name = names; *name != nullptr; ++name)
    vips_image_remove(bare, *name);
  g_strfreev(names);
  return Image(bare);
}

// The orientation applied to the pixels (the tag that said it goes with
// the rest of the metadata), and colours in sRGB, so that dropping the
// ICC profile changes nothing a viewer shows.
Result<Image> normalise(Image image) {
  VipsImage* rotated = nullptr;
  if (vips_autorot(image.get(), &rotated, nullptr) != 0)
    return image_error("cannot apply the orientation (" + vips_reason() + ")");
  image.reset(rotated);
  if (vips_image_get_typeof(image.get(), VIPS_META_ICC_NAME) != 0) {
    VipsImage* srgb = nullptr;
    if (vips_icc_transform(image.get(), &srgb, "srgb", "embedded", TRUE, nullptr) == 0) {
      VipsImage* kept = vips_image_copy_memory(srgb);
      g_object_unref(srgb);
      if (kept == nullptr)
        return image_error("cannot convert the colours to sRGB (" + vips_reason() + ")");
      image.reset(kept);
    } else {
      // A profile lcms cannot read: the pixels are kept as they are, which
      // is what a browser that ignores the profile would show anyway.
      vips_error_clear();
    }
  }
  // CMYK without a profile (print exports): browsers draw CMYK JPEGs
  // inconsistently, and WebP has no CMYK; libvips's built-in CMYK profile
  // gives sRGB.
  if (vips_image_get_interpretation(image.get()) == VIPS_INTERPRETATION_CMYK) {
    VipsImage* srgb = nullptr;
    if (vips_colourspace(image.get(), &srgb, VIPS_INTERPRETATION_sRGB, nullptr) != 0)
      return image_error("cannot convert the CMYK colours to sRGB (" + vips_reason() + ")");
    VipsImage* kept = vips_image_copy_memory(srgb);
    g_object_unref(srgb);
    if (kept == nullptr)
      return image_error("cannot convert the CMYK colours to sRGB (" + vips_reason() + ")");
    image.reset(kept);
  }
  return strip_metadata(std::move(image));
}

// The WebP bytes without their EXIF, XMP and ICC chunks. libvips 8.14's
// webpsave ignores "strip" and writes an EXIF block of its own (the GPS
// test caught it), so libwebp's muxer takes them out of what it wrote.
Result<std::string> without_webp_metadata(std::string_view webp) {
  const WebPData data{reinterpret_cast<const uint8_t*>(webp.data()), webp.size()};
  std::unique_ptr<WebPMux, decltype(&WebPMuxDelete)> mux(WebPMuxCreate(&data, 0), WebPMuxDelete);
  if (!mux)
    return Status::internal("libwebp cannot read the WebP libvips wrote");
  for (const char* chunk : {"EXIF", "XMP ", "ICCP"}) {
    const WebPMuxError rc = WebPMuxDeleteChunk(mux.get(), chunk);
    if (rc != WEBP_MUX_OK && rc != WEBP_MUX_NOT_FOUND)
      return Status::internal("libwebp cannot remove the WebP metadata");
  }
  WebPData out;
  WebPDataInit(&out);
  if (WebPMuxAssemble(mux.get(), &out) != WEBP_MUX_OK)
    return Status::internal("libwebp cannot write the WebP without metadata");
  std::string bytes(reinterpret_cast<const char*>(out.bytes), out.size);
  WebPDataClear(&out);
  return bytes;
}

// `image` encoded as `format` with every metadata item stripped.
// Deterministic: fixed settings, no timestamps.
Result<ImageFile> encode(VipsImage* image, ImageFormat format, int quality) {
  void* buffer = nullptr;
  size_t length = 0;
  int rc = -1;
  switch (format) {
    case ImageFormat::kJpeg:
      rc = vips_jpegsave_buffer(image, &buffer, &length, "Q", quality, "strip", TRUE,
                                "optimize_coding", TRUE, nullptr);
      break;
    case ImageFormat::kPng:
      // Adaptive row filters: libvips's default (none) stored a 290 KB
      // photo-like PNG as 4.3 MB; with them about as small as the upload.
      rc = vips_pngsave_buffer(image, &buffer, &length, "compression", 6, "filter",
                               VIPS_FOREIGN_PNG_FILTER_ALL, "strip", TRUE, nullptr);
      break;
    case ImageFormat::kWebp:
      rc = vips_webpsave_buffer(image, &buffer, &length, "Q", quality, "strip", TRUE, nullptr);
      break;
  }
  if (rc != 0) {
    return Status::internal("libvips cannot encode " + std::string(display_name_of(format)) + ": " +
                            vips_reason());
  }
  std::unique_ptr<void, GFree> owned(buffer);
  std::string bytes(static_cast<const char*>(buffer), length);
  if (format == ImageFormat::kWebp) {
    auto bare = without_webp_metadata(bytes);
    if (!bare)
      return bare.status();
    bytes = std::move(*bare);
  }
  return make_image_file(format, std::move(bytes));
}

// A WebP `width` pixels wide (or the image's width when it is narrower),
// the height following the aspect ratio.
Result<ImageFile> derived(VipsImage* image, int width) {
  VipsImage* small = nullptr;
  // Height unbounded so the width alone decides; size "down": never upscaled.
  if (vips_thumbnail_image(image, &small, width, "height", VIPS_MAX_COORD, "size", VIPS_SIZE_DOWN,
                           "no_rotate", TRUE, nullptr) != 0) {
    return Status::internal("libvips cannot resize: " + vips_reason());
  }
  Image owned(small);
  return encode(owned.get(), ImageFormat::kWebp, 80);
}

}  // namespace

void init_image_library() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (VIPS_INIT("orderly") != 0)
      vips_error_exit("cannot start libvips");
    // Nothing is ever processed twice; cached operations would only hold
    // decoded images in memory.
    vips_cache_set_max(0);
    vips_cache_set_max_mem(0);
    vips_concurrency_set(1);
    vips_block_untrusted_set(TRUE);
  });
}

Result<ProcessedImage> process_image(std::string_view bytes, ImageFormat declared,
                                     const ImageLimits& limits) {
  const auto actual = sniff_format(bytes);
  if (!actual) {
    return Status::unsupported_media_type("the body is declared " +
                                          std::string(content_type_of(declared)) +
                                          " but is no JPEG, PNG or WebP image");
  }
  if (*actual != declared) {
    return Status::unsupported_media_type(
        "the body is declared " + std::string(content_type_of(declared)) + " but its bytes are " +
        std::string(content_type_of(*actual)));
  }
  auto header = open_header(bytes, declared);
  if (!header)
    return header.status();
  ORDERLY_RETURN_IF_ERROR(check_size(header->get(), limits));
  auto decoded = decode(std::move(*header), declared);
  if (!decoded)
    return decoded.status();
  auto image = normalise(std::move(*decoded));
  if (!image)
    return image.status();

  ProcessedImage out;
  out.width = vips_image_get_width(image->get());
  out.height = vips_image_get_height(image->get());
  auto original = encode(image->get(), declared, 90);
  if (!original)
    return original.status();
  out.original = std::move(*original);
  auto thumb = derived(image->get(), limits.thumb_width);
  if (!thumb)
    return thumb.status();
  out.thumb = std::move(*thumb);
  auto medium = derived(image->get(), limits.medium_width);
  if (!medium)
    return medium.status();
  out.medium = std::move(*medium);
  return out;
}

}  // namespace orderly::api::images
