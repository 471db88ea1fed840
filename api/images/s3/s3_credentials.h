// The S3 access key, from --s3-credentials-file. The format is the AWS
// shared-credentials file's (~/.aws/credentials), so an operator can point
// at the one they have:
//
//   [default]                       (section lines are ignored)
//   aws_access_key_id = AKIA...
//   aws_secret_access_key = wJalr...
//   # comments and ; comments, blank lines
//
// Both keys are required, each once; other keys (aws_session_token,
// region) are refused rather than ignored, since the store would not use
// them. The file is read as it is: like the JWT and OpenID secret files,
// its mode is the operator's business (keep it 0600).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/status.h"

namespace orderly::api::images::s3 {

struct S3Credentials {
  std::string access_key_id, secret_access_key;
};

// invalid_argument naming the file and the line when it cannot be read or
// is not in the format above.
Result<S3Credentials> read_s3_credentials(const std::filesystem::path& file);

// The same, from the file's text (`origin` names it in messages).
Result<S3Credentials> parse_s3_credentials(std::string_view text, std::string_view origin);

}  // namespace orderly::api::images::s3
