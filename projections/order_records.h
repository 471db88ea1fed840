// OrderRecords: the state a read model keeps per order while the order can
// still change what the model shows (the catalog: stock; stats: revenue).
//
// Orders and their lines are plain records in two arrays, found through an
// OrderIndex: a rebuild folds millions of orders, so there is no allocation
// per order and no hash map miss per event, and a snapshot is the arrays'
// bytes. An order that ends is closed: no longer found, its record left in
// place until closed ones are half of all, when the arrays are compacted.
//
// Record is an unpadded, trivially copyable struct with at least
// `Uuid id; uint32_t first_line, line_count; uint8_t live;`, Line any
// unpadded, trivially copyable struct; both are saved as their bytes
// (BinaryWriter::pod_array).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/binary_codec.h"
#include "core/uuid.h"
#include "projections/order_index.h"

namespace orderly::projections {

template <typename Record, typename Line>
class OrderRecords {
 public:
  // The record of a live order, or null. Valid until the next place,
  // close or load.
  Record* find(const Uuid& id) {
    const uint32_t n = index_.find(id);
    return n == OrderIndex::kNone ? nullptr : &records_[n];
  }

  // The record for an order placed now, reset to Record{} with its id
  // (placed again while live: the same record, its old lines left behind).
  // Its lines follow with add_line.
  Record& place(const Uuid& id) {
    uint32_t n = index_.find(id);
    if (n == OrderIndex::kNone) {
      n = static_cast<uint32_t>(records_.size());
      records_.emplace_back();
      index_.insert(id, n);
    }
    Record& r = records_[n];
    r = Record{};
    r.id = id;
    r.live = 1;
    r.first_line = static_cast<uint32_t>(lines_.size());
    return r;
  }
  // REQUIRES: r is the record place() returned last.
  void add_line(Record& r, const Line& line) {
    lines_.push_back(line);
    ++r.line_count;
  }

  std::span<const Line> lines_of(const Record& r) const {
    return {lines_.data() + r.first_line, r.line_count};
  }

  // Ends a live order: find() no longer returns it. May compact, which
  // invalidates every Record pointer and reference.
  void close(Record& r) {
    index_.erase(r.id);
    r.live = 0;
    if (++closed_ >= kCompactAtLeast && closed_ * 2 >= records_.size())
      compact();
  }

  // f(record) for every live order, in placement order.
  template <typename F>
  void for_each_live(F&& f) const {
    for (const Record& r : records_) {
      if (r.live)
        f(r);
    }
  }
  size_t live() const { return index_.size(); }
  size_t saved_bytes() const {
    return 16 + records_.size() * sizeof(Record) + lines_.size() * sizeof(Line);
  }

  // Room for about `orders` orders (address space only until used).
  void reserve(size_t orders) {
    records_.reserve(orders);
    lines_.reserve(orders);
    index_.reserve(orders);
  }
  void clear() {
    records_.clear();
    lines_.clear();
    closed_ = 0;
    index_.clear();
  }

  // The arrays as they are, closed records included (fewer than half).
  void save(BinaryWriter& out) const {
    out.pod_array(std::span<const Record>(records_));
    out.pod_array(std::span<const Line>(lines_));
  }
  // Replaces the state with saved arrays and rebuilds the index. The bytes
  // are from disk: false (and the caller clears) when a record's flag or
  // line range is out of bounds, or a live id is there twice. The model
  // checks its own fields after (records(), lines()).
  bool load(BinaryReader& in) {
    clear();
    in.pod_array(records_);
    in.pod_array(lines_);
    if (!in.ok() || records_.size() >= OrderIndex::kNone)
      return false;
    index_.reserve(records_.size());
    for (size_t i = 0; i < records_.size(); ++i) {
      const Record& r = records_[i];
      if (r.live > 1 || uint64_t{r.first_line} + r.line_count > lines_.size())
        return false;
      if (!r.live)
        ++closed_;
      else if (!index_.insert(r.id, static_cast<uint32_t>(i)))
        return false;  // an order twice
    }
    return true;
  }
  const std::vector<Record>& records() const { return records_; }
  const std::vector<Line>& lines() const { return lines_; }

 private:
  static constexpr size_t kCompactAtLeast = 65536;

  void compact() {
    std::vector<Record> records;
    std::vector<Line> lines;
    records.reserve(records_.size() - closed_);
    index_.clear();
    for (const Record& r : records_) {
      if (!r.live)
        continue;
      Record& kept = records.emplace_back(r);
      kept.first_line = static_cast<uint32_t>(lines.size());
      const auto span = lines_of(r);
      lines.insert(lines.end(), span.begin(), span.end());
      // Placement order is nearly id order (UUIDv7): mostly appends.
      index_.insert(r.id, static_cast<uint32_t>(records.size() - 1));
    }
    records_ = std::move(records);
    lines_ = std::move(lines);
    closed_ = 0;
  }

  std::vector<Record> records_;  // in placement order, closed ones included
  std::vector<Line> lines_;      // every record's lines
  size_t closed_ = 0;            // records no longer live
  OrderIndex index_;             // live order id -> its index in records_
};

}  // namespace orderly::projections
