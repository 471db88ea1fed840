// api/images/image_processing.h with real images (fixtures/) and real
// libvips: the formats, the refusals (wrong type, text, truncation, the
// decompression bomb), metadata stripped from every stored copy, the
// derived sizes, determinism, and calls from several threads at once.
#include <doctest/doctest.h>
#include <vips/vips.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>
#include <vector>

#include "api/images/image_processing.h"
#include "tests/api/images/fixtures.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using namespace orderly;
using namespace orderly::api::images;
using orderly::testing::image_fixture;

namespace {

// What libvips reads back from stored bytes: the size and every metadata
// field name it finds.
struct Decoded {
  int width = 0, height = 0, bands = 0;
  std::vector<std::string> fields;
  std::optional<ImageFormat> format;
};

Decoded decode_stored(const std::string& bytes) {
  init_image_library();
  VipsImage* image = vips_image_new_from_buffer(bytes.data(), bytes.size(), "", nullptr);
  REQUIRE_MESSAGE(image != nullptr, "libvips cannot read a stored file back");
  Decoded d;
  d.width = vips_image_get_width(image);
  d.height = vips_image_get_height(image);
  d.bands = vips_image_get_bands(image);
  d.format = sniff_format(bytes);
  char** names = vips_image_get_fields(image);
  for (char** n = names; *n != nullptr; ++n)
    d.fields.emplace_back(*n);
  g_strfreev(names);
  // Every pixel decodes.
  VipsImage* memory = vips_image_copy_memory(image);
  CHECK(memory != nullptr);
  if (memory != nullptr)
    g_object_unref(memory);
  g_object_unref(image);
  return d;
}

// The metadata fields that must never be stored.
std::vector<std::string> private_fields(const Decoded& d) {
  std::vector<std::string> found;
  for (const std::string& f : d.fields) {
    for (const char* word : {"exif", "xmp", "iptc", "icc", "gps", "orientation", "comment"}) {
      if (f.find(word) != std::string::npos)
        found.push_back(f);
    }
  }
  return found;
}

ProcessedImage processed(const std::string& fixture, ImageFormat format) {
  auto r = process_image(image_fixture(fixture), format);
  REQUIRE_MESSAGE(r.is_ok(), r.status().to_string());
  return std::move(*r);
}

std::vector<const ImageFile*> files_of(const ProcessedImage& p) {
  return {&p.original, &p.thumb, &p.medium};
}

// Every stored copy of `fixture` (which carries EXIF with GPS, a camera,
// orientation 6, and XMP or a comment) is free of all of it, and shown
// rotated as the orientation said.
void check_no_metadata_stored(const std::string& fixture, ImageFormat format) {
  const std::string upload = image_fixture(fixture);
  // The fixture does carry them (else this test could not fail).
  CHECK_FALSE(private_fields(decode_stored(upload)).empty());
  CHECK(upload.find("OrderlyTestCam") != std::string::npos);
  const ProcessedImage p = processed(fixture, format);
  // Orientation 6 applied to the pixels: 40 x 20 is displayed 20 x 40.
  CHECK(p.width == 20);
  CHECK(p.height == 40);
  orderly::testing::TempDir dir;
  for (const ImageFile* f : files_of(p)) {
    CAPTURE(f->name());
    const Decoded d = decode_stored(f->bytes);
    CHECK(private_fields(d) == std::vector<std::string>{});
    CHECK(d.width == 20);
    CHECK(d.height == 40);
    for (const char* secret : {"Exif", "OrderlyTestCam", "Secret Photographer",
                               "http://ns.adobe.com/xap", "secret comment"}) {
      CHECK_MESSAGE(f->bytes.find(secret) == std::string::npos, secret);
    }
    // exiftool (libimage-exiftool-perl) finds no GPS or camera tag either.
    const std::string path = dir.sub(f->name());
    std::ofstream(path, std::ios::binary) << f->bytes;
    const auto tags = orderly::testing::run_command({ORDERLY_EXIFTOOL, "-a", "-G1", "-s", path});
    REQUIRE_MESSAGE(tags.exit_code == 0, "exiftool must be installed (ops/install-deps.sh)");
    CHECK(tags.output.find("FileType") != std::string::npos);  // it did read the file
    for (const char* tag :
         {"GPS", "Make", "Orientation", "XMP", "UserComment", "ExifIFD", "Comment"}) {
      CHECK_MESSAGE(tags.output.find(tag) == std::string::npos, tag << " in\n" << tags.output);
    }
  }
}

}  // namespace

TEST_CASE("images processing: a JPEG, a PNG and a WebP give an original and two WebP sizes") {
  init_image_library();
  struct Case {
    const char* fixture;
    ImageFormat format;
    int width, height;
  };
  for (const Case& c : {Case{"small.jpg", ImageFormat::kJpeg, 320, 240},
                        Case{"small.png", ImageFormat::kPng, 300, 200},
                        Case{"small.webp", ImageFormat::kWebp, 320, 240}}) {
    CAPTURE(c.fixture);
    const ProcessedImage p = processed(c.fixture, c.format);
    CHECK(p.width == c.width);
    CHECK(p.height == c.height);
    CHECK(p.original.format == c.format);
    CHECK(p.thumb.format == ImageFormat::kWebp);
    CHECK(p.medium.format == ImageFormat::kWebp);
    for (const ImageFile* f : files_of(p)) {
      CHECK(f->hash == sha256_hex(f->bytes));
      CHECK(f->name() == f->hash + "." + std::string(extension_of(f->format)));
      CHECK(decode_stored(f->bytes).format == f->format);
    }
    const Decoded original = decode_stored(p.original.bytes);
    CHECK(original.width == c.width);
    CHECK(original.height == c.height);
    // 200 wide, the height by the aspect ratio.
    const Decoded thumb = decode_stored(p.thumb.bytes);
    CHECK(thumb.width == 200);
    CHECK(thumb.height == (200 * c.height + c.width / 2) / c.width);
    // Narrower than 800: kept at its own width, never upscaled.
    const Decoded medium = decode_stored(p.medium.bytes);
    CHECK(medium.width == c.width);
    CHECK(medium.height == c.height);
  }
}

TEST_CASE("images processing: CMYK JPEG, 16-bit and palette PNG are stored and resized") {
  for (const auto& [fixture, format] :
       {std::pair{"cmyk.jpg", ImageFormat::kJpeg}, std::pair{"gray16.png", ImageFormat::kPng},
        std::pair{"palette.png", ImageFormat::kPng}}) {
    CAPTURE(fixture);
    const ProcessedImage p = processed(fixture, format);
    CHECK(p.width == 64);
    CHECK(p.height == 48);
    CHECK(p.original.format == format);
    for (const ImageFile* f : files_of(p)) {
      const Decoded d = decode_stored(f->bytes);
      CHECK(d.width == 64);
      CHECK(d.height == 48);
      CHECK(private_fields(d) == std::vector<std::string>{});
    }
  }
  // CMYK is stored as sRGB (three bands), which every browser draws alike.
  const ProcessedImage cmyk = processed("cmyk.jpg", ImageFormat::kJpeg);
  CHECK(decode_stored(cmyk.original.bytes).bands == 3);
}

TEST_CASE("images processing: a 1600 x 1200 JPEG gives 200 and 800 wide sizes") {
  const ProcessedImage p = processed("large.jpg", ImageFormat::kJpeg);
  CHECK(p.width == 1600);
  CHECK(p.height == 1200);
  const Decoded thumb = decode_stored(p.thumb.bytes);
  CHECK(thumb.width == 200);
  CHECK(thumb.height == 150);
  const Decoded medium = decode_stored(p.medium.bytes);
  CHECK(medium.width == 800);
  CHECK(medium.height == 600);
}

// Re-encoding costs some bytes (JPEG at quality 90 over an upload at 85
// with grain: about 3x), never the 15x of PNG without row filters.
TEST_CASE("images processing: a re-encoded original is not blown up") {
  for (const auto& [fixture, format] :
       {std::pair{"large.jpg", ImageFormat::kJpeg}, std::pair{"large.png", ImageFormat::kPng}}) {
    CAPTURE(fixture);
    const size_t upload = image_fixture(fixture).size();
    const ProcessedImage p = processed(fixture, format);
    CHECK(p.original.bytes.size() < upload * 4);
    CHECK(p.medium.bytes.size() < p.original.bytes.size());
    CHECK(p.thumb.bytes.size() < p.medium.bytes.size());
  }
}

TEST_CASE("images processing: a small image is never upscaled") {
  const ProcessedImage p = processed("tiny.png", ImageFormat::kPng);
  for (const ImageFile* f : {&p.thumb, &p.medium}) {
    const Decoded d = decode_stored(f->bytes);
    CHECK(d.width == 120);
    CHECK(d.height == 90);
  }
}

TEST_CASE("images processing: the declared type must match the bytes") {
  init_image_library();
  auto jpeg_as_png = process_image(image_fixture("small.jpg"), ImageFormat::kPng);
  REQUIRE_FALSE(jpeg_as_png.is_ok());
  CHECK(jpeg_as_png.status().code() == ErrorCode::kUnsupportedMediaType);
  CHECK(jpeg_as_png.status().message().find("image/png") != std::string::npos);
  CHECK(jpeg_as_png.status().message().find("image/jpeg") != std::string::npos);

  auto webp_as_jpeg = process_image(image_fixture("small.webp"), ImageFormat::kJpeg);
  CHECK(webp_as_jpeg.status().code() == ErrorCode::kUnsupportedMediaType);

  // A text file named .jpg, uploaded as image/jpeg.
  auto text = process_image("name,price\nespresso,250\n", ImageFormat::kJpeg);
  CHECK(text.status().code() == ErrorCode::kUnsupportedMediaType);
  auto empty = process_image("", ImageFormat::kPng);
  CHECK(empty.status().code() == ErrorCode::kUnsupportedMediaType);
}

TEST_CASE("images processing: truncated and damaged files are refused, naming the image field") {
  init_image_library();
  const std::string jpeg = image_fixture("large.jpg");
  const std::string png = image_fixture("large.png");
  const std::string webp = image_fixture("small.webp");
  struct Case {
    std::string what;
    std::string bytes;
    ImageFormat format;
  };
  std::string garbled = jpeg;
  for (size_t i = garbled.size() / 3; i < garbled.size() / 3 + 2000; ++i)
    garbled[i] = static_cast<char>(0xFF);
  for (const Case& c :
       {Case{"JPEG cut in half", jpeg.substr(0, jpeg.size() / 2), ImageFormat::kJpeg},
        Case{"JPEG header only", jpeg.substr(0, 700), ImageFormat::kJpeg},
        Case{"JPEG with garbage inside", garbled, ImageFormat::kJpeg},
        Case{"PNG cut in half", png.substr(0, png.size() / 2), ImageFormat::kPng},
        Case{"WebP cut in half", webp.substr(0, webp.size() / 2), ImageFormat::kWebp}}) {
    CAPTURE(c.what);
    auto r = process_image(c.bytes, c.format);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().code() == ErrorCode::kInvalidArgument);
    REQUIRE(r.status().fields().size() == 1);
    CHECK(r.status().fields()[0].field == "image");
    MESSAGE(r.status().message());
  }
}

TEST_CASE(
    "images processing: a header claiming 50,000 x 50,000 pixels is refused before decoding") {
  init_image_library();
  for (const auto& [fixture, format] :
       {std::pair{"bomb.png", ImageFormat::kPng}, std::pair{"bomb.jpg", ImageFormat::kJpeg}}) {
    CAPTURE(fixture);
    const std::string bytes = image_fixture(fixture);
    CHECK(bytes.size() < 1000);
    auto r = process_image(bytes, format);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().code() == ErrorCode::kInvalidArgument);
    CHECK(r.status().message().find("50000 x 50000") != std::string::npos);
    CHECK(r.status().message().find("decompression-bomb guard") != std::string::npos);
  }
  // Few pixels, but one side over 16383 (WebP's limit).
  auto wide = process_image(image_fixture("wide.png"), ImageFormat::kPng);
  CHECK(wide.status().message().find("20000 x 1 pixels, a side over 16383") != std::string::npos);
  // The limit is the caller's: a 1600 x 1200 image over a 1-megapixel limit.
  ImageLimits small;
  small.max_pixels = 1'000'000;
  auto r = process_image(image_fixture("large.jpg"), ImageFormat::kJpeg, small);
  CHECK(r.status().message().find("decompression-bomb guard") != std::string::npos);
}

TEST_CASE("images processing: no stored copy of a photo carries its EXIF, GPS or XMP") {
  for (const auto& [fixture, format] :
       {std::pair{"gps.jpg", ImageFormat::kJpeg}, std::pair{"gps.png", ImageFormat::kPng},
        std::pair{"gps.webp", ImageFormat::kWebp}}) {
    CAPTURE(fixture);
    check_no_metadata_stored(fixture, format);
  }
}

TEST_CASE("images processing: equal input gives equal bytes, also on several threads at once") {
  init_image_library();
  const ProcessedImage first = processed("large.jpg", ImageFormat::kJpeg);
  const ProcessedImage again = processed("large.jpg", ImageFormat::kJpeg);
  CHECK(first.original.hash == again.original.hash);
  CHECK(first.thumb.hash == again.thumb.hash);
  CHECK(first.medium.hash == again.medium.hash);
  CHECK(first.thumb.hash != first.medium.hash);

  const std::vector<std::pair<std::string, ImageFormat>> inputs = {
      {"large.jpg", ImageFormat::kJpeg},
      {"small.png", ImageFormat::kPng},
      {"small.webp", ImageFormat::kWebp},
      {"gps.jpg", ImageFormat::kJpeg}};
  std::vector<std::string> expected;
  for (const auto& [name, format] : inputs)
    expected.push_back(processed(name, format).medium.hash);
  std::vector<std::string> got(inputs.size() * 4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < got.size(); ++i) {
    threads.emplace_back([&, i] {
      const auto& [name, format] = inputs[i % inputs.size()];
      auto r = process_image(image_fixture(name), format);
      got[i] = r.is_ok() ? r->medium.hash : r.status().to_string();
    });
  }
  for (auto& t : threads)
    t.join();
  for (size_t i = 0; i < got.size(); ++i)
    CHECK(got[i] == expected[i % inputs.size()]);
}
