#include "commands/user.h"

#include <sodium.h>

#include "core/digest.h"
#include "core/text.h"

#include <algorithm>

#include "commands/user_detail.h"
#include "core/schemas/user_events_generated.h"

namespace orderly::commands {

std::string normalize_email(std::string_view email) {
  const auto b = email.find_first_not_of(" \t");
  const auto e = email.find_last_not_of(" \t");
  return b == std::string_view::npos ? std::string() : ascii_lower(email.substr(b, e - b + 1));
}

Status validate_username(std::string_view u) {
  if (u.size() < 3 || u.size() > 32)
    return Status::invalid_field("username", "must be 3 to 32 characters");
  for (char c : u) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-') {
      return Status::invalid_field("username", "may only hold letters, digits, '_', '.' and '-'");
    }
  }
  return Status::ok();
}

Status validate_email(std::string_view e) {
  // Pragmatic RFC 5321 shape: local@domain.tld, no spaces, sane lengths.
  const auto at = e.find('@');
  if (e.size() > 254 || at == std::string_view::npos || at == 0 || at > 64 ||
      e.find('@', at + 1) != std::string_view::npos) {
    return Status::invalid_field("email", "is not a valid email address");
  }
  const std::string_view domain = e.substr(at + 1);
  const auto dot = domain.rfind('.');
  if (domain.empty() || dot == std::string_view::npos || dot == 0 || dot + 2 > domain.size() ||
      domain.find("..") != std::string_view::npos || domain.front() == '-' ||
      domain.back() == '.') {
    return Status::invalid_field("email", "is not a valid email address");
  }
  for (char c : e) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '(' || c == ')' || c == '<' || c == '>' || c == ',' ||
        c == ';' || c == ':' || c == '\\' || c == '"' || c == '[' || c == ']') {
      return Status::invalid_field("email", "is not a valid email address");
    }
    if (std::isupper(u))
      return Status::invalid_field("email", "must be lower-case (normalise it first)");
  }
  return Status::ok();
}

namespace user_detail {

Status user_not_found(const Uuid& id) {
  return Status::not_found("user " + id.to_string() + " does not exist");
}

bool is_admin(const CommandMeta& meta) {
  return meta.role == Role::kAdmin || meta.role == Role::kEngine;
}

void emit_family_revoked(EventSink& out, const Uuid& user, const Uuid& family, const char* reason) {
  out.emit(Aggregate::kUser, user, EventType::kRefreshTokenFamilyRevoked,
           [&](flatbuffers::FlatBufferBuilder& b) {
             return events::CreateRefreshTokenFamilyRevokedDirect(
                 b, user.to_string().c_str(), family.to_string().c_str(), reason);
           });
}

bool same_hash(const std::string& stored, const std::string& presented) {
  return stored.size() == presented.size() && !stored.empty() &&
         sodium_memcmp(stored.data(), presented.data(), stored.size()) == 0;
}

}  // namespace user_detail

using namespace user_detail;

Status decide_register_user(const UserState* existing, const AccountIndex& shop,
                            const RegisterUser& c, const CommandMeta& meta, EventSink& out) {
  if (existing != nullptr)
    return Status::already_exists("user " + c.user_id.to_string() + " exists");
  ORDERLY_RETURN_IF_ERROR(validate_username(c.username));
  ORDERLY_RETURN_IF_ERROR(validate_email(c.email));
  const bool identity = !c.identity_issuer.empty();
  // An account made through a provider may have no password (it signs in
  // there); every other account has one.
  if (!(identity && c.password_hash.empty()) &&
      (c.password_hash.rfind("$argon2id$", 0) != 0 || c.password_hash.size() > 256)) {
    return Status::invalid_field("password", "must arrive hashed with argon2id");
  }
  if (identity && (c.identity_subject.empty() || c.identity_subject.size() > 255 ||
                   c.identity_issuer.size() > 255))
    return Status::invalid_argument("bad identity");
  if (c.role != "customer" && c.role != "admin")
    return Status::invalid_field("role", "must be customer or admin");
  if (c.role == "admin" && !is_admin(meta))
    return Status::forbidden("only admins create admins");
  if (shop.username_taken) {
    return {ErrorCode::kAlreadyExists,
            "username " + c.username + " is taken",
            {{"username", "is already taken"}}};
  }
  if (shop.email_taken) {
    return {ErrorCode::kAlreadyExists,
            "email " + c.email + " is registered",
            {{"email", "is already registered"}}};
  }
  if (identity && shop.identity_taken)
    return Status::already_exists("this identity is linked to another account");
  const bool session = !c.session_token_hash.empty();
  if (session && (c.session_expires_at <= meta.now || c.session_token_id.is_nil() ||
                  c.session_family_id.is_nil()))
    return Status::invalid_argument("bad refresh token");
  const bool verify = !c.verify_token_hash.empty() && !c.email_verified;
  if (verify && (c.verify_expires_at <= meta.now || c.verify_token_id.is_nil()))
    return Status::invalid_argument("bad email verification token");
  const std::string id = c.user_id.to_string();
  out.emit(Aggregate::kUser, c.user_id, EventType::kUserRegistered,
           [&](flatbuffers::FlatBufferBuilder& b) {
             return events::CreateUserRegisteredDirect(b, id.c_str(), c.username.c_str(),
                                                       c.email.c_str(), c.password_hash.c_str(),
                                                       c.role.c_str());
           });
  if (identity) {
    out.emit(Aggregate::kUser, c.user_id, EventType::kUserIdentityLinked,
             [&](flatbuffers::FlatBufferBuilder& b) {
               return events::CreateUserIdentityLinkedDirect(
                   b, id.c_str(), c.identity_issuer.c_str(), c.identity_subject.c_str(),
                   c.email.c_str());
             });
  }
  if (c.email_verified) {
    out.emit(Aggregate::kUser, c.user_id, EventType::kUserEmailVerified,
             [&](flatbuffers::FlatBufferBuilder& b) {
               return events::CreateUserEmailVerifiedDirect(b, id.c_str(), c.email.c_str(), "");
             });
  } else if (verify) {
    emit_verification_issued(
        out, c.user_id, c.email,
        EmailToken{c.verify_token_id, c.verify_token_hash, c.verify_expires_at}, meta);
  }
  if (session) {
    out.emit(Aggregate::kUser, c.user_id, EventType::kRefreshTokenIssued,
             [&](flatbuffers::FlatBufferBuilder& b) {
               return events::CreateRefreshTokenIssuedDirect(
                   b, id.c_str(), c.session_token_id.to_string().c_str(),
                   c.session_family_id.to_string().c_str(), c.session_token_hash.c_str(),
                   c.session_expires_at, meta.now);
             });
  }
  return Status::ok();
}

Status decide_change_role(const UserState* u, const AccountIndex& shop, const ChangeRole& c,
                          const CommandMeta& meta, EventSink& out) {
  if (!is_admin(meta))
    return Status::forbidden("only admins change roles");
  if (u == nullptr || u->status == UserStatus::kClosed)
    return user_not_found(c.user_id);
  if (c.role != "customer" && c.role != "admin")
    return Status::invalid_field("role", "must be customer or admin");
  if (u->role == c.role)
    return Status::ok();  // already so: nothing to record
  if (c.role == "customer" && meta.role != Role::kEngine) {
    // The shop keeps someone who can manage it.
    if (meta.actor == c.user_id)
      return Status::invalid_transition("an admin may not demote themselves");
    if (u->status == UserStatus::kActive && shop.active_admins <= 1)
      return Status::invalid_transition("the last active admin may not be demoted");
  }
  out.emit(Aggregate::kUser, c.user_id, EventType::kUserRoleChanged,
           [&](flatbuffers::FlatBufferBuilder& b) {
             return events::CreateUserRoleChangedDirect(b, c.user_id.to_string().c_str(),
                                                        c.role.c_str());
           });
  return Status::ok();
}

Status decide_issue_refresh_token(const UserState* u, const IssueRefreshToken& c,
                                  const CommandMeta& meta, EventSink& out) {
  if (u == nullptr)
    return user_not_found(c.user_id);
  if (meta.actor != c.user_id && !is_admin(meta))
    return user_not_found(c.user_id);
  ORDERLY_RETURN_IF_ERROR(require_active(*u, c.user_id));
  if (c.token_hash.empty() || c.expires_at <= meta.now)
    return Status::invalid_argument("bad refresh token");
  if (u->tokens.count(c.token_id) || u->families.count(c.family_id))
    return Status::already_exists("refresh token id reused");
  out.emit(Aggregate::kUser, c.user_id, EventType::kRefreshTokenIssued,
           [&](flatbuffers::FlatBufferBuilder& b) {
             return events::CreateRefreshTokenIssuedDirect(
                 b, c.user_id.to_string().c_str(), c.token_id.to_string().c_str(),
                 c.family_id.to_string().c_str(), c.token_hash.c_str(), c.expires_at, meta.now);
           });
  return Status::ok();
}

Status decide_rotate_refresh_token(const UserState* u, const RotateRefreshToken& c,
                                   const CommandMeta& meta, EventSink& out) {
  if (u == nullptr)
    return Status::unauthorized("invalid refresh token");
  auto it = u->tokens.find(c.old_token_id);
  if (it == u->tokens.end())
    return Status::unauthorized("invalid refresh token");
  const RefreshTokenState& t = it->second;
  // Only the holder of the token may use it (or set off reuse detection).
  if (!same_hash(t.token_hash, c.presented_hash))
    return Status::unauthorized("invalid refresh token");
  auto family = u->families.find(t.family_id);
  if ((family != u->families.end() && family->second.revoked) ||
      t.status == TokenStatus::kRevoked) {
    return Status::unauthorized("refresh token revoked");
  }
  if (t.status == TokenStatus::kRotated) {
    // Reuse of a retired token: someone else holds the family. Revoke it all.
    emit_family_revoked(out, c.user_id, t.family_id, "reuse_detected");
    return Status::unauthorized("refresh token reused: every session of this login is revoked");
  }
  if (t.expires_at <= meta.now)
    return Status::unauthorized("refresh token expired");
  if (u->status != UserStatus::kActive)
    return Status::unauthorized("this account is " + std::string(user_status_name(u->status)));
  if (c.new_token_hash.empty() || c.expires_at <= meta.now)
    return Status::invalid_argument("bad refresh token");
  out.emit(Aggregate::kUser, c.user_id, EventType::kRefreshTokenRotated,
           [&](flatbuffers::FlatBufferBuilder& b) {
             return events::CreateRefreshTokenRotatedDirect(
                 b, c.user_id.to_string().c_str(), t.family_id.to_string().c_str(),
                 c.old_token_id.to_string().c_str(), c.new_token_id.to_string().c_str(),
                 c.new_token_hash.c_str(), c.expires_at, meta.now);
           });
  return Status::ok();
}

Status decide_revoke_refresh_token(const UserState* u, const RevokeRefreshToken& c,
                                   const CommandMeta& meta, EventSink& out) {
  if (u == nullptr || (meta.actor != c.user_id && !is_admin(meta)))
    return user_not_found(c.user_id);
  auto it = u->tokens.find(c.token_id);
  if (it == u->tokens.end() ||
      (!c.presented_hash.empty() && !same_hash(it->second.token_hash, c.presented_hash))) {
    return Status::not_found("no such refresh token");
  }
  if (it->second.status == TokenStatus::kRevoked)
    return Status::ok();  // logging out twice is fine
  out.emit(Aggregate::kUser, c.user_id, EventType::kRefreshTokenRevoked,
           [&](flatbuffers::FlatBufferBuilder& b) {
             return events::CreateRefreshTokenRevokedDirect(
                 b, c.user_id.to_string().c_str(), c.token_id.to_string().c_str(),
                 it->second.family_id.to_string().c_str());
           });
  return Status::ok();
}

namespace {

// Forgets a family and every token of it still remembered.
void forget_family(UserState& u, UuidMap<RefreshFamilyState>::iterator it) {
  u.tokens.erase(it->second.current);
  for (const Uuid& t : it->second.rotated)
    u.tokens.erase(t);
  u.families.erase(it);
}

// Families that ended by `now`; then, past kMaxFamiliesPerUser, the one that
// would end first (never `keep`, the one just issued).
void prune_families(UserState& u, TimestampUs now, const Uuid& keep) {
  if (now > 0) {
    for (auto it = u.families.begin(); it != u.families.end();) {
      auto next = std::next(it);
      if (it->second.expires_at <= now && it->first != keep)
        forget_family(u, it);
      it = next;
    }
  }
  while (u.families.size() > kMaxFamiliesPerUser) {
    auto first = u.families.end();
    for (auto it = u.families.begin(); it != u.families.end(); ++it) {
      if (it->first != keep &&
          (first == u.families.end() || it->second.expires_at < first->second.expires_at ||
           (it->second.expires_at == first->second.expires_at && it->first < first->first)))
        first = it;
    }
    forget_family(u, first);
  }
}

// A revoked family keeps its remembered tokens, all revoked (bounded:
// kRememberedRotations + 1), until it expires: logging out with any of them
// again is fine, and none of them works.
void revoke_all(UserState& u, const RefreshFamilyState& f) {
  for (const Uuid& t : f.rotated) {
    if (auto it = u.tokens.find(t); it != u.tokens.end())
      it->second.status = TokenStatus::kRevoked;
  }
  if (auto it = u.tokens.find(f.current); it != u.tokens.end())
    it->second.status = TokenStatus::kRevoked;
}

}  // namespace

void evolve_token_issued(UserState& u, const Uuid& token, const Uuid& family, std::string hash,
                         TimestampUs expires_at, TimestampUs issued_at) {
  u.tokens[token] = {family, std::move(hash), expires_at, TokenStatus::kActive};
  RefreshFamilyState& f = u.families[family];
  f.current = token;
  f.expires_at = expires_at;
  prune_families(u, issued_at, family);
}

void evolve_token_rotated(UserState& u, const Uuid& family, const Uuid& old_token,
                          const Uuid& new_token, std::string hash, TimestampUs expires_at,
                          TimestampUs issued_at) {
  RefreshFamilyState& f = u.families[family];
  if (auto it = u.tokens.find(old_token); it != u.tokens.end()) {
    // The hash stays: a reuse is only recognised from the real token.
    it->second.status = TokenStatus::kRotated;
    f.rotated.push_back(old_token);
  }
  if (f.rotated.size() > kRememberedRotations) {
    u.tokens.erase(f.rotated.front());
    f.rotated.erase(f.rotated.begin());
  }
  u.tokens[new_token] = {family, std::move(hash), expires_at, TokenStatus::kActive};
  f.current = new_token;
  f.expires_at = expires_at;
  prune_families(u, issued_at, family);
}

void evolve_token_revoked(UserState& u, const Uuid& token) {
  auto it = u.tokens.find(token);
  if (it == u.tokens.end())
    return;
  it->second.status = TokenStatus::kRevoked;
  auto f = u.families.find(it->second.family_id);
  if (f != u.families.end() && f->second.current == token) {
    f->second.revoked = true;  // its newest token is gone: the session is over
    revoke_all(u, f->second);
  }
}

void evolve_family_revoked(UserState& u, const Uuid& family) {
  auto f = u.families.find(family);
  if (f == u.families.end())
    return;
  f->second.revoked = true;
  revoke_all(u, f->second);
}

void evolve(UserState& u, EventType type, const uint8_t* p) {
  switch (type) {
    case EventType::kUserRegistered: {
      const auto* e = flatbuffers::GetRoot<events::UserRegistered>(p);
      u.username = fb_string(e->username());
      u.email = fb_string(e->email());
      u.role = fb_string(e->role());
      const std::string hash = fb_string(e->password_hash());
      u.password_digest = hash.empty() ? std::string() : digest128_hex(hash);
      break;
    }
    case EventType::kUserRoleChanged:
      u.role = fb_string(flatbuffers::GetRoot<events::UserRoleChanged>(p)->role());
      break;
    case EventType::kRefreshTokenIssued: {
      const auto* e = flatbuffers::GetRoot<events::RefreshTokenIssued>(p);
      evolve_token_issued(u, fb_uuid(e->token_id()), fb_uuid(e->family_id()),
                          fb_string(e->token_hash()), e->expires_at_us(), e->issued_at_us());
      break;
    }
    case EventType::kRefreshTokenRotated: {
      const auto* e = flatbuffers::GetRoot<events::RefreshTokenRotated>(p);
      evolve_token_rotated(u, fb_uuid(e->family_id()), fb_uuid(e->old_token_id()),
                           fb_uuid(e->new_token_id()), fb_string(e->new_token_hash()),
                           e->expires_at_us(), e->issued_at_us());
      break;
    }
    case EventType::kRefreshTokenRevoked:
      evolve_token_revoked(
          u, fb_uuid(flatbuffers::GetRoot<events::RefreshTokenRevoked>(p)->token_id()));
      break;
    case EventType::kRefreshTokenFamilyRevoked:
      evolve_family_revoked(
          u, fb_uuid(flatbuffers::GetRoot<events::RefreshTokenFamilyRevoked>(p)->family_id()));
      break;
    default:
      evolve_account(u, type, p);
      break;
  }
}

}  // namespace orderly::commands
