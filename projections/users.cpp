#include "projections/users.h"

#include <algorithm>

#include "core/event_json.h"
#include "core/schemas/user_events_generated.h"
#include "core/text.h"

namespace orderly::projections {

namespace {

// 2: the account (issue 21): display name, verification, status, sessions
// revoked at, identities, addresses.
constexpr uint32_t kSnapshotFormat = 2;
// The fewest bytes a saved user and index entry take, for BinaryReader::count.
constexpr size_t kUserBytes = 5 * 4 + 8 + 4 + 1 + 4 + 8 + 2 * 4;
constexpr size_t kIndexEntryBytes = 2 * 4;
constexpr size_t kAddressBytes = 16 + 7 * 4 + 1;

std::string user_json(const UserRow& u) {
  std::string out = "{\"id\":" + json_quote(u.id) + ",\"username\":" + json_quote(u.username) +
                    ",\"email\":" + json_quote(u.email) + ",\"role\":" + json_quote(u.role) +
                    ",\"password_hash\":" + json_quote(u.password_hash) +
                    ",\"created_at\":" + std::to_string(u.created_at) +
                    ",\"display_name\":" + json_quote(u.display_name) +
                    ",\"email_verified\":" + (u.email_verified ? "true" : "false") +
                    ",\"status\":" + json_quote(u.status) +
                    ",\"sessions_revoked_at_s\":" + std::to_string(u.sessions_revoked_at_s) +
                    ",\"identities\":[";
  for (size_t i = 0; i < u.identities.size(); ++i) {
    out += (i ? ",[" : "[") + json_quote(u.identities[i].issuer) + "," +
           json_quote(u.identities[i].subject) + "]";
  }
  out += "],\"addresses\":[";
  for (size_t i = 0; i < u.addresses.size(); ++i) {
    const Address& a = u.addresses[i];
    out += (i ? ",[" : "[") + json_quote(a.address_id.to_string());
    for (const std::string* f :
         {&a.name, &a.line1, &a.line2, &a.city, &a.postal_code, &a.country, &a.phone})
      out += "," + json_quote(*f);
    out += a.is_default ? ",true]" : ",false]";
  }
  return out + "]}";
}

template <typename Index>
void save_index(BinaryWriter& out, const Index& index) {
  out.count(index.size());
  for (const auto& [key, id] : index) {
    out.bytes(key);
    out.bytes(id);
  }
}

bool contains_folded(std::string_view text, std::string_view folded_part) {
  return ascii_lower(text).find(folded_part) != std::string::npos;
}

}  // namespace

void UsersReadModel::index(const UserRow& u) {
  if (u.status == "closed")
    return;  // a closed account is found by id only
  by_email_[ascii_lower(u.email)] = u.id;
  by_username_[ascii_lower(u.username)] = u.id;
  for (const Identity& i : u.identities)
    by_identity_[identity_key(i.issuer, i.subject)] = u.id;
}

void UsersReadModel::unindex(const UserRow& u) {
  auto drop = [&](Index& index, const std::string& key) {
    auto it = index.find(key);
    if (it != index.end() && it->second == u.id)
      index.erase(it);
  };
  drop(by_email_, ascii_lower(u.email));
  drop(by_username_, ascii_lower(u.username));
  for (const Identity& i : u.identities)
    drop(by_identity_, identity_key(i.issuer, i.subject));
}

void UsersReadModel::apply(const EventView& ev) {
  if (ev.type() == EventType::kUserRegistered) {
    const auto* e = ev.as<events::UserRegistered>();
    UserRow u;
    u.id = fb_string(e->user_id());
    u.username = fb_string(e->username());
    u.email = fb_string(e->email());
    u.role = fb_string(e->role());
    u.password_hash = fb_string(e->password_hash());
    u.created_at = ev.time_us();
    index(u);
    users_[u.id] = std::move(u);
    return;
  }
  // Every user event is in the stream "user-<id>".
  const std::string_view stream = ev.stream();
  if (!stream.starts_with("user-"))
    return;
  auto it = users_.find(stream.substr(5));
  if (it == users_.end())
    return;
  UserRow& u = it->second;
  const int64_t now_s = ev.time_us() / 1'000'000;
  switch (ev.type()) {
    case EventType::kUserRoleChanged:
      u.role = fb_string(ev.as<events::UserRoleChanged>()->role());
      break;
    case EventType::kUserProfileChanged: {
      const auto* e = ev.as<events::UserProfileChanged>();
      if (e->username()) {
        unindex(u);
        u.username = fb_string(e->username());
        index(u);
      }
      if (e->display_name())
        u.display_name = fb_string(e->display_name());
      break;
    }
    case EventType::kUserEmailChanged:
      unindex(u);
      u.email = fb_string(ev.as<events::UserEmailChanged>()->email());
      u.email_verified = false;
      index(u);
      break;
    case EventType::kUserEmailVerified:
      u.email_verified = true;
      break;
    case EventType::kUserPasswordChanged: {
      const auto* e = ev.as<events::UserPasswordChanged>();
      u.password_hash = fb_string(e->password_hash());
      if (fb_string(e->reason()) == "reset")
        u.sessions_revoked_at_s = now_s;
      break;
    }
    case EventType::kUserStatusChanged: {
      const std::string status = fb_string(ev.as<events::UserStatusChanged>()->status());
      if (status == "closed")
        unindex(u);
      u.status = status;
      if (status != "active")
        u.sessions_revoked_at_s = now_s;
      break;
    }
    case EventType::kUserIdentityLinked: {
      const auto* e = ev.as<events::UserIdentityLinked>();
      u.identities.push_back({fb_string(e->issuer()), fb_string(e->subject())});
      index(u);
      break;
    }
    default:
      fold_address_event(u.addresses, ev.type(), ev.payload().data());
      break;
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
// whether the email and username indexes are rebuilt from the users; if
// not, both as (key, id) pairs. The identity index is always rebuilt.
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
    out.bytes(u.display_name);
    out.boolean(u.email_verified);
    out.bytes(u.status);
    out.i64(u.sessions_revoked_at_s);
    out.count(u.identities.size());
    for (const Identity& i : u.identities) {
      out.bytes(i.issuer);
      out.bytes(i.subject);
    }
    out.count(u.addresses.size());
    for (const Address& a : u.addresses) {
      out.uuid(a.address_id);
      for (const std::string* f :
           {&a.name, &a.line1, &a.line2, &a.city, &a.postal_code, &a.country, &a.phone})
        out.bytes(*f);
      out.boolean(a.is_default);
    }
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
  size_t open = 0;
  auto holds = [](const Index& index, std::string_view key, const std::string& id) {
    auto it = index.find(ascii_lower(key));
    return it != index.end() && it->second == id;
  };
  for (const auto& [id, u] : users_) {
    if (u.status == "closed")
      continue;
    ++open;
    if (!holds(by_email_, u.email, id) || !holds(by_username_, u.username, id))
      return false;
  }
  return by_email_.size() == open && by_username_.size() == open;
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
    u.display_name = in.bytes();
    u.email_verified = in.boolean();
    u.status = in.bytes();
    u.sessions_revoked_at_s = in.i64();
    const size_t identities = in.count(2 * 4);
    for (size_t k = 0; k < identities && in.ok(); ++k) {
      Identity id;
      id.issuer = in.bytes();
      id.subject = in.bytes();
      u.identities.push_back(std::move(id));
    }
    const size_t addresses = in.count(kAddressBytes);
    for (size_t k = 0; k < addresses && in.ok(); ++k) {
      Address& a = u.addresses.emplace_back();
      a.address_id = in.uuid();
      for (std::string* f :
           {&a.name, &a.line1, &a.line2, &a.city, &a.postal_code, &a.country, &a.phone})
        *f = in.bytes();
      a.is_default = in.boolean();
    }
    if (u.status != "active" && u.status != "deactivated" && u.status != "closed")
      in.fail();
  }
  if (in.boolean()) {
    by_email_.reserve(users_.size());
    by_username_.reserve(users_.size());
    for (const auto& [id, u] : users_)
      index(u);
  } else {
    load_index(in, by_email_);
    load_index(in, by_username_);
    for (const auto& [id, u] : users_) {
      if (u.status == "closed")
        continue;
      for (const Identity& k : u.identities)
        by_identity_[identity_key(k.issuer, k.subject)] = id;
    }
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
  by_identity_.clear();
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

std::optional<UserRow> UsersReadModel::find_by_identity(std::string_view issuer,
                                                        std::string_view subject) const {
  ReaderLock lock(mutex_);
  auto it = by_identity_.find(identity_key(issuer, subject));
  if (it == by_identity_.end())
    return std::nullopt;
  return users_.at(it->second);
}

Page<UserRow> UsersReadModel::list(const UserQuery& query) const {
  auto page = Page<UserRow>::of(query.page, query.per_page);
  const std::string part = ascii_lower(query.q);
  std::vector<const UserRow*> hits;
  ReaderLock lock(mutex_);
  for (const auto& [id, u] : users_) {
    if ((!query.role.empty() && u.role != query.role) ||
        (!query.status.empty() && u.status != query.status))
      continue;
    if (!part.empty() && !contains_folded(u.username, part) && !contains_folded(u.email, part) &&
        !contains_folded(u.display_name, part))
      continue;
    hits.push_back(&u);
  }
  std::sort(hits.begin(), hits.end(), [](const UserRow* a, const UserRow* b) {
    return a->created_at != b->created_at ? a->created_at > b->created_at : a->id > b->id;
  });
  page.fill(hits.begin(), hits.end(), hits.size(), [](const UserRow* u) { return *u; });
  return page;
}

size_t UsersReadModel::size() const {
  ReaderLock lock(mutex_);
  return users_.size();
}

}  // namespace orderly::projections
