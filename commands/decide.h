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

// The refusals whose events are still recorded: a refresh token's reuse
// revokes its family; a checkout refused for changed prices puts the new
// prices in the cart.
bool keeps_events_when_refused(const Command& command, const Status& refusal);

// The first order id whose reservation expired by `now`, dropping stale
// queue entries; nullopt when none. (It mutates only the queue.)
std::optional<Uuid> next_expired_order(ShopState& s, TimestampUs now);

}  // namespace orderly::commands
