// The image store in an S3-compatible object store (AWS S3, MinIO, R2,
// s3rver in the tests), through libcurl: path-style URLs
// <endpoint>/<bucket>/<prefix>/<name>, signed with AWS Signature V4
// (CURLOPT_AWS_SIGV4 "aws:amz:<region>:s3", plus the x-amz-content-sha256
// header libcurl does not add and S3 requires).
//
// Failures: a server that cannot be reached in time (connect 2 s, whole
// call 15 s), answers 5xx, or refuses the credentials (403) is
// `unavailable` (the upload answers 503 and records nothing); a missing
// name is nullopt/false; anything else the server says is `internal`,
// with its status and answer.
//
// Thread safety: every call uses its own libcurl handle; call from any
// thread. Calls block: never on an I/O thread.
#pragma once

#include <memory>
#include <string>

#include "api/images/image_store.h"
#include "api/images/s3/s3_credentials.h"
#include "api/images/s3/s3_location.h"
#include "core/status.h"

namespace orderly::api::images::s3 {

struct S3Options {
  S3Location location;
  // "https://s3.eu-west-1.amazonaws.com", or plain http to a loopback host
  // (tests, a local MinIO): anything else is refused.
  std::string endpoint;
  std::string region = "us-east-1";
  S3Credentials credentials;
};

// invalid_argument when the options are not usable (endpoint, region,
// empty bucket or credentials). Contacts nothing: the engine starts while
// the object store is down, and uploads answer 503 until it is back.
Result<std::unique_ptr<ImageStore>> make_s3_image_store(S3Options options);

// Whether `endpoint` is https, or http to 127.0.0.0/8, [::1] or localhost,
// with no path, query or credentials in it.
Status check_s3_endpoint(std::string_view endpoint);

}  // namespace orderly::api::images::s3
