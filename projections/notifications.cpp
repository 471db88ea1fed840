#include "projections/notifications.h"
#include "core/text.h"

#include "core/event_json.h"
#include "core/schemas/notification_events_generated.h"

namespace orderly::projections {

namespace {

constexpr uint32_t kSnapshotFormat = 1;
// The fewest bytes each saved element takes, for BinaryReader::count.
constexpr size_t kRowBytes = 6 * 4 + 4 + 8 + 8;  // six strings, attempts, two times
constexpr size_t kUserBytes = 4 + 4;             // user id, entry count
constexpr size_t kEntryBytes = 8 + 4;            // created_at, id

std::string notification_json(const NotificationRow& n) {
  return "{\"id\":" + json_quote(n.id) + ",\"user_id\":" + json_quote(n.user_id) +
         ",\"channel\":" + json_quote(n.channel) + ",\"template\":" + json_quote(n.template_name) +
         ",\"status\":" + json_quote(n.status) + ",\"attempts\":" + std::to_string(n.attempts) +
         ",\"last_error\":" + json_quote(n.last_error) +
         ",\"created_at\":" + std::to_string(n.created_at) +
         ",\"updated_at\":" + std::to_string(n.updated_at) + "}";
}

}  // namespace

// A notification id seen twice (refused by the writer, but a log could
// hold it): the later row replaces the earlier, and the user's list keeps
// both entries (see by_user_rebuildable).
void NotificationsReadModel::add_row(NotificationRow n) {
  by_user_[n.user_id][{n.created_at, n.id}] = true;
  auto [it, fresh] = rows_.try_emplace(n.id);
  if (!fresh)
    unindex(it->second);
  it->second = std::move(n);
  index(it->second);
}

void NotificationsReadModel::index(const NotificationRow& n) {
  by_kind_[{n.channel, n.status}].emplace(n.created_at, n.id);
}

void NotificationsReadModel::unindex(const NotificationRow& n) {
  auto it = by_kind_.find(std::pair{n.channel, n.status});
  if (it == by_kind_.end())
    return;
  it->second.erase(Key{n.created_at, n.id});
  if (it->second.empty())
    by_kind_.erase(it);
}

void NotificationsReadModel::set_status(NotificationRow& n, std::string_view status) {
  if (n.status == status)
    return;
  unindex(n);
  n.status = status;
  index(n);
}

void NotificationsReadModel::apply(const EventView& ev) {
  auto update = [&](const flatbuffers::String* id, auto&& change) REQUIRES(mutex_) {
    auto it = rows_.find(fb_string(id));
    if (it == rows_.end())
      return;
    change(it->second);
    it->second.updated_at = ev.time_us();
  };
  switch (ev.type()) {
    case EventType::kNotificationRequested: {
      const auto* e = ev.as<events::NotificationRequested>();
      NotificationRow n;
      n.id = fb_string(e->notification_id());
      n.user_id = fb_string(e->user_id());
      n.channel = fb_string(e->channel());
      n.template_name = fb_string(e->template_());
      n.status = "pending";
      n.created_at = n.updated_at = ev.time_us();
      add_row(std::move(n));
      break;
    }
    case EventType::kNotificationSent: {
      const auto* e = ev.as<events::NotificationSent>();
      update(e->notification_id(), [&](NotificationRow& n) REQUIRES(mutex_) {
        set_status(n, "sent");
        n.attempts = e->attempt();
      });
      break;
    }
    case EventType::kNotificationFailed: {
      const auto* e = ev.as<events::NotificationFailed>();
      update(e->notification_id(), [&](NotificationRow& n) REQUIRES(mutex_) {
        set_status(n, "failed");
        n.attempts = e->attempt();
        n.last_error = fb_string(e->error());
      });
      break;
    }
    case EventType::kNotificationRetryRequested:
      update(ev.as<events::NotificationRetryRequested>()->notification_id(),
             [&](NotificationRow& n) REQUIRES(mutex_) { set_status(n, "pending"); });
      break;
    case EventType::kWebSocketPushesRecorded: {
      // One row per push: created when it was queued for the client,
      // updated when its batch was recorded. Written is "sent", with one
      // attempt; a dropped push is never retried.
      const auto* pushes = ev.as<events::WebSocketPushesRecorded>()->pushes();
      if (pushes == nullptr)
        break;
      for (const events::WebSocketPush* p : *pushes) {
        // An id already shown stays as it is: a push never takes over
        // another notification (another user's, or an email's).
        if (rows_.contains(fb_string(p->notification_id())))
          continue;
        NotificationRow n;
        n.id = fb_string(p->notification_id());
        n.user_id = fb_string(p->user_id());
        n.channel = "websocket";
        n.template_name = fb_string(p->type());
        n.status = p->dropped() ? "dropped" : "sent";
        n.attempts = 1;
        n.last_error = fb_string(p->reason());
        n.created_at = p->pushed_at_us();
        n.updated_at = ev.time_us();
        add_row(std::move(n));
      }
      break;
    }
    default:
      break;
  }
}

Rows NotificationsReadModel::rows() const {
  Rows out;
  out.reserve(rows_.size());
  for (const auto& [id, n] : rows_)
    out.emplace_back("n/" + id, notification_json(n));
  return out;
}

// Snapshot layout: format, the notifications (their fields in
// NotificationRow order), then whether by_user_ is rebuilt from them; if
// not, by_user_ as is.
void NotificationsReadModel::save(BinaryWriter& out) const {
  out.u32(kSnapshotFormat);
  out.count(rows_.size());
  for (const auto& [id, n] : rows_) {
    out.bytes(n.id);
    out.bytes(n.user_id);
    out.bytes(n.channel);
    out.bytes(n.template_name);
    out.bytes(n.status);
    out.bytes(n.last_error);
    out.u32(n.attempts);
    out.i64(n.created_at);
    out.i64(n.updated_at);
  }
  const bool rebuildable = by_user_rebuildable();
  out.boolean(rebuildable);
  if (!rebuildable)
    save_by_user(out);
}

// Whether by_user_ holds exactly one entry per notification, its own: it
// does unless a notification id was requested twice (the first request's
// entry stays), which the writer refuses but a log could still hold. Every
// entry naming a notification that would give it, as many entries as
// notifications, means one each (a notification gives a single entry).
bool NotificationsReadModel::by_user_rebuildable() const {
  size_t entries = 0;
  for (const auto& [user, list] : by_user_) {
    for (const auto& [entry, unused] : list) {
      auto it = rows_.find(entry.second);
      if (it == rows_.end() || it->second.user_id != user || it->second.created_at != entry.first)
        return false;
    }
    entries += list.size();
  }
  return entries == rows_.size();
}

void NotificationsReadModel::save_by_user(BinaryWriter& out) const {
  out.count(by_user_.size());
  for (const auto& [user, list] : by_user_) {
    out.bytes(user);
    out.count(list.size());
    for (const auto& [entry, unused] : list) {
      out.i64(entry.first);
      out.bytes(entry.second);
    }
  }
}

Status NotificationsReadModel::load(BinaryReader& in) {
  clear();
  if (in.u32() != kSnapshotFormat)
    in.fail();
  const size_t n = in.count(kRowBytes);
  rows_.reserve(n);
  for (size_t i = 0; i < n && in.ok(); ++i) {
    auto [it, fresh] = rows_.try_emplace(std::string(in.bytes()));
    if (!fresh)
      in.fail();  // a notification twice: damage
    NotificationRow& row = it->second;
    row.id = it->first;
    row.user_id = in.bytes();
    row.channel = in.bytes();
    row.template_name = in.bytes();
    row.status = in.bytes();
    row.last_error = in.bytes();
    row.attempts = in.u32();
    row.created_at = in.i64();
    row.updated_at = in.i64();
  }
  if (in.boolean()) {
    for (const auto& [id, row] : rows_)
      by_user_[row.user_id].try_emplace({row.created_at, id}, true);
  } else {
    load_by_user(in);
  }
  for (const auto& [id, row] : rows_)
    index(row);
  Status status = in.finish("snapshot of read model notifications");
  if (!status.is_ok())
    clear();
  return status;
}

void NotificationsReadModel::load_by_user(BinaryReader& in) {
  const size_t users = in.count(kUserBytes);
  by_user_.reserve(users);
  for (size_t i = 0; i < users && in.ok(); ++i) {
    auto [it, fresh] = by_user_.try_emplace(std::string(in.bytes()));
    if (!fresh)
      in.fail();
    const size_t entries = in.count(kEntryBytes);
    for (size_t j = 0; j < entries && in.ok(); ++j) {
      const TimestampUs created_at = in.i64();
      const std::string_view id = in.bytes();
      // list() reads rows_ by the id: it must be there.
      if (!rows_.contains(id) ||
          !it->second.try_emplace({created_at, std::string(id)}, true).second)
        in.fail();
    }
  }
}

void NotificationsReadModel::clear() {
  rows_.clear();
  by_user_.clear();
  by_kind_.clear();
}

std::optional<NotificationRow> NotificationsReadModel::get(std::string_view id) const {
  ReaderLock lock(mutex_);
  auto it = rows_.find(id);
  if (it == rows_.end())
    return std::nullopt;
  return it->second;
}

NotificationPage NotificationsReadModel::list(const NotificationFilter& filter, int page,
                                              int per_page) const {
  ReaderLock lock(mutex_);
  if (filter.user_id.empty())
    return list_all(filter, page, per_page);
  NotificationPage out = NotificationPage::of(page, per_page);
  auto it = by_user_.find(filter.user_id);
  if (it == by_user_.end())
    return out;
  const UserNotifications& list = it->second;
  if (filter.status.empty() && filter.channel.empty()) {
    out.fill(list.rbegin(), list.rend(), list.size(), [&](const auto& e) {
      mutex_.assert_reader_held();  // called back under the caller's lock
      return rows_.at(e.first.second);
    });
    return out;
  }
  // One user's rows, filtered: a walk over that user's history.
  size_t skip = out.offset();
  for (auto e = list.rbegin(); e != list.rend(); ++e) {
    const NotificationRow& n = rows_.at(e->first.second);
    if ((!filter.status.empty() && n.status != filter.status) ||
        (!filter.channel.empty() && n.channel != filter.channel))
      continue;
    ++out.total;
    if (skip > 0)
      --skip;
    else if (out.items.size() < static_cast<size_t>(out.per_page))
      out.items.push_back(n);
  }
  return out;
}

// Everyone's: the (channel, status) sets that match, merged newest first.
// REQUIRES: the shared lock is held.
NotificationPage NotificationsReadModel::list_all(const NotificationFilter& filter, int page,
                                                  int per_page) const {
  NotificationPage out = NotificationPage::of(page, per_page);
  using It = std::set<Key>::const_reverse_iterator;
  std::vector<std::pair<It, It>> heads;
  for (const auto& [kind, keys] : by_kind_) {
    if ((!filter.channel.empty() && kind.first != filter.channel) ||
        (!filter.status.empty() && kind.second != filter.status))
      continue;
    heads.emplace_back(keys.rbegin(), keys.rend());
    out.total += keys.size();
  }
  size_t skip = out.offset();
  while (out.items.size() < static_cast<size_t>(out.per_page)) {
    std::pair<It, It>* newest = nullptr;
    for (auto& h : heads) {
      if (h.first != h.second && (newest == nullptr || *newest->first < *h.first))
        newest = &h;
    }
    if (newest == nullptr)
      break;
    const Key& key = *newest->first++;
    if (skip > 0)
      --skip;
    else
      out.items.push_back(rows_.at(key.second));
  }
  return out;
}

}  // namespace orderly::projections
