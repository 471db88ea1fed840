// Encoding and decoding of the event envelope (core/schemas/envelope.fbs).
//
// Decoding is zero-copy: an EventView points into the caller's bytes and is
// valid only while they are. It is produced only after the FlatBuffers
// verifier has checked the envelope and the payload, so damaged or unknown
// bytes become a Status, never a crash.
#pragma once

#include <flatbuffers/flatbuffers.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/event_type.h"
#include "core/status.h"

namespace orderly {

namespace schema {
struct Envelope;
}

// What a writer supplies for one event. Views: the caller owns the bytes.
struct EnvelopeFields {
  EventType type{};
  uint16_t schema_version = 1;
  std::string_view stream;
  uint64_t version = 0;
  uint64_t position = 0;
  TimestampUs time_us = 0;
  std::string_view command_id;
  std::string_view correlation_id;
  std::string_view causation_id;
  std::span<const uint8_t> payload;  // a finished FlatBuffer of the type's table
};

// Builds the envelope into `fbb` (cleared first) and finishes it. The payload
// is stored 8-byte aligned relative to the buffer start.
void build_envelope(flatbuffers::FlatBufferBuilder& fbb, const EnvelopeFields& fields);

class EventView {
 public:
  EventView() = default;
  EventView(const schema::Envelope* env, std::span<const uint8_t> bytes)
      : env_(env), bytes_(bytes) {}

  uint64_t position() const;
  uint64_t version() const;
  TimestampUs time_us() const;
  EventType type() const;
  std::string_view type_name() const { return event_type_name(type()); }
  uint16_t schema_version() const;
  std::string_view stream() const;
  std::string_view command_id() const;
  std::string_view correlation_id() const;
  std::string_view causation_id() const;
  std::span<const uint8_t> payload() const;
  // The whole envelope as stored (what the fan-out publishes).
  std::span<const uint8_t> bytes() const { return bytes_; }

  // The payload as its generated table type, e.g. view.as<events::OrderPlaced>().
  // REQUIRES: T is the table that type() names.
  template <typename T>
  const T* as() const {
    return flatbuffers::GetRoot<T>(payload().data());
  }

 private:
  const schema::Envelope* env_ = nullptr;
  std::span<const uint8_t> bytes_;
};

// Verifies envelope and payload. REQUIRES: data is 8-byte aligned (the log's
// record framing guarantees it; copy other bytes into aligned memory first).
Result<EventView> decode_event(std::span<const uint8_t> bytes);

// decode_event for bytes from elsewhere (a NATS message, a file), which may
// sit at any address: they are copied into `storage` (8-byte aligned) first;
// the view points into `storage`.
Result<EventView> decode_event_copy(std::span<const uint8_t> bytes, std::vector<uint64_t>& storage);

// The second half of decode_event: verifies the payload of an envelope that
// decode_envelope_only has already checked.
Status verify_event_payload(const EventView& view);

// Verifies only the envelope (not the payload): for hot paths that read
// envelopes they wrote themselves, such as replays at open.
Result<EventView> decode_envelope_only(std::span<const uint8_t> bytes);

}  // namespace orderly
