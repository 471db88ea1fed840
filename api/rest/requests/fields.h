// Reads typed fields out of a JSON body and names every field that is
// missing or of the wrong type, so one 422 lists all of them.
#pragma once

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/uuid.h"

namespace orderly::api::rest::requests {

class Fields {
 public:
  explicit Fields(const boost::json::object& o) : o_(o) {}

  std::optional<std::string> str(std::string_view key, bool required, size_t max_bytes = 10'000);
  std::optional<int64_t> integer(std::string_view key, bool required);
  std::optional<Uuid> id(std::string_view key, bool required);
  std::optional<bool> boolean(std::string_view key, bool required);
  // Fields the body has that `known` does not list are refused (typos fail loudly).
  void only(std::initializer_list<std::string_view> known);

  bool ok() const { return errors_.empty(); }
  const std::vector<FieldError>& errors() const { return errors_; }
  void add(std::string field, std::string message) {
    errors_.push_back({std::move(field), std::move(message)});
  }

 private:
  const boost::json::object& o_;
  std::vector<FieldError> errors_;
};

}  // namespace orderly::api::rest::requests
