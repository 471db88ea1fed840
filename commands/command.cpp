#include "commands/command.h"

#include "core/digest.h"

namespace orderly::commands {

std::string_view role_name(Role r) {
  switch (r) {
    case Role::kCustomer:
      return "customer";
    case Role::kAdmin:
      return "admin";
    case Role::kEngine:
      return "engine";
  }
  return "customer";
}

std::string idempotency_scope(const CommandMeta& meta) {
  if (meta.idempotency_key.empty())
    return {};
  return meta.actor.to_string() + ":" + digest128_hex(meta.idempotency_key);
}

}  // namespace orderly::commands
