// The fixed shop the API fuzz target (fuzz_api_json.cpp) decides against
// and the seeds (make_seeds.cpp) are written for: one time and one set of
// ids, so the seeds name rows that exist and mutations reach deep rules.
#pragma once

#include "commands/command.h"
#include "core/clock.h"
#include "core/uuid.h"

namespace orderly::fuzz {

inline constexpr TimestampUs kNow = 1795255200000000;  // 2026-11-21T10:00:00Z

inline const Uuid kAdmin = *Uuid::parse("0192f0c1-0000-7000-8000-00000000000a");
inline const Uuid kCustomer = *Uuid::parse("0192f0c1-0000-7000-8000-00000000000c");
inline const Uuid kProduct = *Uuid::parse("0192f0c1-0000-7000-8000-000000000001");
inline const Uuid kSoldOut = *Uuid::parse("0192f0c1-0000-7000-8000-000000000002");
inline const Uuid kOrder = *Uuid::parse("0192f0c1-0000-7000-8000-00000000a001");
inline const Uuid kPayment = *Uuid::parse("0192f0c1-0000-7000-8000-00000000b001");
inline const Uuid kNotification = *Uuid::parse("0192f0c1-0000-7000-8000-00000000c001");

// A command's metadata: sent by `actor` as `role`, at kNow.
inline commands::CommandMeta as(const Uuid& actor, commands::Role role) {
  commands::CommandMeta m;
  m.actor = actor;
  m.role = role;
  m.now = kNow;
  return m;
}

}  // namespace orderly::fuzz
