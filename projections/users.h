// The users read model: login looks users up by email or username (case
// folded), GET /api/auth/me by id. It keeps the argon2id hash because login
// verifies passwords against it; no query result ever leaves the engine with
// it (the API maps rows to its own shapes).
#pragma once

#include <absl/container/flat_hash_map.h>

#include <functional>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/string_hash.h"
#include "projections/projection.h"

namespace orderly::projections {

struct UserRow {
  std::string id, username, email, role, password_hash;
  TimestampUs created_at = 0;
};

class UsersReadModel final : public Projection {
 public:
  std::string_view name() const override { return "users"; }
  void apply(const EventView& event) override REQUIRES(mutex_);
  Rows rows() const override REQUIRES_SHARED(mutex_);
  void save(BinaryWriter& out) const override REQUIRES_SHARED(mutex_);
  Status load(BinaryReader& in) override REQUIRES(mutex_);
  void clear() override REQUIRES(mutex_);

  std::optional<UserRow> get(std::string_view id) const;
  std::optional<UserRow> find_by_email(std::string_view email) const;        // any case
  std::optional<UserRow> find_by_username(std::string_view username) const;  // any case
  size_t size() const;

 private:
  // Searched with string_view: no key copy per lookup.
  template <typename V>
  using StringMap = absl::flat_hash_map<std::string, V, StringHash, std::equal_to<>>;
  using Index = StringMap<std::string>;  // lower-case email or username -> id

  void index(const UserRow& u) REQUIRES(mutex_);
  bool indexes_rebuildable() const REQUIRES_SHARED(mutex_);
  void load_index(BinaryReader& in, Index& index) REQUIRES(mutex_);

  StringMap<UserRow> users_ GUARDED_BY(mutex_);
  Index by_email_ GUARDED_BY(mutex_), by_username_ GUARDED_BY(mutex_);
};

}  // namespace orderly::projections
