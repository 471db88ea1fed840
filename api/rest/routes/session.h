// Starting a session for a user whose identity another route has proven
// (routes/auth.cpp holds the token rules): a refresh token is issued
// through the pipeline and the answer is the register/login shape
// {user, access_token, refresh_token, token_type, expires_in}.
#pragma once

#include "api/rest/routes/context.h"
#include "projections/users.h"

namespace orderly::api::rest::routes {

void start_user_session(Context& ctx, const CallPtr& call, int status,
                        const projections::UserRow& user);

}  // namespace orderly::api::rest::routes
