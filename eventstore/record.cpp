#include "eventstore/record.h"

#include <cstring>

#include "core/big_endian.h"

namespace orderly::eventstore {

namespace {

constexpr char kMagic[4] = {'O', 'R', 'E', 'C'};
constexpr uint8_t kRecordFormat = 1;
constexpr size_t kEntryHeaderSize = 8;

size_t pad8(size_t n) {
  return (n + 7) & ~size_t{7};
}

size_t offsets_end(uint32_t count) {
  return pad8(kRecordHeaderSize + 4 * size_t{count});
}

}  // namespace

void RecordBuilder::reset(uint64_t first_position) {
  first_position_ = first_position;
  offsets_.clear();
  body_.clear();
}

void RecordBuilder::add(std::span<const uint8_t> envelope) {
  offsets_.push_back(static_cast<uint32_t>(body_.size()));
  char header[kEntryHeaderSize] = {};
  put_le32(header, static_cast<uint32_t>(envelope.size()));
  body_.append(header, kEntryHeaderSize);
  body_.append(reinterpret_cast<const char*>(envelope.data()), envelope.size());
  body_.resize(pad8(body_.size()), '\0');
}

std::string_view RecordBuilder::finish() {
  const uint32_t n = count();
  const size_t body_start = offsets_end(n);
  out_.assign(body_start, '\0');
  std::memcpy(out_.data(), kMagic, 4);
  out_[4] = static_cast<char>(kRecordFormat);
  put_le32(out_.data() + 8, n);
  for (uint32_t i = 0; i < n; ++i) {
    put_le32(out_.data() + kRecordHeaderSize + 4 * size_t{i},
             static_cast<uint32_t>(body_start + offsets_[i]));
  }
  out_.append(body_);
  return out_;
}

Result<RecordView> RecordView::parse(std::string_view bytes, uint64_t first_position) {
  const std::string where = "record at position " + std::to_string(first_position);
  if (bytes.size() < kRecordHeaderSize || std::memcmp(bytes.data(), kMagic, 4) != 0) {
    return Status::corruption(where + ": bad header");
  }
  if (static_cast<uint8_t>(bytes[4]) != kRecordFormat) {
    return Status::corruption(where + ": unknown record format " +
                              std::to_string(static_cast<uint8_t>(bytes[4])));
  }
  const uint32_t count = get_le32(bytes.data() + 8);
  if (count == 0 || offsets_end(count) > bytes.size()) {
    return Status::corruption(where + ": bad event count " + std::to_string(count));
  }
  // Each entry must start 8-aligned after the offsets table, in increasing
  // order, with its length inside the record and before the next entry.
  size_t min_offset = offsets_end(count);
  for (uint32_t i = 0; i < count; ++i) {
    const size_t off = get_le32(bytes.data() + kRecordHeaderSize + 4 * size_t{i});
    if (off < min_offset || off % 8 != 0 || off + kEntryHeaderSize > bytes.size()) {
      return Status::corruption(where + ": bad offset of event " + std::to_string(i));
    }
    const size_t len = get_le32(bytes.data() + off);
    if (len == 0 || len > bytes.size() - off - kEntryHeaderSize) {
      return Status::corruption(where + ": bad length of event " + std::to_string(i));
    }
    min_offset = off + kEntryHeaderSize + len;
  }
  RecordView v;
  v.bytes_ = bytes;
  v.first_position_ = first_position;
  v.count_ = count;
  return v;
}

std::span<const uint8_t> RecordView::entry(uint32_t i) const {
  const size_t off = get_le32(bytes_.data() + kRecordHeaderSize + 4 * size_t{i});
  const size_t len = get_le32(bytes_.data() + off);
  return {reinterpret_cast<const uint8_t*>(bytes_.data() + off + kEntryHeaderSize), len};
}

std::string_view AlignedBuffer::assign(std::string_view bytes) {
  if (reinterpret_cast<uintptr_t>(bytes.data()) % 8 == 0)
    return bytes;  // already aligned
  words_.resize((bytes.size() + 7) / 8);
  std::memcpy(words_.data(), bytes.data(), bytes.size());
  return {reinterpret_cast<const char*>(words_.data()), bytes.size()};
}

}  // namespace orderly::eventstore
