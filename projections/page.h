// One page of a list, as every list in the contract answers:
// {items, page (from 1), per_page (1 to 100), total}.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace orderly::projections {

template <typename T>
struct Page {
  std::vector<T> items;
  size_t total = 0;
  int page = 1;
  int per_page = 20;

  // The page asked for, brought within the contract's bounds.
  static Page of(int page, int per_page) {
    Page p;
    p.page = std::max(1, page);
    p.per_page = std::clamp(per_page, 1, 100);
    return p;
  }
  size_t offset() const { return static_cast<size_t>(page - 1) * static_cast<size_t>(per_page); }

  // Takes this page from [first, last), a range of `count` entries already in
  // list order; `resolve` turns an entry into an item.
  template <typename It, typename Resolve>
  void fill(It first, It last, size_t count, Resolve&& resolve) {
    total = count;
    size_t skip = offset();
    for (; first != last && items.size() < static_cast<size_t>(per_page); ++first) {
      if (skip > 0) {
        --skip;
        continue;
      }
      items.push_back(resolve(*first));
    }
  }
};

}  // namespace orderly::projections
