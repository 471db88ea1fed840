// The writer's memory of Idempotency-Keys (the rules are in processor.h).
//
// A key is kept under its scope (commands::idempotency_scope: the actor and a
// digest of the key) with the fingerprint of the request that first used it
// and where that request's events are. The store keeps the same thing as the
// command id of every event the command appended ("<scope>|<fingerprint>"),
// so the table is folded back from the log after a restart (or loaded from
// the writer snapshot, commands/writer_snapshot.h).
//
// Thread safety: none; the writer thread owns the table.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "commands/command.h"
#include "core/envelope.h"
#include "core/sharded_map.h"
#include "core/status.h"
#include "core/string_hash.h"

namespace orderly::commands {

inline constexpr size_t kMaxIdempotencyKey = 255;

// The first answer to an idempotency key (a command that appended events):
// its positions, or the refusal it was when a refused command still
// recorded events (keeps_events_when_refused), so that a retry is refused
// the same way instead of going through on what the refusal recorded.
struct IdempotentResult {
  uint64_t fingerprint = 0;
  uint64_t first = 0, last = 0;
  std::string stream;
  Status refusal;
};

// Keys of batches already handed to the store, by scope.
using IdempotencyTable =
    ShardedMap<std::unordered_map<std::string, IdempotentResult, StringHash, std::equal_to<>>>;

// A key first used in the batch being decided: its entry in the batch.
struct BatchKey {
  size_t entry = 0;
  uint64_t fingerprint = 0;
};
using BatchKeys = std::unordered_map<std::string, BatchKey>;

// What a command's key says before the command is decided.
struct KeyCheck {
  enum class Seen { kNew, kInThisBatch, kInEarlierBatch };
  Status status;             // not ok: the command is refused as it is
  Seen seen = Seen::kNew;    // when ok: a retry answers its first answer
  std::string scope;         // when ok
  size_t batch_entry = 0;    // kInThisBatch: the first command's entry
  IdempotentResult earlier;  // kInEarlierBatch: the first command's answer
};

// Checks the key of `command` (REQUIRES: meta.idempotency_key is not empty)
// against this batch's keys and the earlier ones. Sets
// meta.request_fingerprint to the command's fingerprint: the command's type
// joins it, so a key reused on another endpoint never returns that
// endpoint's answer.
KeyCheck check_idempotency_key(const Command& command, CommandMeta& meta, const BatchKeys& batch,
                               const IdempotencyTable& earlier);

// The command id the store records with a keyed command's events.
std::string command_id_of(const std::string& scope, uint64_t fingerprint);

// Folds one logged event's command id into the table (rebuilding the table
// from the log).
void remember_logged_command(IdempotencyTable& table, const EventView& ev);

}  // namespace orderly::commands
