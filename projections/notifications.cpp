#include "projections/notifications.h"
#include "core/text.h"

#include <boost/json.hpp>

#include <algorithm>

#include "core/event_json.h"
#include "core/schemas/notification_events_generated.h"

namespace orderly::projections {

namespace json = boost::json;

void NotificationsReadModel::apply(const EventView& ev) {
  auto update = [&](const flatbuffers::String* id, auto&& change) {
    auto it = rows_.find(fb_string(id));
    if (it == rows_.end())
      return;
    change(it->second);
    it->second.updated_at = ev.time_us();
    dirty_.insert(it->first);
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
      by_user_[n.user_id][{n.created_at, n.id}] = true;
      dirty_.insert(n.id);
      rows_[n.id] = std::move(n);
      break;
    }
    case EventType::kNotificationSent: {
      const auto* e = ev.as<events::NotificationSent>();
      update(e->notification_id(), [&](NotificationRow& n) {
        n.status = "sent";
        n.attempts = e->attempt();
      });
      break;
    }
    case EventType::kNotificationFailed: {
      const auto* e = ev.as<events::NotificationFailed>();
      update(e->notification_id(), [&](NotificationRow& n) {
        n.status = "failed";
        n.attempts = e->attempt();
        n.last_error = fb_string(e->error());
      });
      break;
    }
    case EventType::kNotificationRetryRequested:
      update(ev.as<events::NotificationRetryRequested>()->notification_id(),
             [](NotificationRow& n) { n.status = "pending"; });
      break;
    default:
      break;
  }
}

RowChanges NotificationsReadModel::take_changes() {
  RowChanges out;
  for (const auto& id : dirty_) {
    const NotificationRow& n = rows_.at(id);
    out.emplace_back(
        "n/" + id,
        "{\"id\":" + json_quote(n.id) + ",\"user_id\":" + json_quote(n.user_id) + ",\"channel\":" +
            json_quote(n.channel) + ",\"template\":" + json_quote(n.template_name) +
            ",\"status\":" + json_quote(n.status) + ",\"attempts\":" + std::to_string(n.attempts) +
            ",\"last_error\":" + json_quote(n.last_error) + ",\"created_at\":" +
            std::to_string(n.created_at) + ",\"updated_at\":" + std::to_string(n.updated_at) + "}");
  }
  dirty_.clear();
  return out;
}

Status NotificationsReadModel::load_row(std::string_view key, std::string_view value) {
  boost::system::error_code ec;
  json::value v = json::parse(value, ec);
  if (ec || !v.is_object())
    return Status::corruption("notifications row " + std::string(key) + " is damaged");
  try {
    const json::object& o = v.as_object();
    NotificationRow n;
    n.id = json::value_to<std::string>(o.at("id"));
    n.user_id = json::value_to<std::string>(o.at("user_id"));
    n.channel = json::value_to<std::string>(o.at("channel"));
    n.template_name = json::value_to<std::string>(o.at("template"));
    n.status = json::value_to<std::string>(o.at("status"));
    n.attempts = o.at("attempts").to_number<uint32_t>();
    n.last_error = json::value_to<std::string>(o.at("last_error"));
    n.created_at = o.at("created_at").to_number<int64_t>();
    n.updated_at = o.at("updated_at").to_number<int64_t>();
    by_user_[n.user_id][{n.created_at, n.id}] = true;
    rows_[n.id] = std::move(n);
  } catch (const std::exception& e) {
    return Status::corruption("notifications row " + std::string(key) + " is damaged (" + e.what() +
                              ")");
  }
  return Status::ok();
}

void NotificationsReadModel::clear() {
  rows_.clear();
  by_user_.clear();
  dirty_.clear();
}

std::optional<NotificationRow> NotificationsReadModel::get(std::string_view id) const {
  std::shared_lock lock(mutex());
  auto it = rows_.find(std::string(id));
  if (it == rows_.end())
    return std::nullopt;
  return it->second;
}

NotificationPage NotificationsReadModel::list(std::string_view user_id, int page,
                                              int per_page) const {
  std::shared_lock lock(mutex());
  NotificationPage out = NotificationPage::of(page, per_page);
  auto it = by_user_.find(std::string(user_id));
  if (it == by_user_.end())
    return out;
  out.fill(it->second.rbegin(), it->second.rend(), it->second.size(),
           [&](const auto& e) { return rows_.at(e.first.second); });
  return out;
}

}  // namespace orderly::projections
