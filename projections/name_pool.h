// NamePool: strings interned as dense numbers, for the product names that
// every order line carries (a shop has thousands of names and millions of
// lines).
//
// The names sit end to end in one buffer and the hash set holds only their
// 4-byte numbers, so interning a line's name probes a table of a few tens of
// kilobytes and compares against bytes packed together: a rebuild interns
// tens of millions of names, and a map of std::string keys spread over the
// heap missed the cache on nearly every one.
#pragma once

#include <absl/container/flat_hash_set.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace orderly::projections {

class NamePool {
 public:
  NamePool() : ids_(0, Hash{this}, Equal{this}) {}
  // The set's hasher points back here: a pool stays where it was made.
  NamePool(const NamePool&) = delete;
  NamePool& operator=(const NamePool&) = delete;

  // The number of `name`, numbering it when it is new (0, 1, 2, ...).
  uint32_t intern(std::string_view name);
  // REQUIRES: id < size().
  std::string_view operator[](uint32_t id) const {
    const size_t begin = id == 0 ? 0 : ends_[id - 1];
    return std::string_view(bytes_).substr(begin, ends_[id] - begin);
  }
  size_t size() const { return ends_.size(); }
  void clear();

 private:
  struct Hash {
    using is_transparent = void;
    const NamePool* pool;
    size_t operator()(std::string_view name) const;
    size_t operator()(uint32_t id) const { return (*this)((*pool)[id]); }
  };
  struct Equal {
    using is_transparent = void;
    const NamePool* pool;
    bool operator()(uint32_t a, uint32_t b) const { return a == b; }
    bool operator()(uint32_t id, std::string_view name) const { return (*pool)[id] == name; }
    bool operator()(std::string_view name, uint32_t id) const { return (*pool)[id] == name; }
  };

  std::string bytes_;         // every name, end to end
  std::vector<size_t> ends_;  // name i ends at ends_[i]
  absl::flat_hash_set<uint32_t, Hash, Equal> ids_;
};

}  // namespace orderly::projections
