#include "api/images/s3/s3_location.h"

namespace orderly::api::images::s3 {

namespace {

bool lower_or_digit(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool looks_like_ipv4(std::string_view s) {
  int dots = 0;
  for (const char c : s) {
    if (c == '.')
      ++dots;
    else if (c < '0' || c > '9')
      return false;
  }
  return dots == 3;
}

Status check_bucket(std::string_view bucket) {
  const auto bad = [&](const std::string& why) {
    return Status::invalid_argument("the S3 bucket name \"" + std::string(bucket) + "\" " + why);
  };
  if (bucket.size() < 3 || bucket.size() > 63)
    return bad("must be 3 to 63 characters long");
  for (const char c : bucket) {
    if (!lower_or_digit(c) && c != '.' && c != '-')
      return bad("may hold only a-z, 0-9, '.' and '-'");
  }
  if (!lower_or_digit(bucket.front()) || !lower_or_digit(bucket.back()))
    return bad("must start and end with a letter or digit");
  if (bucket.find("..") != std::string_view::npos)
    return bad("must not hold \"..\"");
  if (looks_like_ipv4(bucket))
    return bad("must not look like an IP address");
  return Status::ok();
}

Status check_prefix(std::string_view prefix) {
  size_t start = 0;
  while (start <= prefix.size()) {
    const size_t end = std::min(prefix.find('/', start), prefix.size());
    const std::string_view segment = prefix.substr(start, end - start);
    if (segment.empty() || segment == "." || segment == "..")
      return Status::invalid_argument("the S3 prefix \"" + std::string(prefix) +
                                      "\" has an empty, \".\" or \"..\" part");
    for (const char c : segment) {
      const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-';
      if (!ok)
        return Status::invalid_argument("the S3 prefix \"" + std::string(prefix) +
                                        "\" may hold only A-Z a-z 0-9 . _ - and '/'");
    }
    start = end + 1;
  }
  return Status::ok();
}

}  // namespace

Result<S3Location> parse_s3_location(std::string_view url) {
  constexpr std::string_view kScheme = "s3://";
  if (url.substr(0, kScheme.size()) != kScheme)
    return Status::invalid_argument("an S3 image store is s3://bucket/prefix, not " +
                                    std::string(url));
  std::string_view rest = url.substr(kScheme.size());
  const size_t slash = rest.find('/');
  S3Location location;
  location.bucket = std::string(rest.substr(0, slash));
  ORDERLY_RETURN_IF_ERROR(check_bucket(location.bucket));
  if (slash != std::string_view::npos) {
    std::string_view prefix = rest.substr(slash + 1);
    if (!prefix.empty() && prefix.back() == '/')
      prefix.remove_suffix(1);
    if (!prefix.empty()) {
      ORDERLY_RETURN_IF_ERROR(check_prefix(prefix));
      location.prefix = std::string(prefix);
    }
  }
  return location;
}

std::string to_string(const S3Location& location) {
  std::string out = "s3://" + location.bucket;
  if (!location.prefix.empty())
    out += "/" + location.prefix;
  return out;
}

}  // namespace orderly::api::images::s3
