// The writer snapshot's state part: the whole ShopState in binary
// (core/binary_codec.h), with the log position it reflects; the idempotency
// keys follow it (commands/writer_snapshot.h). A start loads it and folds
// only the events after `position`, instead of folding the whole log.
//
// The snapshot holds everything apply() builds, exactly as it is: the
// indexes too (skus, usernames, emails, open payments), rather than derived
// again from the aggregates, and the expiry queue with its stale entries
// (which ones are left depends on when the writer popped them, not on the log).
//
// Layout (format 5), in order: u32 format, u64 position, then each part as
// an element count followed by its elements: products, skus, orders,
// expiries (the heap array as is), carts, payments, open_payment_by_order,
// users (each with its remembered tokens and its token families), usernames, emails,
// notifications, categories (without their derived product counts). Map iteration order is not part
// of the format. The holds index (order.h) is not saved: load_state derives it from the orders.
#pragma once

#include <cstdint>

#include "commands/shop_state.h"
#include "core/binary_codec.h"
#include "core/status.h"

namespace orderly::commands {

// Bump on any layout change: an older snapshot is then refused, and the
// writer folds the whole log as it did before snapshots.
// 2: product currency, order paid_by and placed_at, cart line prices.
// 3: a user's refresh-token families (commands/user.h) instead of the set
//    of revoked ones; only the tokens reuse detection needs.
// 4: the account (display name, email verification, status, password
//    digest, pending email tokens, identities, addresses: issue 21).
// 5: a product's category and images; the categories (issue 22).
// 6: a payment's method, attempts, refunds and dispute; the provider events
//    recorded (issue 23).
inline constexpr uint32_t kSnapshotFormat = 6;

// Saves the whole writer state (every map, index, the expiry queue and
// `position`).
void save_state(const ShopState& s, BinaryWriter& out);

// Restores a state saved by save_state, replacing `s`; reads exactly what
// save_state wrote and leaves any bytes after it to the caller (who checks
// BinaryReader::finish at the very end). Damaged bytes, or bytes of another
// format: corruption, and `s` is unspecified (the caller discards it).
Status load_state(BinaryReader& in, ShopState& s);

}  // namespace orderly::commands
