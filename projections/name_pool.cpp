#include "projections/name_pool.h"

#include <absl/hash/hash.h>

namespace orderly::projections {

size_t NamePool::Hash::operator()(std::string_view name) const {
  return absl::Hash<std::string_view>{}(name);
}

uint32_t NamePool::intern(std::string_view name) {
  if (auto it = ids_.find(name); it != ids_.end())
    return *it;
  const auto id = static_cast<uint32_t>(ends_.size());
  bytes_.append(name);
  ends_.push_back(bytes_.size());
  ids_.insert(id);
  return id;
}

void NamePool::clear() {
  ids_.clear();
  bytes_.clear();
  ends_.clear();
}

}  // namespace orderly::projections
