#include "projections/order_index.h"

#include <algorithm>

namespace orderly::projections {

size_t OrderIndex::lower_bound(const Uuid& id) const {
  const size_t n = sorted_ids_.size();
  auto first = sorted_ids_.begin();
  auto last = sorted_ids_.end();
  if (n > kTail) {
    // Recent ids are the ones asked for: search the tail (in cache) alone
    // when id falls in it.
    const auto tail = sorted_ids_.begin() + static_cast<ptrdiff_t>(n - kTail);
    (*tail <= id ? first : last) = tail;
  }
  return static_cast<size_t>(std::lower_bound(first, last, id) - sorted_ids_.begin());
}

uint32_t OrderIndex::find(const Uuid& id) const {
  if (!sorted_ids_.empty() && id <= sorted_ids_.back()) {
    const size_t i = lower_bound(id);
    if (sorted_ids_[i] == id)
      return numbers_[i];  // (an id is never both here and a straggler)
  }
  if (stragglers_.empty())
    return kNone;
  auto it = stragglers_.find(id);
  return it == stragglers_.end() ? kNone : it->second;
}

bool OrderIndex::insert(const Uuid& id, uint32_t number) {
  const size_t n = sorted_ids_.size();
  // Stragglers are few (none from this engine's own ids): checked first so
  // an id never sits in both places, whatever erasures moved.
  if (!stragglers_.empty() && stragglers_.contains(id))
    return false;
  if (n == 0 || sorted_ids_.back() < id) {
    sorted_ids_.push_back(id);
    numbers_.push_back(number);
    return true;
  }
  const size_t i = lower_bound(id);
  if (sorted_ids_[i] == id) {
    if (numbers_[i] != kNone)
      return false;
    numbers_[i] = number;  // erased before: back in its place
    --erased_;
    return true;
  }
  if (n - i > kTail)
    return stragglers_.try_emplace(id, number).second;
  sorted_ids_.insert(sorted_ids_.begin() + static_cast<ptrdiff_t>(i), id);
  numbers_.insert(numbers_.begin() + static_cast<ptrdiff_t>(i), number);
  return true;
}

bool OrderIndex::erase(const Uuid& id) {
  if (!sorted_ids_.empty() && id <= sorted_ids_.back()) {
    const size_t i = lower_bound(id);
    if (sorted_ids_[i] == id) {
      if (numbers_[i] == kNone)
        return false;
      numbers_[i] = kNone;
      ++erased_;
      // Amortised: at least half the entries go, so each erase pays for
      // moving at most one other entry.
      if (erased_ >= kTail && erased_ * 2 >= sorted_ids_.size())
        drop_erased();
      return true;
    }
  }
  return stragglers_.erase(id) > 0;
}

void OrderIndex::drop_erased() {
  size_t kept = 0;
  for (size_t i = 0; i < sorted_ids_.size(); ++i) {
    if (numbers_[i] == kNone)
      continue;
    sorted_ids_[kept] = sorted_ids_[i];
    numbers_[kept] = numbers_[i];
    ++kept;
  }
  sorted_ids_.resize(kept);
  numbers_.resize(kept);
  erased_ = 0;
}

void OrderIndex::clear() {
  sorted_ids_.clear();
  numbers_.clear();
  erased_ = 0;
  stragglers_.clear();
}

void OrderIndex::reserve(size_t n) {
  sorted_ids_.reserve(n);
  numbers_.reserve(n);
}

}  // namespace orderly::projections
