#include "projections/users.h"
#include "core/text.h"

#include "core/event_json.h"
#include "core/schemas/user_events_generated.h"

namespace orderly::projections {

namespace {

constexpr uint32_t kSnapshotFormat = 1;
// The fewest bytes a saved user and index entry take, for BinaryReader::count.
constexpr size_t kUserBytes = 5 * 4 + 8;
constexpr size_t kIndexEntryBytes = 2 * 4;

std::string user_json(const UserRow& u) {
  return "{\"id\":" + json_quote(u.id) + ",\"username\":" + json_quote(u.username) +
         ",\"email\":" + json_quote(u.email) + ",\"role\":" + json_quote(u.role) +
         ",\"password_hash\":" + json_quote(u.password_hash) +
         ",\"created_at\":" + std::to_string(u.created_at) + "}";
}

template <typename Index>
void save_index(BinaryWriter& out, const Index& index) {
  out.count(index.size());
  for (const auto& [key, id] : index) {
    out.bytes(key);
    out.bytes(id);
  }
}

}  // namespace

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
    users_[u.id] = std::move(u);
  } else if (ev.type() == EventType::kUserRoleChanged) {
    const auto* e = ev.as<events::UserRoleChanged>();
    if (auto it = users_.find(fb_string(e->user_id())); it != users_.end())
      it->second.role = fb_string(e->role());
  }
}

Rows UsersReadModel::rows() const {
  Rows out;
  out.reserve(users_.size());
  for (const auto& [id, u] : users_)
    out.emplace_back("u/" + id, user_json(u));
  return out;
}

// Snapshot layout: format, the users (their fields in UserRow order), then
// whether the indexes are rebuilt from the users; if not, both indexes as
// (key, id) pairs.
void UsersReadModel::save(BinaryWriter& out) const {
  out.u32(kSnapshotFormat);
  out.count(users_.size());
  for (const auto& [id, u] : users_) {
    out.bytes(u.id);
    out.bytes(u.username);
    out.bytes(u.email);
    out.bytes(u.role);
    out.bytes(u.password_hash);
    out.i64(u.created_at);
  }
  const bool rebuildable = indexes_rebuildable();
  out.boolean(rebuildable);
  if (!rebuildable) {
    save_index(out, by_email_);
    save_index(out, by_username_);
  }
}

// Whether index() over the users, in any order, gives the indexes back: it
// does unless two users fold to the same email or username (the later
// registration holds it), which a log with case-distinct duplicates can have.
bool UsersReadModel::indexes_rebuildable() const {
  if (by_email_.size() != users_.size() || by_username_.size() != users_.size())
    return false;
  auto holds = [](const Index& index, std::string_view key, const std::string& id) {
    auto it = index.find(ascii_lower(key));
    return it != index.end() && it->second == id;
  };
  for (const auto& [id, u] : users_) {
    if (!holds(by_email_, u.email, id) || !holds(by_username_, u.username, id))
      return false;
  }
  return true;
}

Status UsersReadModel::load(BinaryReader& in) {
  clear();
  if (in.u32() != kSnapshotFormat)
    in.fail();
  const size_t n = in.count(kUserBytes);
  users_.reserve(n);
  for (size_t i = 0; i < n && in.ok(); ++i) {
    auto [it, fresh] = users_.try_emplace(std::string(in.bytes()));
    if (!fresh)
      in.fail();  // a user twice: damage
    UserRow& u = it->second;
    u.id = it->first;
    u.username = in.bytes();
    u.email = in.bytes();
    u.role = in.bytes();
    u.password_hash = in.bytes();
    u.created_at = in.i64();
  }
  if (in.boolean()) {
    by_email_.reserve(users_.size());
    by_username_.reserve(users_.size());
    for (const auto& [id, u] : users_)
      index(u);
  } else {
    load_index(in, by_email_);
    load_index(in, by_username_);
  }
  Status status = in.finish("snapshot of read model users");
  if (!status.is_ok())
    clear();
  return status;
}

void UsersReadModel::load_index(BinaryReader& in, Index& index) {
  const size_t n = in.count(kIndexEntryBytes);
  index.reserve(n);
  for (size_t i = 0; i < n && in.ok(); ++i) {
    const std::string_view key = in.bytes();
    const std::string_view id = in.bytes();
    // The lookups read users_ by the id: it must be there.
    if (!users_.contains(id) || !index.try_emplace(std::string(key), id).second)
      in.fail();
  }
}

void UsersReadModel::clear() {
  users_.clear();
  by_email_.clear();
  by_username_.clear();
}

std::optional<UserRow> UsersReadModel::get(std::string_view id) const {
  ReaderLock lock(mutex_);
  auto it = users_.find(id);
  if (it == users_.end())
    return std::nullopt;
  return it->second;
}

std::optional<UserRow> UsersReadModel::find_by_email(std::string_view email) const {
  ReaderLock lock(mutex_);
  auto it = by_email_.find(ascii_lower(email));
  if (it == by_email_.end())
    return std::nullopt;
  return users_.at(it->second);
}

std::optional<UserRow> UsersReadModel::find_by_username(std::string_view username) const {
  ReaderLock lock(mutex_);
  auto it = by_username_.find(ascii_lower(username));
  if (it == by_username_.end())
    return std::nullopt;
  return users_.at(it->second);
}

size_t UsersReadModel::size() const {
  ReaderLock lock(mutex_);
  return users_.size();
}

}  // namespace orderly::projections
