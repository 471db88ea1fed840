#include "api/rest/requests/fields.h"

#include <boost/json.hpp>

#include <algorithm>

namespace orderly::api::rest::requests {

std::optional<std::string> Fields::str(std::string_view key, bool required, size_t max_bytes) {
  auto it = o_.find(key);
  if (it == o_.end() || it->value().is_null()) {
    if (required)
      add(std::string(key), "is required");
    return std::nullopt;
  }
  if (!it->value().is_string()) {
    add(std::string(key), "must be a string");
    return std::nullopt;
  }
  const auto& s = it->value().as_string();
  if (s.size() > max_bytes) {
    add(std::string(key), "is longer than " + std::to_string(max_bytes) + " bytes");
    return std::nullopt;
  }
  return std::string(s);
}

std::optional<int64_t> Fields::integer(std::string_view key, bool required) {
  auto it = o_.find(key);
  if (it == o_.end() || it->value().is_null()) {
    if (required)
      add(std::string(key), "is required");
    return std::nullopt;
  }
  const auto& v = it->value();
  if (v.is_int64())
    return v.as_int64();
  if (v.is_uint64() && v.as_uint64() <= static_cast<uint64_t>(INT64_MAX))
    return static_cast<int64_t>(v.as_uint64());
  add(std::string(key), "must be an integer");
  return std::nullopt;
}

std::optional<bool> Fields::boolean(std::string_view key, bool required) {
  auto it = o_.find(key);
  if (it == o_.end() || it->value().is_null()) {
    if (required)
      add(std::string(key), "is required");
    return std::nullopt;
  }
  if (!it->value().is_bool()) {
    add(std::string(key), "must be true or false");
    return std::nullopt;
  }
  return it->value().as_bool();
}

std::optional<Uuid> Fields::id(std::string_view key, bool required) {
  auto s = str(key, required, 64);
  if (!s)
    return std::nullopt;
  auto id = Uuid::parse(*s);
  if (!id)
    add(std::string(key), "is not an id");
  return id;
}

void Fields::only(std::initializer_list<std::string_view> known) {
  for (const auto& kv : o_) {
    if (std::find(known.begin(), known.end(), kv.key()) == known.end())
      add(std::string(kv.key()), "is not a known field");
  }
}

}  // namespace orderly::api::rest::requests
