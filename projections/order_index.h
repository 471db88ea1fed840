// OrderIndex: order id -> a read model's record number, built for the ids
// this engine hands out.
//
// Order ids are UUIDv7 (CONTRACT.md): time-ordered and, from one server,
// strictly increasing. So a log places orders in nearly ascending id order,
// and the events that follow (confirm, pay, cancel, ship) mostly name
// recent orders. A hash map spreads those neighbours over hundreds of
// megabytes and pays a cache and TLB miss per event once a shop has
// millions of orders; here ids are kept in one sorted array, where a new id
// is an append and a recent one is found in the array's hot tail.
//
// Ids that arrive out of order land by a short insert near the tail (a few
// concurrent requests racing to the writer). Ids far older than the tail
// (imported or client-made ids) go to a hash map of stragglers instead, so
// no input makes an insert cost more than a tail's move.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/uuid.h"

namespace orderly::projections {

class OrderIndex {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  // The record number of `id`, or kNone.
  uint32_t find(const Uuid& id) const;
  // Adds id -> number (REQUIRES: number != kNone). False, and nothing
  // changed, when id is already there.
  bool insert(const Uuid& id, uint32_t number);
  // Removes id; false when it was not there.
  bool erase(const Uuid& id);
  size_t size() const { return sorted_ids_.size() - erased_ + stragglers_.size(); }
  void clear();
  void reserve(size_t n);

  // Every entry as f(id, number), in no particular order.
  template <typename F>
  void for_each(F&& f) const {
    for (size_t i = 0; i < sorted_ids_.size(); ++i) {
      if (numbers_[i] != kNone)
        f(sorted_ids_[i], numbers_[i]);
    }
    for (const auto& [id, number] : stragglers_)
      f(id, number);
  }

 private:
  // How far back from the newest id an out-of-order one is still inserted
  // into the sorted array (moving at most this many entries).
  static constexpr size_t kTail = 4096;
  // The first sorted position not less than id, searching the tail first.
  size_t lower_bound(const Uuid& id) const;
  void drop_erased();

  std::vector<Uuid> sorted_ids_;   // ascending
  std::vector<uint32_t> numbers_;  // numbers_[i] for sorted_ids_[i]; kNone: erased
  size_t erased_ = 0;              // kNone entries in numbers_
  absl::flat_hash_map<Uuid, uint32_t, UuidHash> stragglers_;
};

}  // namespace orderly::projections
