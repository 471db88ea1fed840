// A hash map split into 64 independent shards by key hash.
//
// Why: a single table that doubles rehashes every entry at once, a pause that
// grows with the table (tens of milliseconds at a few hundred thousand
// entries) and lands on whichever command inserted the entry that tipped it.
// With 64 shards each doubling moves 1/64th of the entries, so the same work
// comes in small pieces spread over many inserts, and the writer's tail
// latency stays flat as the shop grows. Lookups cost one extra shift.
//
// `Map` is any unordered-map-like container (std::unordered_map keeps
// pointers to values stable across inserts; absl::flat_hash_map does not).
// The hasher must be transparent if lookups use another key type.
#pragma once

#include <array>
#include <cstddef>
#include <iterator>
#include <stdexcept>
#include <type_traits>
#include <utility>

namespace orderly {

template <typename Map>
class ShardedMap {
 public:
  static constexpr size_t kShards = 64;
  using key_type = typename Map::key_type;
  using mapped_type = typename Map::mapped_type;
  using value_type = typename Map::value_type;
  using hasher = typename Map::hasher;

  template <bool Const>
  class Iter {
   public:
    using Owner = std::conditional_t<Const, const ShardedMap, ShardedMap>;
    using Inner = std::conditional_t<Const, typename Map::const_iterator, typename Map::iterator>;
    using iterator_category = std::forward_iterator_tag;
    using value_type = typename Map::value_type;
    using difference_type = std::ptrdiff_t;
    using reference = std::conditional_t<Const, const value_type&, value_type&>;
    using pointer = std::conditional_t<Const, const value_type*, value_type*>;

    Iter() = default;
    Iter(Owner* owner, size_t shard, Inner it) : owner_(owner), shard_(shard), it_(it) {
      skip_empty();
    }
    reference operator*() const { return *it_; }
    pointer operator->() const { return &*it_; }
    Iter& operator++() {
      ++it_;
      skip_empty();
      return *this;
    }
    bool operator==(const Iter& o) const {
      return shard_ == o.shard_ && (shard_ == kShards || it_ == o.it_);
    }
    operator Iter<true>() const {
      return Iter<true>(owner_, shard_, it_);
    }  // NOLINT: iterator -> const_iterator

   private:
    void skip_empty() {
      while (shard_ < kShards && it_ == owner_->shards_[shard_].end()) {
        if (++shard_ < kShards)
          it_ = owner_->shards_[shard_].begin();
      }
    }
    Owner* owner_ = nullptr;
    size_t shard_ = kShards;
    Inner it_{};
  };
  using iterator = Iter<false>;
  using const_iterator = Iter<true>;

  iterator begin() { return iterator(this, 0, shards_[0].begin()); }
  iterator end() { return iterator(this, kShards, {}); }
  const_iterator begin() const { return const_iterator(this, 0, shards_[0].begin()); }
  const_iterator end() const { return const_iterator(this, kShards, {}); }

  template <typename K>
  iterator find(const K& key) {
    const size_t s = shard_of(key);
    auto it = shards_[s].find(key);
    return it == shards_[s].end() ? end() : iterator(this, s, it);
  }
  template <typename K>
  const_iterator find(const K& key) const {
    const size_t s = shard_of(key);
    auto it = shards_[s].find(key);
    return it == shards_[s].end() ? end() : const_iterator(this, s, it);
  }
  template <typename K>
  size_t count(const K& key) const {
    return shards_[shard_of(key)].count(key);
  }
  mapped_type& operator[](const key_type& key) { return shards_[shard_of(key)][key]; }
  mapped_type& at(const key_type& key) { return shards_[shard_of(key)].at(key); }
  const mapped_type& at(const key_type& key) const { return shards_[shard_of(key)].at(key); }

  template <typename K, typename... Args>
  std::pair<iterator, bool> try_emplace(K&& key, Args&&... args) {
    const size_t s = shard_of(key);
    auto [it, inserted] = shards_[s].try_emplace(std::forward<K>(key), std::forward<Args>(args)...);
    return {iterator(this, s, it), inserted};
  }
  template <typename K, typename V>
  std::pair<iterator, bool> emplace(K&& key, V&& value) {
    return try_emplace(std::forward<K>(key), std::forward<V>(value));
  }
  template <typename K>
  size_t erase(const K& key) {
    return shards_[shard_of(key)].erase(key);
  }

  size_t size() const {
    size_t n = 0;
    for (const auto& s : shards_)
      n += s.size();
    return n;
  }
  bool empty() const { return size() == 0; }
  void clear() {
    for (auto& s : shards_)
      s.clear();
  }
  void reserve(size_t n) {
    for (auto& s : shards_)
      s.reserve(n / kShards + 1);
  }

  bool operator==(const ShardedMap& o) const { return shards_ == o.shards_; }

 private:
  template <typename K>
  size_t shard_of(const K& key) const {
    // The top bits pick the shard; the shard's table uses the full hash.
    return static_cast<size_t>(hasher{}(key) >> (sizeof(size_t) * 8 - 6));
  }

  std::array<Map, kShards> shards_;
};

}  // namespace orderly
