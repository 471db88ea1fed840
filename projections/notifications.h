// The notifications read model: GET /api/notifications, a user's history of
// messages with their delivery status, attempts and last error.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "core/clock.h"
#include "core/string_hash.h"
#include "projections/page.h"
#include "projections/projection.h"

namespace orderly::projections {

struct NotificationRow {
  std::string id, user_id, channel, template_name, status,
      last_error;  // status: pending | sent | failed
  uint32_t attempts = 0;
  TimestampUs created_at = 0, updated_at = 0;
};

using NotificationPage = Page<NotificationRow>;

class NotificationsReadModel final : public Projection {
 public:
  std::string_view name() const override { return "notifications"; }
  void apply(const EventView& event) override;
  Rows rows() const override;
  void save(BinaryWriter& out) const override;
  Status load(BinaryReader& in) override;
  void clear() override;

  std::optional<NotificationRow> get(std::string_view id) const;
  NotificationPage list(std::string_view user_id, int page, int per_page) const;  // newest first

 private:
  // Searched with string_view: no key copy per lookup.
  template <typename V>
  using StringMap = absl::flat_hash_map<std::string, V, StringHash, std::equal_to<>>;
  using UserNotifications = std::map<std::pair<TimestampUs, std::string>, bool>;

  bool by_user_rebuildable() const;
  void save_by_user(BinaryWriter& out) const;
  void load_by_user(BinaryReader& in);

  StringMap<NotificationRow> rows_;
  // user -> (created_at, id), for newest-first pages
  StringMap<UserNotifications> by_user_;
};

}  // namespace orderly::projections
