// The notifications read model: GET /api/notifications, the history of
// messages (email, and WebSocket pushes: commands/ws_push_recorder.h) with
// their delivery status, attempts and last error; a user's own, or
// everyone's filtered by status and channel (admins).
#pragma once

#include <absl/container/flat_hash_map.h>

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "core/clock.h"
#include "core/string_hash.h"
#include "projections/page.h"
#include "projections/projection.h"

namespace orderly::projections {

struct NotificationRow {
  // status: pending | sent | failed (email); sent | dropped (websocket)
  std::string id, user_id, channel, template_name, status, last_error;
  uint32_t attempts = 0;
  TimestampUs created_at = 0, updated_at = 0;
};

using NotificationPage = Page<NotificationRow>;

// What a list shows; an empty field matches any value.
struct NotificationFilter {
  std::string_view user_id, status, channel;
};

class NotificationsReadModel final : public Projection {
 public:
  std::string_view name() const override { return "notifications"; }
  void apply(const EventView& event) override REQUIRES(mutex_);
  Rows rows() const override REQUIRES_SHARED(mutex_);
  void save(BinaryWriter& out) const override REQUIRES_SHARED(mutex_);
  Status load(BinaryReader& in) override REQUIRES(mutex_);
  void clear() override REQUIRES(mutex_);

  std::optional<NotificationRow> get(std::string_view id) const;
  // Newest first (created_at, then id).
  NotificationPage list(const NotificationFilter& filter, int page, int per_page) const;
  NotificationPage list(std::string_view user_id, int page, int per_page) const {
    return list(NotificationFilter{user_id, {}, {}}, page, per_page);
  }

 private:
  // Searched with string_view: no key copy per lookup.
  template <typename V>
  using StringMap = absl::flat_hash_map<std::string, V, StringHash, std::equal_to<>>;
  using Key = std::pair<TimestampUs, std::string>;  // created_at, id
  using UserNotifications = std::map<Key, bool>;

  void add_row(NotificationRow n) REQUIRES(mutex_);
  void index(const NotificationRow& n) REQUIRES(mutex_);
  void unindex(const NotificationRow& n) REQUIRES(mutex_);
  void set_status(NotificationRow& n, std::string_view status) REQUIRES(mutex_);
  NotificationPage list_all(const NotificationFilter& filter, int page, int per_page) const
      REQUIRES_SHARED(mutex_);
  bool by_user_rebuildable() const REQUIRES_SHARED(mutex_);
  void save_by_user(BinaryWriter& out) const REQUIRES_SHARED(mutex_);
  void load_by_user(BinaryReader& in) REQUIRES(mutex_);

  StringMap<NotificationRow> rows_ GUARDED_BY(mutex_);
  // user -> (created_at, id), for newest-first pages
  StringMap<UserNotifications> by_user_ GUARDED_BY(mutex_);
  // (channel, status) -> (created_at, id): everyone's, for the admins'
  // filtered pages. Derived from rows_ (not in the snapshot).
  std::map<std::pair<std::string, std::string>, std::set<Key>, std::less<>> by_kind_
      GUARDED_BY(mutex_);
};

}  // namespace orderly::projections
