// User: registration, role, refresh-token families, and the account
// (profile, email verification, password change and reset, status,
// identities at OpenID Connect providers, addresses).
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
//
// Accounts (commands/user_account.cpp, user_addresses.cpp):
// - Status: active, deactivated (by an admin; reactivated by one) or closed
//   (by the user, or an admin; final). Leaving active ends every session.
//   A closed account frees its username, email and identities (its row
//   stays, for its orders). An admin may not deactivate or demote
//   themselves, nor the last active admin (the engine, i.e. the CLI, may).
//   Every other command on an account that is not active is refused.
// - Email tokens (verification, password reset) are single use and expire:
//   only the newest one issued works, once, before `expires_at` by the
//   command's clock. The state holds their hash, never the secret; any
//   failure is one answer (invalid_token) that says nothing about which.
// - A password change needs proof the current password was checked against
//   the hash the account still has (the API checks, the writer compares
//   digests); it ends every other session. A reset ends every session.
// - An email change needs a fresh verification; the email is unverified
//   until it is used. A verified reset proves the mailbox too.
// - At most kMaxAddresses addresses; exactly one is the default while any
//   exist (the first added; the oldest left when the default goes).
#pragma once

#include <optional>
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

// DO NOT CHANGE the values: they are in the writer snapshot.
enum class UserStatus : uint8_t { kActive, kDeactivated, kClosed };
std::string_view user_status_name(UserStatus s);
std::optional<UserStatus> parse_user_status(std::string_view s);

// An email token waiting to be used (none: nil token_id).
struct PendingToken {
  Uuid token_id;
  std::string token_hash;
  std::string email;  // verification: the address it proves
  TimestampUs expires_at = 0;
};

using ::orderly::Identity;  // core/account.h

inline constexpr size_t kMaxAddresses = 20;
inline constexpr size_t kMaxIdentities = 4;
inline constexpr size_t kMaxDisplayNameBytes = 64;

struct UserState {
  std::string username;
  std::string email;
  std::string role = "customer";
  uint32_t version = 0;
  std::string display_name;
  bool email_verified = false;
  UserStatus status = UserStatus::kActive;
  std::string password_digest;  // digest128_hex of the argon2id string ("" without one)
  PendingToken verification, reset;
  std::vector<Identity> identities;
  std::vector<Address> addresses;  // in the order they were added
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

// What the deciders need to know of the whole shop.
struct AccountIndex {
  bool username_taken = false;  // by another account (case-insensitive)
  bool email_taken = false;     // by another account
  bool identity_taken = false;  // the (issuer, subject) names another account
  size_t active_admins = 0;
};

// Validation and normalisation, also used by the API before hashing.
Status validate_username(std::string_view username);
Status validate_email(std::string_view email);  // expects it already lower-cased
std::string normalize_email(std::string_view email);

// `username_taken` / `email_taken`: another user holds them (case-insensitive).
Status decide_register_user(const UserState* existing, const AccountIndex& shop,
                            const RegisterUser& c, const CommandMeta& meta, EventSink& out);
Status decide_change_role(const UserState* u, const AccountIndex& shop, const ChangeRole& c,
                          const CommandMeta& meta, EventSink& out);
Status decide_issue_refresh_token(const UserState* u, const IssueRefreshToken& c,
                                  const CommandMeta& meta, EventSink& out);
// May emit a family revocation AND return unauthorized: the processor
// commits the events of a refused command when there are any (see decide.h).
Status decide_rotate_refresh_token(const UserState* u, const RotateRefreshToken& c,
                                   const CommandMeta& meta, EventSink& out);
Status decide_revoke_refresh_token(const UserState* u, const RevokeRefreshToken& c,
                                   const CommandMeta& meta, EventSink& out);

// --- accounts (user_account.cpp, user_addresses.cpp) ---

Status validate_display_name(std::string_view name);
Status validate_address(const Address& a);

Status decide_update_profile(const UserState* u, const AccountIndex& shop, const UpdateProfile& c,
                             const CommandMeta& meta, EventSink& out);
Status decide_change_password(const UserState* u, const ChangePassword& c, const CommandMeta& meta,
                              EventSink& out);
Status decide_request_email_verification(const UserState* u, const RequestEmailVerification& c,
                                         const CommandMeta& meta, EventSink& out);
Status decide_verify_email(const UserState* u, const VerifyEmail& c, const CommandMeta& meta,
                           EventSink& out);
Status decide_request_password_reset(const UserState* u, const RequestPasswordReset& c,
                                     const CommandMeta& meta, EventSink& out);
Status decide_reset_password(const UserState* u, const ResetPassword& c, const CommandMeta& meta,
                             EventSink& out);
Status decide_set_user_status(const UserState* u, const AccountIndex& shop, const SetUserStatus& c,
                              const CommandMeta& meta, EventSink& out);
Status decide_link_identity(const UserState* u, const AccountIndex& shop, const LinkIdentity& c,
                            const CommandMeta& meta, EventSink& out);
Status decide_add_address(const UserState* u, const AddAddress& c, const CommandMeta& meta,
                          EventSink& out);
Status decide_change_address(const UserState* u, const ChangeAddress& c, const CommandMeta& meta,
                             EventSink& out);
Status decide_remove_address(const UserState* u, const RemoveAddress& c, const CommandMeta& meta,
                             EventSink& out);

// evolve for the account events (evolve above calls it); false when `type`
// is not one of them.
bool evolve_account(UserState& u, EventType type, const uint8_t* payload);

// Sessions a decision ends: one revocation per live family (but `keep`).
void emit_sessions_ended(const UserState& u, const Uuid& user, const Uuid& keep, const char* reason,
                         const CommandMeta& meta, EventSink& out);
// The account may act: active, or the status refusal.
Status require_active(const UserState& u, const Uuid& id);

}  // namespace orderly::commands
