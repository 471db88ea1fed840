// Time travel for `orderly inspect` and GET /api/admin/streams/{stream}: an
// aggregate's state as of a version or a time, with the events that built
// it. Presentation only: the rules live in commands/.
//
// The whole log is folded up to the chosen event, not just the stream: a
// product's reservations are carried by order events (commands/product.h).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "commands/shop_state.h"
#include "eventstore/store.h"

namespace orderly::api::rest {

std::string state_json(const commands::ShopState& s, commands::Aggregate aggregate, const Uuid& id);

// {"stream","version","position","time","state":{...},"events":[...]} for
// `stream` up to `at_version` (0: the latest) and `at_time`.
// invalid_argument: not a stream of an aggregate; not_found: no events then.
Result<std::string> inspect_stream_json(const eventstore::EventStore& store,
                                        std::string_view stream, uint64_t at_version,
                                        std::optional<TimestampUs> at_time);

}  // namespace orderly::api::rest
