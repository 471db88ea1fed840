// Pieces the user aggregate's files share (user.cpp, user_account.cpp,
// user_addresses.cpp); not for use outside the aggregate.
#pragma once

#include <string>

#include "commands/command.h"
#include "commands/event_sink.h"
#include "commands/user.h"
#include "core/status.h"

namespace orderly::commands::user_detail {

Status user_not_found(const Uuid& id);
bool is_admin(const CommandMeta& meta);
// Who may change this account: the user, an admin, or the engine.
inline bool may_manage(const CommandMeta& meta, const Uuid& user) {
  return meta.actor == user || is_admin(meta);
}
void emit_family_revoked(EventSink& out, const Uuid& user, const Uuid& family, const char* reason);
// Constant-time comparison of two token hashes (false when `stored` is empty).
bool same_hash(const std::string& stored, const std::string& presented);
// Adds a refusal's field errors to `wrong` (to name every wrong field at once).
inline void collect_fields(const Status& st, std::vector<FieldError>& wrong) {
  wrong.insert(wrong.end(), st.fields().begin(), st.fields().end());
}
void emit_verification_issued(EventSink& out, const Uuid& user, const std::string& email,
                              const EmailToken& token, const CommandMeta& meta);
}  // namespace orderly::commands::user_detail
