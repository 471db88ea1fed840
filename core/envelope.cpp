#include "core/envelope.h"

#include <cstring>

#include <string>

#include "core/schemas/envelope_generated.h"

namespace orderly {

namespace {

constexpr flatbuffers::uoffset_t kEnvelopeMaxDepth = 8;
constexpr flatbuffers::uoffset_t kEnvelopeMaxTables = 16;
constexpr size_t kPayloadAlignment = 8;

flatbuffers::Offset<flatbuffers::String> optional_string(flatbuffers::FlatBufferBuilder& fbb,
                                                         std::string_view s) {
  if (s.empty())
    return 0;
  return fbb.CreateString(s.data(), s.size());
}

Status check_envelope(std::span<const uint8_t> bytes, const schema::Envelope** out) {
  if (bytes.size() < 8) {
    return Status::corruption("event is " + std::to_string(bytes.size()) + " bytes, too short");
  }
  if (reinterpret_cast<uintptr_t>(bytes.data()) % kPayloadAlignment != 0) {
    return Status::internal("event bytes are not 8-byte aligned");
  }
  flatbuffers::Verifier v(bytes.data(), bytes.size(), kEnvelopeMaxDepth, kEnvelopeMaxTables);
  if (!schema::VerifyEnvelopeBuffer(v)) {
    return Status::corruption("event envelope fails verification (damaged or not an event)");
  }
  const schema::Envelope* env = schema::GetEnvelope(bytes.data());
  if (env->stream() == nullptr || env->stream()->size() == 0) {
    return Status::corruption("event envelope has no stream");
  }
  if (env->position() == 0 || env->version() == 0) {
    return Status::corruption("event envelope has position or version 0");
  }
  if (!is_known_event_type(env->type())) {
    return Status::corruption("unknown event type id " + std::to_string(env->type()) +
                              " at position " + std::to_string(env->position()));
  }
  const auto type = static_cast<EventType>(env->type());
  if (env->schema_version() == 0 || env->schema_version() > current_schema_version(type)) {
    return Status::corruption("event type " + std::string(event_type_name(type)) +
                              " has unsupported schema version " +
                              std::to_string(env->schema_version()));
  }
  *out = env;
  return Status::ok();
}

}  // namespace

void build_envelope(flatbuffers::FlatBufferBuilder& fbb, const EnvelopeFields& f) {
  fbb.Clear();
  fbb.ForceVectorAlignment(f.payload.size(), 1, kPayloadAlignment);
  auto payload = fbb.CreateVector(f.payload.data(), f.payload.size());
  auto causation = optional_string(fbb, f.causation_id);
  auto correlation = optional_string(fbb, f.correlation_id);
  auto command = optional_string(fbb, f.command_id);
  auto stream = fbb.CreateString(f.stream.data(), f.stream.size());
  schema::EnvelopeBuilder b(fbb);
  b.add_position(f.position);
  b.add_version(f.version);
  b.add_time_us(f.time_us);
  b.add_payload(payload);
  b.add_causation_id(causation);
  b.add_correlation_id(correlation);
  b.add_command_id(command);
  b.add_stream(stream);
  b.add_type(static_cast<uint16_t>(f.type));
  b.add_schema_version(f.schema_version);
  schema::FinishEnvelopeBuffer(fbb, b.Finish());
}

uint64_t EventView::position() const {
  return env_->position();
}
uint64_t EventView::version() const {
  return env_->version();
}
TimestampUs EventView::time_us() const {
  return env_->time_us();
}
EventType EventView::type() const {
  return static_cast<EventType>(env_->type());
}
uint16_t EventView::schema_version() const {
  return env_->schema_version();
}

static std::string_view view_of(const flatbuffers::String* s) {
  return s ? std::string_view(s->data(), s->size()) : std::string_view();
}

std::string_view EventView::stream() const {
  return view_of(env_->stream());
}
std::string_view EventView::command_id() const {
  return view_of(env_->command_id());
}
std::string_view EventView::correlation_id() const {
  return view_of(env_->correlation_id());
}
std::string_view EventView::causation_id() const {
  return view_of(env_->causation_id());
}

std::span<const uint8_t> EventView::payload() const {
  const auto* p = env_->payload();
  if (p == nullptr)
    return {};
  return {p->data(), p->size()};
}

Result<EventView> decode_envelope_only(std::span<const uint8_t> bytes) {
  const schema::Envelope* env = nullptr;
  ORDERLY_RETURN_IF_ERROR(check_envelope(bytes, &env));
  return EventView(env, bytes);
}

Status verify_event_payload(const EventView& view) {
  const auto payload = view.payload();
  if (payload.empty() || reinterpret_cast<uintptr_t>(payload.data()) % kPayloadAlignment != 0 ||
      !verify_payload(view.type(), payload)) {
    return Status::corruption("payload of " + std::string(view.type_name()) + " at position " +
                              std::to_string(view.position()) + " fails verification");
  }
  return Status::ok();
}

Result<EventView> decode_event(std::span<const uint8_t> bytes) {
  const schema::Envelope* env = nullptr;
  ORDERLY_RETURN_IF_ERROR(check_envelope(bytes, &env));
  EventView view(env, bytes);
  ORDERLY_RETURN_IF_ERROR(verify_event_payload(view));
  // Upcasting hook: when a type's schema version moves past 1, older payloads
  // are converted here before anyone reads them.
  return view;
}

Result<EventView> decode_event_copy(std::span<const uint8_t> bytes,
                                    std::vector<uint64_t>& storage) {
  storage.assign((bytes.size() + 7) / 8, 0);
  if (!bytes.empty())  // memcpy's pointers must not be null, even for 0 bytes
    std::memcpy(storage.data(), bytes.data(), bytes.size());
  return decode_event({reinterpret_cast<const uint8_t*>(storage.data()), bytes.size()});
}

}  // namespace orderly
