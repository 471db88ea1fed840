// Framing of events into log records (see LOG_FORMAT.md, "Records").
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace orderly::eventstore {

inline constexpr size_t kRecordHeaderSize = 16;

// Accumulates envelopes into one record. Reused across commits: reset() keeps
// the buffers' capacity, so steady-state building allocates nothing.
//
// Thread safety: none; one builder per writer.
class RecordBuilder {
 public:
  void reset(uint64_t first_position);
  void add(std::span<const uint8_t> envelope);

  uint64_t first_position() const { return first_position_; }
  uint32_t count() const { return static_cast<uint32_t>(offsets_.size()); }
  size_t approximate_size() const { return body_.size() + offsets_.size() * 4 + kRecordHeaderSize; }

  // The finished record's bytes. REQUIRES: count() > 0.
  // The view stays valid until the next reset() or add().
  std::string_view finish();

 private:
  uint64_t first_position_ = 0;
  std::vector<uint32_t> offsets_;  // relative to the start of body_
  std::string body_;
  std::string out_;
};

// A parsed record header over bytes the caller keeps alive.
//
// REQUIRES for entry(): the record's bytes start 8-byte aligned, so entries are
// aligned too (use AlignedBuffer when the source gives no such promise).
class RecordView {
 public:
  // Checks the header and the offsets table; a damaged record is corruption.
  static Result<RecordView> parse(std::string_view bytes, uint64_t first_position);

  uint64_t first_position() const { return first_position_; }
  uint32_t count() const { return count_; }
  uint64_t last_position() const { return first_position_ + count_ - 1; }
  // The envelope bytes of the i-th event. REQUIRES: i < count().
  std::span<const uint8_t> entry(uint32_t i) const;

 private:
  std::string_view bytes_;
  uint64_t first_position_ = 0;
  uint32_t count_ = 0;
};

// Owns a copy of bytes at an 8-byte aligned address, reusing its storage.
class AlignedBuffer {
 public:
  std::string_view assign(std::string_view bytes);

 private:
  std::vector<uint64_t> words_;
};

}  // namespace orderly::eventstore
