#include "projections/users.h"
#include "core/text.h"

#include <boost/json.hpp>

#include "core/event_json.h"
#include "core/schemas/user_events_generated.h"

namespace orderly::projections {

namespace json = boost::json;

void UsersReadModel::index(const UserRow& u) {
  by_email_[ascii_lower(u.email)] = u.id;
  by_username_[ascii_lower(u.username)] = u.id;
}

void UsersReadModel::apply(const EventView& ev) {
  if (ev.type() == EventType::kUserRegistered) {
    const auto* e = ev.as<events::UserRegistered>();
    UserRow u{fb_string(e->user_id()), fb_string(e->username()),      fb_string(e->email()),
              fb_string(e->role()),    fb_string(e->password_hash()), ev.time_us()};
    index(u);
    dirty_.insert(u.id);
    users_[u.id] = std::move(u);
  } else if (ev.type() == EventType::kUserRoleChanged) {
    const auto* e = ev.as<events::UserRoleChanged>();
    if (auto it = users_.find(fb_string(e->user_id())); it != users_.end()) {
      it->second.role = fb_string(e->role());
      dirty_.insert(it->first);
    }
  }
}

RowChanges UsersReadModel::take_changes() {
  RowChanges out;
  for (const auto& id : dirty_) {
    const UserRow& u = users_.at(id);
    out.emplace_back("u/" + id,
                     "{\"id\":" + json_quote(u.id) + ",\"username\":" + json_quote(u.username) +
                         ",\"email\":" + json_quote(u.email) + ",\"role\":" + json_quote(u.role) +
                         ",\"password_hash\":" + json_quote(u.password_hash) +
                         ",\"created_at\":" + std::to_string(u.created_at) + "}");
  }
  dirty_.clear();
  return out;
}

Status UsersReadModel::load_row(std::string_view key, std::string_view value) {
  boost::system::error_code ec;
  json::value v = json::parse(value, ec);
  if (ec || !v.is_object())
    return Status::corruption("users row " + std::string(key) + " is damaged; rebuild it");
  try {
    const json::object& o = v.as_object();
    UserRow u{json::value_to<std::string>(o.at("id")),
              json::value_to<std::string>(o.at("username")),
              json::value_to<std::string>(o.at("email")),
              json::value_to<std::string>(o.at("role")),
              json::value_to<std::string>(o.at("password_hash")),
              o.at("created_at").to_number<int64_t>()};
    index(u);
    users_[u.id] = std::move(u);
  } catch (const std::exception& e) {
    return Status::corruption("users row " + std::string(key) + " is damaged (" + e.what() +
                              "); rebuild it");
  }
  return Status::ok();
}

void UsersReadModel::clear() {
  users_.clear();
  by_email_.clear();
  by_username_.clear();
  dirty_.clear();
}

std::optional<UserRow> UsersReadModel::get(std::string_view id) const {
  std::shared_lock lock(mutex());
  auto it = users_.find(std::string(id));
  if (it == users_.end())
    return std::nullopt;
  return it->second;
}

std::optional<UserRow> UsersReadModel::find_by_email(std::string_view email) const {
  std::shared_lock lock(mutex());
  auto it = by_email_.find(ascii_lower(email));
  if (it == by_email_.end())
    return std::nullopt;
  return users_.at(it->second);
}

std::optional<UserRow> UsersReadModel::find_by_username(std::string_view username) const {
  std::shared_lock lock(mutex());
  auto it = by_username_.find(ascii_lower(username));
  if (it == by_username_.end())
    return std::nullopt;
  return users_.at(it->second);
}

size_t UsersReadModel::size() const {
  std::shared_lock lock(mutex());
  return users_.size();
}

}  // namespace orderly::projections
