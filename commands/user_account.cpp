// The account rules of the user aggregate (see commands/user.h): profile,
// email verification, passwords, status and identities.
#include <algorithm>

#include "commands/user.h"
#include "commands/user_detail.h"
#include "commands/validation.h"
#include "core/digest.h"
#include "core/schemas/user_events_generated.h"
#include "core/text.h"

namespace orderly::commands {

using namespace user_detail;

std::string_view user_status_name(UserStatus s) {
  switch (s) {
    case UserStatus::kActive:
      return "active";
    case UserStatus::kDeactivated:
      return "deactivated";
    case UserStatus::kClosed:
      return "closed";
  }
  return "active";
}

std::optional<UserStatus> parse_user_status(std::string_view s) {
  if (s == "active")
    return UserStatus::kActive;
  if (s == "deactivated")
    return UserStatus::kDeactivated;
  if (s == "closed")
    return UserStatus::kClosed;
  return std::nullopt;
}

Status validate_display_name(std::string_view name) {
  if (name.size() > kMaxDisplayNameBytes)
    return Status::invalid_field("display_name", "must be at most 64 bytes");
  if (!is_clean_text(name) || name.find_first_of("\n\t") != std::string_view::npos)
    return Status::invalid_field("display_name", "must be UTF-8 text without control characters");
  return Status::ok();
}

Status require_active(const UserState& u, const Uuid& id) {
  switch (u.status) {
    case UserStatus::kActive:
      return Status::ok();
    case UserStatus::kDeactivated:
      return Status::forbidden("this account is deactivated");
    case UserStatus::kClosed:
      return user_not_found(id);
  }
  return Status::ok();
}

void emit_sessions_ended(const UserState& u, const Uuid& user, const Uuid& keep, const char* reason,
                         const CommandMeta& meta, EventSink& out) {
  // In id order, so the same decision records the same events.
  std::vector<Uuid> live;
  for (const auto& [id, f] : u.families) {
    if (!f.revoked && f.expires_at > meta.now && id != keep)
      live.push_back(id);
  }
  std::sort(live.begin(), live.end());
  for (const Uuid& family : live)
    emit_family_revoked(out, user, family, reason);
}

namespace user_detail {

void emit_verification_issued(EventSink& out, const Uuid& user, const std::string& email,
                              const EmailToken& token, const CommandMeta& meta) {
  out.emit(Aggregate::kUser, user, EventType::kEmailVerificationIssued,
           [&](flatbuffers::FlatBufferBuilder& b) {
             return events::CreateEmailVerificationIssuedDirect(
                 b, user.to_string().c_str(), token.token_id.to_string().c_str(),
                 token.token_hash.c_str(), email.c_str(), token.expires_at, meta.now);
           });
}

}  // namespace user_detail

namespace {

Status check_new_token(const EmailToken& t, const CommandMeta& meta) {
  if (t.token_id.is_nil() || t.token_hash.empty() || t.token_hash.size() > 128 ||
      t.expires_at <= meta.now)
    return Status::invalid_argument("bad email token");
  return Status::ok();
}

// The pending token is this one, unused, unexpired, and its secret was shown.
bool token_matches(const PendingToken& pending, const Uuid& token_id, const std::string& hash,
                   const CommandMeta& meta) {
  return !pending.token_id.is_nil() && pending.token_id == token_id &&
         same_hash(pending.token_hash, hash) && pending.expires_at > meta.now;
}

const Status kTokenRefused =
    Status::invalid_token("this link is invalid, was used already, or has expired");

Status check_password_hash(const std::string& hash) {
  if (hash.rfind("$argon2id$", 0) != 0 || hash.size() > 256)
    return Status::invalid_field("new_password", "must arrive hashed with argon2id");
  return Status::ok();
}

void emit_email_verified(EventSink& out, const Uuid& user, const std::string& email,
                         const std::string& token_id) {
  out.emit(Aggregate::kUser, user, EventType::kUserEmailVerified,
           [&](flatbuffers::FlatBufferBuilder& b) {
             return events::CreateUserEmailVerifiedDirect(b, user.to_string().c_str(),
                                                          email.c_str(), token_id.c_str());
           });
}

void emit_password_changed(EventSink& out, const Uuid& user, const std::string& hash,
                           const char* reason, const std::string& token_id) {
  out.emit(Aggregate::kUser, user, EventType::kUserPasswordChanged,
           [&](flatbuffers::FlatBufferBuilder& b) {
             return events::CreateUserPasswordChangedDirect(b, user.to_string().c_str(),
                                                            hash.c_str(), reason, token_id.c_str());
           });
}

}  // namespace

Status decide_update_profile(const UserState* u, const AccountIndex& shop, const UpdateProfile& c,
                             const CommandMeta& meta, EventSink& out) {
  if (u == nullptr || !may_manage(meta, c.user_id))
    return user_not_found(c.user_id);
  ORDERLY_RETURN_IF_ERROR(require_active(*u, c.user_id));
  std::vector<FieldError> wrong;
  auto check = [&](const Status& st) { collect_fields(st, wrong); };
  if (c.username)
    check(validate_username(*c.username));
  if (c.email)
    check(validate_email(*c.email));
  if (c.display_name)
    check(validate_display_name(*c.display_name));
  if (!wrong.empty())
    return {ErrorCode::kInvalidArgument, "the profile is not valid", std::move(wrong)};
  const bool new_username = c.username && *c.username != u->username;
  const bool new_email = c.email && *c.email != u->email;
  const bool new_name = c.display_name && *c.display_name != u->display_name;
  if (new_username && shop.username_taken) {
    return {ErrorCode::kAlreadyExists,
            "username " + *c.username + " is taken",
            {{"username", "is already taken"}}};
  }
  if (new_email && shop.email_taken) {
    return {ErrorCode::kAlreadyExists,
            "email " + *c.email + " is registered",
            {{"email", "is already registered"}}};
  }
  if (new_email)
    ORDERLY_RETURN_IF_ERROR(check_new_token(c.verification, meta));
  const std::string id = c.user_id.to_string();
  if (new_username || new_name) {
    out.emit(Aggregate::kUser, c.user_id, EventType::kUserProfileChanged,
             [&](flatbuffers::FlatBufferBuilder& b) {
               return events::CreateUserProfileChanged(
                   b, b.CreateString(id), new_username ? b.CreateString(*c.username) : 0,
                   new_name ? b.CreateString(*c.display_name) : 0);
             });
  }
  if (new_email) {
    out.emit(Aggregate::kUser, c.user_id, EventType::kUserEmailChanged,
             [&](flatbuffers::FlatBufferBuilder& b) {
               return events::CreateUserEmailChangedDirect(b, id.c_str(), c.email->c_str(),
                                                           u->email.c_str());
             });
    emit_verification_issued(out, c.user_id, *c.email, c.verification, meta);
  }
  return Status::ok();
}

Status decide_change_password(const UserState* u, const ChangePassword& c, const CommandMeta& meta,
                              EventSink& out) {
  if (u == nullptr || meta.actor != c.user_id)
    return user_not_found(c.user_id);
  ORDERLY_RETURN_IF_ERROR(require_active(*u, c.user_id));
  ORDERLY_RETURN_IF_ERROR(check_password_hash(c.new_password_hash));
  if (c.verified_digest != u->password_digest)
    return Status::version_conflict("the password changed meanwhile; try again");
  emit_password_changed(out, c.user_id, c.new_password_hash, "changed", "");
  emit_sessions_ended(*u, c.user_id, c.keep_family_id, "password_changed", meta, out);
  return Status::ok();
}

Status decide_request_email_verification(const UserState* u, const RequestEmailVerification& c,
                                         const CommandMeta& meta, EventSink& out) {
  if (u == nullptr || !may_manage(meta, c.user_id))
    return user_not_found(c.user_id);
  ORDERLY_RETURN_IF_ERROR(require_active(*u, c.user_id));
  if (u->email_verified)
    return Status::invalid_transition("the email is verified already");
  ORDERLY_RETURN_IF_ERROR(check_new_token(c.token, meta));
  emit_verification_issued(out, c.user_id, u->email, c.token, meta);
  return Status::ok();
}

Status decide_verify_email(const UserState* u, const VerifyEmail& c, const CommandMeta& meta,
                           EventSink& out) {
  // Whoever holds the link may use it: the token is the proof.
  if (u == nullptr || u->status != UserStatus::kActive ||
      !token_matches(u->verification, c.token_id, c.presented_hash, meta) ||
      u->verification.email != u->email)
    return kTokenRefused;
  emit_email_verified(out, c.user_id, u->email, c.token_id.to_string());
  return Status::ok();
}

Status decide_request_password_reset(const UserState* u, const RequestPasswordReset& c,
                                     const CommandMeta& meta, EventSink& out) {
  if (u == nullptr || !is_admin(meta))  // the API asks, for whoever knows the email
    return user_not_found(c.user_id);
  ORDERLY_RETURN_IF_ERROR(require_active(*u, c.user_id));
  ORDERLY_RETURN_IF_ERROR(check_new_token(c.token, meta));
  out.emit(Aggregate::kUser, c.user_id, EventType::kPasswordResetIssued,
           [&](flatbuffers::FlatBufferBuilder& b) {
             return events::CreatePasswordResetIssuedDirect(
                 b, c.user_id.to_string().c_str(), c.token.token_id.to_string().c_str(),
                 c.token.token_hash.c_str(), c.token.expires_at, meta.now);
           });
  return Status::ok();
}

Status decide_reset_password(const UserState* u, const ResetPassword& c, const CommandMeta& meta,
                             EventSink& out) {
  if (u == nullptr || u->status != UserStatus::kActive ||
      !token_matches(u->reset, c.token_id, c.presented_hash, meta))
    return kTokenRefused;
  ORDERLY_RETURN_IF_ERROR(check_password_hash(c.new_password_hash));
  const std::string token_id = c.token_id.to_string();
  emit_password_changed(out, c.user_id, c.new_password_hash, "reset", token_id);
  if (!u->email_verified)  // the link reached the mailbox: it is theirs
    emit_email_verified(out, c.user_id, u->email, token_id);
  emit_sessions_ended(*u, c.user_id, Uuid{}, "password_reset", meta, out);
  return Status::ok();
}

Status decide_set_user_status(const UserState* u, const AccountIndex& shop, const SetUserStatus& c,
                              const CommandMeta& meta, EventSink& out) {
  const auto to = parse_user_status(c.status);
  if (!to)
    return Status::invalid_field("status", "must be active, deactivated or closed");
  if (u == nullptr || u->status == UserStatus::kClosed)
    return user_not_found(c.user_id);
  const bool self = meta.actor == c.user_id && meta.role != Role::kEngine;
  // Users close their own account; admins (and the engine) do everything.
  if (!is_admin(meta) && !(self && *to == UserStatus::kClosed))
    return self ? Status::forbidden("only admins change an account's status")
                : user_not_found(c.user_id);
  if (c.reason.size() > 200 || !is_clean_text(c.reason))
    return Status::invalid_field("reason", "must be at most 200 bytes of text");
  if (u->status == *to)
    return Status::ok();  // already so
  if (*to != UserStatus::kActive && u->role == "admin" && u->status == UserStatus::kActive &&
      meta.role != Role::kEngine) {
    if (self && *to == UserStatus::kDeactivated)
      return Status::invalid_transition("an admin may not deactivate themselves");
    if (shop.active_admins <= 1)
      return Status::invalid_transition("the last active admin may not be deactivated or closed");
  }
  const std::string name(user_status_name(*to));
  const char* reason = *to == UserStatus::kClosed ? "account_closed" : "deactivated";
  out.emit(Aggregate::kUser, c.user_id, EventType::kUserStatusChanged,
           [&](flatbuffers::FlatBufferBuilder& b) {
             return events::CreateUserStatusChangedDirect(
                 b, c.user_id.to_string().c_str(), name.c_str(),
                 meta.actor.is_nil() ? "" : meta.actor.to_string().c_str(), c.reason.c_str());
           });
  if (*to != UserStatus::kActive)
    emit_sessions_ended(*u, c.user_id, Uuid{}, reason, meta, out);
  return Status::ok();
}

Status decide_link_identity(const UserState* u, const AccountIndex& shop, const LinkIdentity& c,
                            const CommandMeta& meta, EventSink& out) {
  if (u == nullptr || !may_manage(meta, c.user_id))
    return user_not_found(c.user_id);
  ORDERLY_RETURN_IF_ERROR(require_active(*u, c.user_id));
  if (c.issuer.empty() || c.issuer.size() > 255 || c.subject.empty() || c.subject.size() > 255 ||
      c.email.size() > 254)
    return Status::invalid_argument("bad identity");
  for (const Identity& i : u->identities) {
    if (i.issuer == c.issuer && i.subject == c.subject)
      return Status::ok();  // linked already
  }
  if (shop.identity_taken)
    return Status::already_exists("this identity is linked to another account");
  if (u->identities.size() >= kMaxIdentities)
    return Status::invalid_transition("an account links at most 4 identities");
  out.emit(Aggregate::kUser, c.user_id, EventType::kUserIdentityLinked,
           [&](flatbuffers::FlatBufferBuilder& b) {
             return events::CreateUserIdentityLinkedDirect(b, c.user_id.to_string().c_str(),
                                                           c.issuer.c_str(), c.subject.c_str(),
                                                           c.email.c_str());
           });
  return Status::ok();
}

bool evolve_account(UserState& u, EventType type, const uint8_t* p) {
  switch (type) {
    case EventType::kUserProfileChanged: {
      const auto* e = flatbuffers::GetRoot<events::UserProfileChanged>(p);
      if (e->username())
        u.username = fb_string(e->username());
      if (e->display_name())
        u.display_name = fb_string(e->display_name());
      return true;
    }
    case EventType::kUserEmailChanged:
      u.email = fb_string(flatbuffers::GetRoot<events::UserEmailChanged>(p)->email());
      u.email_verified = false;
      u.verification = {};
      return true;
    case EventType::kEmailVerificationIssued: {
      const auto* e = flatbuffers::GetRoot<events::EmailVerificationIssued>(p);
      u.verification = {fb_uuid(e->token_id()), fb_string(e->token_hash()), fb_string(e->email()),
                        e->expires_at_us()};
      return true;
    }
    case EventType::kUserEmailVerified:
      u.email_verified = true;
      u.verification = {};  // used
      return true;
    case EventType::kPasswordResetIssued: {
      const auto* e = flatbuffers::GetRoot<events::PasswordResetIssued>(p);
      u.reset = {fb_uuid(e->token_id()), fb_string(e->token_hash()), "", e->expires_at_us()};
      return true;
    }
    case EventType::kUserPasswordChanged: {
      const auto* e = flatbuffers::GetRoot<events::UserPasswordChanged>(p);
      u.password_digest = digest128_hex(fb_string(e->password_hash()));
      u.reset = {};  // a pending reset link dies with the old password
      return true;
    }
    case EventType::kUserStatusChanged:
      u.status =
          parse_user_status(fb_string(flatbuffers::GetRoot<events::UserStatusChanged>(p)->status()))
              .value_or(u.status);
      if (u.status != UserStatus::kActive) {
        u.reset = {};
        u.verification = {};
      }
      return true;
    case EventType::kUserIdentityLinked: {
      const auto* e = flatbuffers::GetRoot<events::UserIdentityLinked>(p);
      u.identities.push_back({fb_string(e->issuer()), fb_string(e->subject())});
      return true;
    }
    default:
      return fold_address_event(u.addresses, type, p);
  }
}

}  // namespace orderly::commands
