#include "commands/idempotency_keys.h"

#include <cstdio>
#include <cstdlib>

namespace orderly::commands {

namespace {

// Splits "<scope>|<fingerprint hex>"; false for other command ids.
bool parse_command_id(std::string_view id, std::string_view* scope, uint64_t* fingerprint) {
  const size_t bar = id.rfind('|');
  if (bar == std::string_view::npos || id.size() - bar - 1 != 16)
    return false;
  *scope = id.substr(0, bar);
  *fingerprint = std::strtoull(std::string(id.substr(bar + 1)).c_str(), nullptr, 16);
  return true;
}

uint64_t fingerprint_of(const Command& c, uint64_t request_fingerprint) {
  uint64_t z =
      request_fingerprint ^ ((static_cast<uint64_t>(c.index()) + 1) * 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  return z ^ (z >> 31);
}

// A refusal's answer again, from the event it recorded (after a restart the
// key is known from the log, not the words of the first answer).
Status refusal_recorded_by(EventType type) {
  switch (type) {
    case EventType::kCartItemPriceChanged:
      return {ErrorCode::kPriceChanged,
              "this checkout was refused: prices changed since the items were added, and the "
              "cart now shows the new prices; check out again (with a new Idempotency-Key) to "
              "accept them"};
    case EventType::kRefreshTokenFamilyRevoked:
      return Status::unauthorized("refresh token reused: its sessions were revoked");
    default:
      return Status::ok();
  }
}

}  // namespace

KeyCheck check_idempotency_key(const Command& command, CommandMeta& meta, const BatchKeys& batch,
                               const IdempotencyTable& earlier) {
  KeyCheck check;
  if (meta.idempotency_key.size() > kMaxIdempotencyKey) {
    check.status = Status::invalid_field("Idempotency-Key", "must be at most 255 bytes");
    return check;
  }
  check.scope = idempotency_scope(meta);
  meta.request_fingerprint = fingerprint_of(command, meta.request_fingerprint);
  const uint64_t legacy = meta.legacy_request_fingerprint == 0
                              ? meta.request_fingerprint
                              : fingerprint_of(command, meta.legacy_request_fingerprint);
  auto same_request = [&](uint64_t recorded) {
    return recorded == meta.request_fingerprint || recorded == legacy;
  };
  const Status reused{ErrorCode::kIdempotencyKeyReused,
                      "this Idempotency-Key was used with another request"};
  if (auto k = batch.find(check.scope); k != batch.end()) {
    if (!same_request(k->second.fingerprint)) {
      check.status = reused;
    } else {
      check.seen = KeyCheck::Seen::kInThisBatch;
      check.batch_entry = k->second.entry;
    }
  } else if (auto it = earlier.find(check.scope); it != earlier.end()) {
    if (!same_request(it->second.fingerprint)) {
      check.status = reused;
    } else {
      check.seen = KeyCheck::Seen::kInEarlierBatch;
      check.earlier = it->second;
    }
  }
  return check;
}

std::string command_id_of(const std::string& scope, uint64_t fingerprint) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fingerprint));
  return scope + "|" + hex;
}

void remember_logged_command(IdempotencyTable& table, const EventView& ev) {
  std::string_view scope;
  uint64_t fingerprint = 0;
  if (ev.command_id().empty() || !parse_command_id(ev.command_id(), &scope, &fingerprint))
    return;
  auto [it, fresh] = table.try_emplace(std::string(scope));
  if (fresh) {
    it->second = {fingerprint, ev.position(), ev.position(), std::string(ev.stream()), {}};
  } else {
    it->second.last = ev.position();
  }
  if (Status refusal = refusal_recorded_by(ev.type()); !refusal.is_ok())
    it->second.refusal = std::move(refusal);
}

}  // namespace orderly::commands
