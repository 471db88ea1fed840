// A small binary encoding for snapshots (the writer's state, read models):
// fixed-width little-endian integers, length-prefixed byte strings and
// 16-byte ids, written in one pass into one string and read back in place.
// Arrays of plain records (pod_array) are written as their memory image:
// millions of fixed-size rows load with one copy instead of a call per
// field. Such records must have no padding (checked at compile time), and
// the image is little-endian (x86-64, AArch64): snapshots are a cache of
// the log, rebuilt from it wherever their format is refused.
//
// Snapshots are bytes from disk: BinaryReader never reads past its input,
// refuses counts that could not fit in what is left (so a damaged count never
// reserves gigabytes), and after the first failure returns zeros and stays
// failed; the caller checks ok() once at the end.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/status.h"
#include "core/uuid.h"

namespace orderly {

class BinaryWriter {
 public:
  // A writer that borrows big record arrays (pod_array) instead of copying
  // them: its output is pieces(), which point into those arrays, so the
  // caller keeps them unchanged (holds the model's lock) until the pieces
  // are written. Saves a copy and a fresh buffer of hundreds of megabytes.
  static BinaryWriter borrowing() {
    BinaryWriter w;
    w.borrow_ = true;
    return w;
  }

  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void boolean(bool v) { u8(v ? 1 : 0); }
  void u32(uint32_t v) { fixed(v); }
  void u64(uint64_t v) { fixed(v); }
  void i64(int64_t v) { fixed(static_cast<uint64_t>(v)); }
  void bytes(std::string_view v) {
    u32(static_cast<uint32_t>(v.size()));
    out_.append(v);
  }
  void uuid(const Uuid& v) {
    u64(v.hi);
    u64(v.lo);
  }
  // A container's element count (read back with BinaryReader::count).
  void count(size_t n) { u32(static_cast<uint32_t>(n)); }
  // A count, then the records' bytes as they are in memory.
  template <typename T>
  void pod_array(std::span<const T> records) {
    static_assert(is_pod_record<T>, "a pod_array record must be trivially copyable, unpadded");
    u64(records.size());
    const std::string_view bytes(reinterpret_cast<const char*>(records.data()),
                                 records.size_bytes());
    if (borrow_ && bytes.size() >= kBorrowAtLeast) {
      borrowed_.emplace_back(out_.size(), bytes);
      borrowed_bytes_ += bytes.size();
    } else if (!bytes.empty()) {
      out_.append(bytes);
    }
  }

  template <typename T>
  static constexpr bool is_pod_record =
      std::is_trivially_copyable_v<T>&& std::has_unique_object_representations_v<T>&&
          std::endian::native == std::endian::little;

  size_t size() const { return out_.size() + borrowed_bytes_; }
  void reserve(size_t n) {
    if (!borrow_)  // (the estimate counts the arrays it will not copy)
      out_.reserve(n);
  }
  // The output as consecutive pieces: the writer's own bytes with the
  // borrowed arrays in their places.
  std::vector<std::string_view> pieces() const {
    std::vector<std::string_view> out;
    size_t from = 0;
    for (const auto& [at, bytes] : borrowed_) {
      out.emplace_back(out_.data() + from, at - from);
      out.push_back(bytes);
      from = at;
    }
    out.emplace_back(out_.data() + from, out_.size() - from);
    return out;
  }
  std::string take() {
    if (borrowed_.empty())
      return std::move(out_);
    std::string all;
    all.reserve(size());
    for (const std::string_view piece : pieces())
      all.append(piece);
    return all;
  }

 private:
  static constexpr size_t kBorrowAtLeast = 64 << 10;
  bool borrow_ = false;
  std::vector<std::pair<size_t, std::string_view>> borrowed_;  // at out_ offsets
  size_t borrowed_bytes_ = 0;
  template <typename T>
  void fixed(T v) {
    char b[sizeof(T)];
    if constexpr (std::endian::native == std::endian::little) {
      std::memcpy(b, &v, sizeof(T));  // one store: snapshots are hundreds of MB
    } else {
      for (size_t i = 0; i < sizeof(T); ++i) {
        b[i] = static_cast<char>(v & 0xff);
        v = static_cast<T>(v >> 8);
      }
    }
    out_.append(b, sizeof(T));
  }
  std::string out_;
};

class BinaryReader {
 public:
  explicit BinaryReader(std::string_view in) : in_(in) {}

  uint8_t u8() { return take(1) ? static_cast<uint8_t>(in_[pos_ - 1]) : 0; }
  bool boolean() {
    const uint8_t v = u8();
    if (v > 1)
      fail();
    return v == 1;
  }
  uint32_t u32() { return static_cast<uint32_t>(fixed(4)); }
  uint64_t u64() { return fixed(8); }
  int64_t i64() { return static_cast<int64_t>(fixed(8)); }
  // A view into the input: valid as long as the input is.
  std::string_view bytes() {
    const uint32_t n = u32();
    if (!take(n))
      return {};
    return in_.substr(pos_ - n, n);
  }
  Uuid uuid() {
    Uuid v;
    v.hi = u64();
    v.lo = u64();
    return v;
  }
  // An element count written by BinaryWriter::count. Each element takes at
  // least `min_bytes` bytes, so a count that cannot fit in what is left is
  // damage: it fails the reader and returns 0 (safe to reserve() with).
  size_t count(size_t min_bytes) {
    const uint32_t n = u32();
    if (min_bytes > 0 && n > remaining() / min_bytes) {
      fail();
      return 0;
    }
    return n;
  }

  // Records written by BinaryWriter::pod_array, replacing `out`'s content.
  // The caller checks each record's fields: the bytes are from disk.
  template <typename T>
  void pod_array(std::vector<T>& out) {
    static_assert(BinaryWriter::is_pod_record<T>, "see BinaryWriter::pod_array");
    const uint64_t n = u64();
    out.clear();
    if (n > remaining() / sizeof(T)) {
      fail();
      return;
    }
    out.resize(n);
    if (n > 0)  // (an empty vector's data() may be null: no memcpy from it)
      std::memcpy(out.data(), in_.data() + pos_, n * sizeof(T));
    pos_ += n * sizeof(T);
  }

  bool ok() const { return ok_; }
  bool at_end() const { return pos_ == in_.size(); }
  size_t remaining() const { return in_.size() - pos_; }
  void fail() {
    ok_ = false;
    pos_ = in_.size();
  }
  // ok, or corruption naming `what` (e.g. "snapshot of read model orders").
  // Also fails when bytes are left over: a snapshot is read whole.
  Status finish(std::string_view what) const {
    if (ok_ && at_end())
      return Status::ok();
    return Status::corruption(std::string(what) + " is damaged or of another format");
  }

 private:
  bool take(size_t n) {
    if (!ok_ || n > remaining()) {
      fail();
      return false;
    }
    pos_ += n;
    return true;
  }
  uint64_t fixed(size_t width) {
    if (!take(width))
      return 0;
    const char* p = in_.data() + pos_ - width;
    if constexpr (std::endian::native == std::endian::little) {
      if (width == 8) {
        uint64_t v;
        std::memcpy(&v, p, 8);
        return v;
      }
      uint32_t v;
      std::memcpy(&v, p, 4);
      return v;
    }
    uint64_t v = 0;
    for (size_t i = width; i-- > 0;)
      v = (v << 8) | static_cast<uint8_t>(p[i]);
    return v;
  }
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace orderly
