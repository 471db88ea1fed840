// User: registration, role, and refresh-token families.
//
// Usernames are 3-32 characters of [A-Za-z0-9_.-], unique ignoring case;
// emails are validated, stored lower-case and unique; passwords arrive hashed
// (argon2id, with commands/password.h on the request thread: hashing is slow
// and never runs on the writer) and must be a libsodium argon2id string. New users are customers;
// only admins (or the engine's bootstrap) make admins.
//
// Refresh tokens rotate: using a token issues its successor and retires it.
// Presenting a retired token again means it leaked: the whole family is
// revoked (that revocation is recorded even though the call is refused).
#pragma once

#include <string>
#include <unordered_map>
#include <unordered_set>

#include "commands/command.h"
#include "commands/event_sink.h"
#include "commands/uuid_map.h"
#include "core/status.h"

namespace orderly::commands {

enum class TokenStatus : uint8_t { kActive, kRotated, kRevoked };

struct RefreshTokenState {
  Uuid family_id;
  std::string token_hash;
  TimestampUs expires_at = 0;
  TokenStatus status = TokenStatus::kActive;
};

struct UserState {
  std::string username;
  std::string email;
  std::string role = "customer";
  uint32_t version = 0;
  UuidMap<RefreshTokenState> tokens;
  UuidSet revoked_families;
};

using UserMap = BigUuidMap<UserState>;

// Validation and normalisation, also used by the API before hashing.
Status validate_username(std::string_view username);
Status validate_email(std::string_view email);  // expects it already lower-cased
std::string normalize_email(std::string_view email);

// `username_taken` / `email_taken`: another user holds them (case-insensitive).
Status decide_register_user(const UserState* existing, bool username_taken, bool email_taken,
                            const RegisterUser& c, const CommandMeta& meta, EventSink& out);
Status decide_change_role(const UserState* u, const ChangeRole& c, const CommandMeta& meta,
                          EventSink& out);
Status decide_issue_refresh_token(const UserState* u, const IssueRefreshToken& c,
                                  const CommandMeta& meta, EventSink& out);
// May emit a family revocation AND return unauthorized: the processor
// commits the events of a refused command when there are any (see decide.h).
Status decide_rotate_refresh_token(const UserState* u, const RotateRefreshToken& c,
                                   const CommandMeta& meta, EventSink& out);
Status decide_revoke_refresh_token(const UserState* u, const RevokeRefreshToken& c,
                                   const CommandMeta& meta, EventSink& out);

}  // namespace orderly::commands
