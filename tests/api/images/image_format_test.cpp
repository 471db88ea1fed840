// api/images/image_format.h: content types, magic bytes, extensions.
#include <doctest/doctest.h>

#include "api/images/image_file.h"
#include "api/images/image_format.h"
#include "tests/api/images/fixtures.h"

using namespace orderly::api::images;
using orderly::testing::image_fixture;

TEST_CASE("images format: content types name the three formats, parameters and case ignored") {
  CHECK(format_of_content_type("image/jpeg") == ImageFormat::kJpeg);
  CHECK(format_of_content_type("image/jpg") == ImageFormat::kJpeg);
  CHECK(format_of_content_type("Image/JPEG; q=0.9") == ImageFormat::kJpeg);
  CHECK(format_of_content_type(" image/png ") == ImageFormat::kPng);
  CHECK(format_of_content_type("image/webp;charset=binary") == ImageFormat::kWebp);
  CHECK_FALSE(format_of_content_type("image/gif").has_value());
  CHECK_FALSE(format_of_content_type("image/svg+xml").has_value());
  CHECK_FALSE(format_of_content_type("text/plain").has_value());
  CHECK_FALSE(format_of_content_type("").has_value());
  CHECK_FALSE(format_of_content_type("image/jpegx").has_value());
}

TEST_CASE("images format: the magic bytes of each fixture, and of what is no image") {
  CHECK(sniff_format(image_fixture("small.jpg")) == ImageFormat::kJpeg);
  CHECK(sniff_format(image_fixture("small.png")) == ImageFormat::kPng);
  CHECK(sniff_format(image_fixture("small.webp")) == ImageFormat::kWebp);
  CHECK_FALSE(sniff_format("").has_value());
  CHECK_FALSE(sniff_format("hello, I am a text file named photo.jpg\n").has_value());
  CHECK_FALSE(sniff_format("GIF89a....").has_value());
  CHECK_FALSE(sniff_format(std::string("\xFF\xD8", 2)).has_value());  // too short
  CHECK_FALSE(sniff_format("RIFF\x10\0\0\0WAVEfmt ").has_value());    // RIFF, not WebP
  // A JPEG declared as PNG: the bytes say JPEG whatever the label.
  CHECK(sniff_format(image_fixture("small.jpg")) != format_of_content_type("image/png"));
}

TEST_CASE("images format: extensions and content types round-trip, exactly three") {
  for (const ImageFormat f : {ImageFormat::kJpeg, ImageFormat::kPng, ImageFormat::kWebp}) {
    CHECK(format_of_extension(extension_of(f)) == f);
    CHECK(format_of_content_type(content_type_of(f)) == f);
  }
  CHECK(extension_of(ImageFormat::kJpeg) == "jpg");
  CHECK(content_type_of(ImageFormat::kWebp) == "image/webp");
  CHECK_FALSE(format_of_extension("jpeg").has_value());
  CHECK_FALSE(format_of_extension("JPG").has_value());
  CHECK_FALSE(format_of_extension(".png").has_value());
  CHECK_FALSE(format_of_extension("").has_value());
}

TEST_CASE("images names: 64 lower-case hex digits and a known extension") {
  const std::string hash(64, 'a');
  CHECK(parse_image_name(hash + ".jpg").has_value());
  CHECK(parse_image_name(hash + ".webp")->format == ImageFormat::kWebp);
  CHECK_FALSE(parse_image_name(hash + ".gif").has_value());
  CHECK_FALSE(parse_image_name(std::string(64, 'A') + ".jpg").has_value());
  CHECK_FALSE(parse_image_name(std::string(63, 'a') + ".jpg").has_value());
  CHECK_FALSE(parse_image_name(std::string(65, 'a') + ".jpg").has_value());
  CHECK_FALSE(parse_image_name("../" + hash.substr(3) + ".jpg").has_value());
  CHECK_FALSE(parse_image_name(hash + ".jpg.tmp-0123").has_value());
  CHECK_FALSE(parse_image_name("").has_value());
  // The hash of the empty string, as every SHA-256 tool prints it.
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const ImageFile f = make_image_file(ImageFormat::kPng, "abc");
  CHECK(f.name() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad.png");
}
