// The users read model: login looks users up by email or username (case
// folded), GET /api/auth/me by id, sign-in through a provider by identity,
// staff list and search them. A closed account keeps its row (its orders
// name it) but leaves the lookups: its email and username are free. It keeps the argon2id hash
// because login verifies passwords against it; no query result ever leaves the engine with it (the
// API maps rows to its own shapes).
#pragma once

#include <absl/container/flat_hash_map.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/account.h"

#include "core/clock.h"
#include "core/string_hash.h"
#include "projections/page.h"
#include "projections/projection.h"

namespace orderly::projections {

struct UserRow {
  std::string id, username, email, role, password_hash;
  TimestampUs created_at = 0;
  std::string display_name;
  bool email_verified = false;
  std::string status = "active";  // "active" | "deactivated" | "closed"
  // Access tokens issued before this (seconds) are refused: a reset,
  // deactivation or closing ended every session (0: none).
  int64_t sessions_revoked_at_s = 0;
  std::vector<Identity> identities;
  std::vector<Address> addresses;

  bool has_password() const { return !password_hash.empty(); }
  bool active() const { return status == "active"; }
};

// What staff search users by (GET /api/admin/users); empty: any.
struct UserQuery {
  std::string q;  // a part of the username, email or display name, any case
  std::string role, status;
  int page = 1, per_page = 20;
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
  std::optional<UserRow> find_by_identity(std::string_view issuer, std::string_view subject) const;
  // Newest first (created_at, then id). A scan: for staff, not per request.
  Page<UserRow> list(const UserQuery& query) const;
  size_t size() const;

 private:
  // Searched with string_view: no key copy per lookup.
  template <typename V>
  using StringMap = absl::flat_hash_map<std::string, V, StringHash, std::equal_to<>>;
  using Index = StringMap<std::string>;  // lower-case email or username -> id

  void index(const UserRow& u) REQUIRES(mutex_);
  bool indexes_rebuildable() const REQUIRES_SHARED(mutex_);
  void load_index(BinaryReader& in, Index& index) REQUIRES(mutex_);

  void unindex(const UserRow& u) REQUIRES(mutex_);

  StringMap<UserRow> users_ GUARDED_BY(mutex_);
  Index by_email_ GUARDED_BY(mutex_), by_username_ GUARDED_BY(mutex_);
  // identity_key(issuer, subject) -> id; derived from the rows.
  Index by_identity_ GUARDED_BY(mutex_);
};

}  // namespace orderly::projections
