// Where in S3 the images go: "s3://bucket/prefix" as --image-store takes it.
// Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace orderly::api::images::s3 {

struct S3Location {
  std::string bucket;
  std::string prefix;  // "" or "a/b" (no leading or trailing '/')
};

// "s3://bucket" or "s3://bucket/prefix/with/parts[/]". The bucket follows
// S3's naming rules (3-63 characters of a-z 0-9 . -, starting and ending
// with a letter or digit, no "..", not an IPv4 address); the prefix is
// segments of A-Z a-z 0-9 . _ - separated by single '/', none "." or "..",
// so it needs no escaping in a URL and cannot climb out of the bucket.
// invalid_argument naming what is wrong otherwise.
Result<S3Location> parse_s3_location(std::string_view url);

// "s3://bucket/prefix" (or "s3://bucket").
std::string to_string(const S3Location& location);

}  // namespace orderly::api::images::s3
