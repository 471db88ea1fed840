// The writer snapshot in its SnapshotStore: the ShopState
// (commands/shop_state_snapshot.h) followed by the idempotency table
// (commands/idempotency_keys.h), stored under kWriterSnapshot with the log
// position the state reflects.
//
// Layout after the state: u32 key count, then per key: bytes scope, u64
// fingerprint, u64 first, u64 last, bytes stream, u8 refusal code, bytes
// refusal message (bytes = u32 length + the bytes; core/binary_codec.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "commands/idempotency_keys.h"
#include "commands/shop_state.h"
#include "core/status.h"
#include "eventstore/snapshot_store.h"

namespace orderly::commands {

// The writer snapshot's name in its SnapshotStore.
inline constexpr std::string_view kWriterSnapshot = "writer";

// Loads the writer snapshot into `state` and `keys` (replacing both) when one
// is stored and usable with a log whose last position is `log_last`; returns
// its position, or 0 (none: `state` and `keys` are left empty, fold the
// whole log) with the reason in *note when a stored one was not used. One
// ahead of the log is dropped from the store.
uint64_t load_writer_snapshot(eventstore::SnapshotStore& snapshots, uint64_t log_last,
                              ShopState& state, IdempotencyTable& keys, std::string* note);

// Saves `state` (at state.position) and `keys` as the writer snapshot.
Status save_writer_snapshot(eventstore::SnapshotStore& snapshots, const ShopState& state,
                            const IdempotencyTable& keys);

}  // namespace orderly::commands
