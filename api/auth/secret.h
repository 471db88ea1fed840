// The JWT signing secret: read from --jwt-secret-file, or generated once
// (32 random bytes, hex) into <data-dir>/jwt.secret with mode 0600. It never
// appears in a log or an error message.
#pragma once

#include <string>

#include "core/status.h"

namespace orderly::api::auth {

// `file` empty: <data_dir>/jwt.secret, created when missing.
Result<std::string> load_jwt_secret(const std::string& file, const std::string& data_dir);

}  // namespace orderly::api::auth
