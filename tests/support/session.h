// A signed-in account as the API hands it out: the user's id and the token
// pair from POST /api/auth/register, /login or /refresh.
#pragma once

#include <string>

#include "tests/support/http_client.h"

namespace orderly::testing {

struct Session {
  std::string id, access_token, refresh_token;
};

// The session in a 200 or 201 answer; throws (with the status and body)
// for any other answer.
Session session_of(const HttpResult& r);

}  // namespace orderly::testing
