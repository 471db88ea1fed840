// Events as JSON, for replay, inspection and the admin API: the payload is
// rendered generically from the FlatBuffers schemas (compiled into the
// binary), so a new event type needs no code here.
//
// Fields named *_hash (password and token hashes) are never shown.
#pragma once

#include <string>

#include "core/envelope.h"
#include "core/status.h"

namespace orderly {

// The payload alone: {"order_id": "...", "lines": [...], ...}.
Result<std::string> event_data_json(const EventView& event);

// One line: {"position":1,"stream":"...","version":1,"type":"order.placed",
// "time":"2026-11-21T10:00:00.123Z","command_id":"...","data":{...}}.
std::string event_json_line(const EventView& event);

// `text` as a JSON string literal, quotes included.
std::string json_quote(std::string_view text);

}  // namespace orderly
