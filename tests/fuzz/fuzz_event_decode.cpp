// FlatBuffers event decoding from raw bytes: what the store reads from disk,
// the fan-out's consumers read from NATS and `orderly replay` prints.
//
// The input is tried as one envelope (core/envelope.h decode_event and its
// two halves, eventstore/recorded_event.h) and as one log record
// (eventstore/record.h RecordView, whose entries are then decoded). Every
// event that decodes is rendered as replay's JSON line (core/event_json.h).
//
// Properties: decoding never crashes, whatever the bytes or their address;
// the ways to decode agree; a rendered line is one line, and when it is
// valid UTF-8 it is a JSON object with the event's position, stream and
// type, and every *_hash field in it reads "[redacted]".
#include <boost/json.hpp>

#include <cstring>
#include <string>
#include <vector>

#include "commands/validation.h"
#include "core/event_json.h"
#include "eventstore/record.h"
#include "eventstore/recorded_event.h"
#include "tests/fuzz/fuzz_check.h"

using namespace orderly;
namespace json = boost::json;

namespace {

void check_redacted(const json::value& v, const std::string& line) {
  if (v.is_object()) {
    for (const auto& kv : v.as_object()) {
      if (kv.key().ends_with("_hash"))
        FUZZ_CHECK(kv.value() == "[redacted]", line);
      check_redacted(kv.value(), line);
    }
  } else if (v.is_array()) {
    for (const auto& e : v.as_array())
      check_redacted(e, line);
  }
}

void check_rendering(const EventView& ev) {
  const std::string line = event_json_line(ev);
  FUZZ_CHECK(line.find('\n') == std::string::npos, line);
  // Bytes that are not UTF-8 (a damaged stream name) are passed through as
  // they are; only valid text must come out as JSON.
  if (!commands::is_clean_text(line))
    return;
  boost::system::error_code ec;
  const json::value v = json::parse(line, ec);
  FUZZ_CHECK(!ec && v.is_object(), line);
  const auto& o = v.as_object();
  FUZZ_CHECK(o.at("position").to_number<uint64_t>() == ev.position(), line);
  FUZZ_CHECK(o.at("stream").as_string() == ev.stream(), line);
  FUZZ_CHECK(o.at("type").as_string() == ev.type_name(), line);
  FUZZ_CHECK(o.at("version").to_number<uint64_t>() == ev.version(), line);
  FUZZ_CHECK(o.at("data").is_object() || o.at("data").is_null(), line);
  check_redacted(o.at("data"), line);
}

void check_event(std::span<const uint8_t> bytes) {
  std::vector<uint64_t> storage;
  const auto decoded = decode_event_copy(bytes, storage);
  // The envelope alone, then the payload: the same verdict in two steps.
  const std::span<const uint8_t> aligned(reinterpret_cast<const uint8_t*>(storage.data()),
                                         bytes.size());
  const auto envelope = decode_envelope_only(aligned);
  const bool in_two_steps = envelope.is_ok() && verify_event_payload(*envelope).is_ok();
  FUZZ_CHECK(decoded.is_ok() == in_two_steps, decoded.status().to_string());
  const auto recorded = eventstore::RecordedEvent::copy_of(bytes);
  FUZZ_CHECK(recorded.is_ok() == decoded.is_ok(), recorded.status().to_string());
  if (!decoded.is_ok())
    return;
  const EventView& ev = *decoded;
  FUZZ_CHECK(ev.position() > 0 && ev.version() > 0 && !ev.stream().empty(), "checked fields");
  FUZZ_CHECK(!ev.type_name().empty(), "a known type");
  FUZZ_CHECK(!ev.payload().empty(), "a payload");
  check_rendering(ev);
  const auto data = event_data_json(ev);
  if (data.is_ok())
    FUZZ_CHECK(data->starts_with("{") && data->ends_with("}"), *data);
}

void check_record(std::string_view bytes) {
  eventstore::AlignedBuffer buffer;
  const std::string_view aligned = buffer.assign(bytes);
  const auto record = eventstore::RecordView::parse(aligned, 1);
  if (!record.is_ok())
    return;
  FUZZ_CHECK(record->count() > 0, "a record holds events");
  for (uint32_t i = 0; i < record->count(); ++i) {
    const auto entry = record->entry(i);
    FUZZ_CHECK(reinterpret_cast<uintptr_t>(entry.data()) % 8 == 0, "entries are aligned");
    FUZZ_CHECK(entry.data() >= reinterpret_cast<const uint8_t*>(aligned.data()) &&
                   entry.data() + entry.size() <=
                       reinterpret_cast<const uint8_t*>(aligned.data() + aligned.size()),
               "entries lie inside the record");
    if (auto ev = decode_event(entry); ev.is_ok())
      check_rendering(*ev);
  }
}

// Bytes at an odd address: refused, never read misaligned.
void check_misaligned(std::span<const uint8_t> bytes) {
  std::vector<uint64_t> storage(bytes.size() / 8 + 2);
  auto* odd = reinterpret_cast<uint8_t*>(storage.data()) + 1;
  std::memcpy(odd, bytes.data(), bytes.size());
  FUZZ_CHECK(!decode_event({odd, bytes.size()}).is_ok(), "misaligned bytes decode");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> bytes(data, size);
  check_event(bytes);
  check_record({reinterpret_cast<const char*>(data), size});
  check_misaligned(bytes);
  return 0;
}
