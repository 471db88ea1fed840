// Email tokens: the single-use links of email verification and password
// reset, as text "<user id>.<token id>.<secret>" (like refresh tokens: the
// route reads whose account it names, so no index of token hashes exists).
//
// The secret is derived, not stored: HMAC-SHA256 under a key derived from
// the server secret, over the purpose, the user and the token id. The email
// is rendered later (after restarts, retries, or in `orderly notify email`)
// from the event, which holds the token id and the secret's hash only.
// Whoever reads the log or the data files learns no secret; only the holder
// of the server secret (who can mint admin tokens anyway) can compute one.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/uuid.h"

namespace orderly::api::auth {

enum class EmailTokenPurpose { kVerifyEmail, kPasswordReset };

struct EmailToken {
  Uuid user_id, token_id;
  std::string text;  // what the link carries (empty when parsed)
  std::string hash;  // what the engine records and compares
};

// A new token for `user` (a random id), under `server_secret`.
EmailToken new_email_token(std::string_view server_secret, EmailTokenPurpose purpose,
                           const Uuid& user);
// The token with this id, again (to render an email from its event).
EmailToken email_token(std::string_view server_secret, EmailTokenPurpose purpose, const Uuid& user,
                       const Uuid& token_id);
// A token a client sent: whose it is and the hash of its secret; nullopt
// when it is not shaped like one.
std::optional<EmailToken> parse_email_token(std::string_view text);

}  // namespace orderly::api::auth
