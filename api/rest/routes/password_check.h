// Password checks off the I/O threads, behind the password gate
// (api/auth/password_gate.h): login and the password change share them.
#pragma once

#include <functional>
#include <string_view>

#include "api/auth/password_gate.h"
#include "api/rest/routes/context.h"

namespace orderly::api::rest::routes {

// Runs `job` on the password workers if the gate admits a check from the
// caller's address for `account` ("" for none yet: a registration); else
// answers 429 rate_limited with Retry-After. The job gets the slot (held
// until the job is done) to record the outcome in.
void run_password_check(Context& ctx, const CallPtr& call, std::string_view account,
                        std::function<void(auth::PasswordGate::Slot&)> job);

}  // namespace orderly::api::rest::routes
