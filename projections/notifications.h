// The notifications read model: GET /api/notifications, a user's history of
// messages with their delivery status, attempts and last error.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/clock.h"
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
  RowChanges take_changes() override;
  Status load_row(std::string_view key, std::string_view value) override;
  void clear() override;

  std::optional<NotificationRow> get(std::string_view id) const;
  NotificationPage list(std::string_view user_id, int page, int per_page) const;  // newest first

 private:
  std::unordered_map<std::string, NotificationRow> rows_;
  // user -> (created_at, id), for newest-first pages
  std::unordered_map<std::string, std::map<std::pair<TimestampUs, std::string>, bool>> by_user_;
  std::unordered_set<std::string> dirty_;
};

}  // namespace orderly::projections
