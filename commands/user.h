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
#include <vector>

#include "commands/command.h"
#include "commands/event_sink.h"
#include "commands/uuid_map.h"
#include "core/status.h"

namespace orderly::commands {

// DO NOT CHANGE the values: they are in the writer snapshot.
enum class TokenStatus : uint8_t { kActive, kRotated, kRevoked };

struct RefreshTokenState {
  Uuid family_id;
  std::string token_hash;
  TimestampUs expires_at = 0;
  TokenStatus status = TokenStatus::kActive;
};

// One login's chain of refresh tokens, as much of it as reuse detection
// needs: the newest token, and the last kRememberedRotations retired ones
// (a retired token is recognised, and revokes the family, only from its
// real secret, so each keeps its hash). Older retired tokens are forgotten:
// presenting one is refused as unknown, without revoking the family.
struct RefreshFamilyState {
  Uuid current;                // the newest token
  TimestampUs expires_at = 0;  // the newest token's: the family ends then
  bool revoked = false;        // logged out, or revoked on reuse
  std::vector<Uuid> rotated;   // retired tokens still remembered, oldest first
};

inline constexpr size_t kRememberedRotations = 8;
// Sessions (families) one user keeps at most; a login beyond it ends the
// session that would expire first.
inline constexpr size_t kMaxFamiliesPerUser = 64;

struct UserState {
  std::string username;
  std::string email;
  std::string role = "customer";
  uint32_t version = 0;
  // The families' remembered tokens: memory stays bounded by the sessions
  // a user has, not by how often they refresh. A family goes when it
  // expires (forgotten at the user's next token event after that); a
  // revoked one keeps its remembered tokens, revoked, until then (logging
  // out twice is fine).
  UuidMap<RefreshTokenState> tokens;
  UuidMap<RefreshFamilyState> families;
};

// evolve: folds one event of the user's stream into its state (assigns,
// never validates; REQUIRES: `payload` is a verified FlatBuffer of `type`).
// The shop-wide indexes (usernames, emails) and the version are kept by
// commands/shop_state.cpp's apply().
void evolve(UserState& u, EventType type, const uint8_t* payload);

// evolve for the refresh-token events (evolve above calls them).
// `issued_at` 0 (events before issue 19): nothing is pruned by time.
void evolve_token_issued(UserState& u, const Uuid& token, const Uuid& family, std::string hash,
                         TimestampUs expires_at, TimestampUs issued_at);
void evolve_token_rotated(UserState& u, const Uuid& family, const Uuid& old_token,
                          const Uuid& new_token, std::string hash, TimestampUs expires_at,
                          TimestampUs issued_at);
void evolve_token_revoked(UserState& u, const Uuid& token);
void evolve_family_revoked(UserState& u, const Uuid& family);

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
