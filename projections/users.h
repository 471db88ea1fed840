// The users read model: login looks users up by email or username (case
// folded), GET /api/auth/me by id. It keeps the argon2id hash because login
// verifies passwords against it; no query result ever leaves the engine with
// it (the API maps rows to its own shapes).
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "core/clock.h"
#include "projections/projection.h"

namespace orderly::projections {

struct UserRow {
  std::string id, username, email, role, password_hash;
  TimestampUs created_at = 0;
};

class UsersReadModel final : public Projection {
 public:
  std::string_view name() const override { return "users"; }
  void apply(const EventView& event) override;
  RowChanges take_changes() override;
  Status load_row(std::string_view key, std::string_view value) override;
  void clear() override;

  std::optional<UserRow> get(std::string_view id) const;
  std::optional<UserRow> find_by_email(std::string_view email) const;        // any case
  std::optional<UserRow> find_by_username(std::string_view username) const;  // any case
  size_t size() const;

 private:
  void index(const UserRow& u);
  std::unordered_map<std::string, UserRow> users_;
  std::unordered_map<std::string, std::string> by_email_, by_username_;  // lower-case -> id
  std::unordered_set<std::string> dirty_;
};

}  // namespace orderly::projections
