// Deciding one command: find the states it needs, call its aggregate's
// decide function. Pure: reads the state, writes only into `out`.
//
// On failure `out` holds none of the command's events, except a refused
// command that must still be recorded (a refresh token's reuse revokes its
// family): then the processor commits those events and answers the error.
#pragma once

#include "commands/command.h"
#include "commands/event_sink.h"
#include "commands/shop_state.h"
#include "core/status.h"

namespace orderly::commands {

Status decide(const ShopState& s, const Command& command, const CommandMeta& meta, EventSink& out);

// The first order id whose reservation expired by `now`, dropping stale
// queue entries; nullopt when none. (It mutates only the queue.)
std::optional<Uuid> next_expired_order(ShopState& s, TimestampUs now);

}  // namespace orderly::commands
