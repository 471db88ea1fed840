// Random sequences of account commands (issue 21): after every command the
// account indexes agree with the users (every open account holds its
// username, email and identities; a closed one holds none), the count of
// active admins is right, and every address list has exactly one default;
// at the end a fold of the events and the snapshot give the same state.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <random>

#include "core/text.h"
#include "tests/commands/harness.h"
#include "tests/commands/state_diff.h"

using namespace orderly;
using namespace orderly::commands;
using namespace orderly::testing;

namespace {

const std::string kHash = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$aGFzaA";

int sequences() {
  const char* env = std::getenv("ORDERLY_PROPERTY_SEQUENCES");
  return env ? std::max(1, std::atoi(env) / 10) : 200;
}

// Names from a small pool, so that clashes happen.
template <typename Rng>
std::string name(Rng& rng) {
  static const char* kNames[] = {"ada", "bob", "cyd", "dan", "eve", "fay", "gus", "hal"};
  return kNames[rng() % 8];
}

template <typename Rng>
Command random_account_command(Rng& rng, Harness& h, std::vector<Uuid>& users,
                               std::vector<std::pair<Uuid, Uuid>>& addresses) {
  const int r = static_cast<int>(rng() % 100);
  if (users.size() < 2 || r < 15) {
    RegisterUser c{new_id(), name(rng), name(rng) + "@example.com", kHash,
                   rng() % 3 ? "customer" : "admin"};
    if (rng() % 4 == 0) {
      c.password_hash.clear();
      c.identity_issuer = "https://op.example";
      c.identity_subject = name(rng);
      c.email_verified = rng() % 2;
    }
    users.push_back(c.user_id);
    return c;
  }
  const Uuid& user = users[rng() % users.size()];
  if (r < 30) {
    UpdateProfile c{user, {}, {}, {}, {}};
    if (rng() % 2)
      c.username = name(rng) + (rng() % 2 ? "" : ".x");
    if (rng() % 2) {
      c.email = name(rng) + "@mail.example";
      c.verification = EmailToken{new_id(), "v", h.now + 1'000'000'000};
    }
    if (rng() % 2)
      c.display_name = name(rng);
    return c;
  }
  if (r < 45) {
    static const char* kStatus[] = {"active", "deactivated", "closed"};
    return SetUserStatus{user, kStatus[rng() % 3], ""};
  }
  if (r < 55)
    return ChangeRole{user, rng() % 2 ? "admin" : "customer"};
  if (r < 65)
    return LinkIdentity{user, "https://op.example", name(rng), ""};
  if (r < 80 || addresses.empty()) {
    Address a;
    a.address_id = new_id();
    a.name = name(rng);
    a.line1 = "1 Main St";
    a.city = "Leeds";
    a.postal_code = "LS1";
    a.country = rng() % 10 ? "GB" : "gb";  // sometimes refused
    a.is_default = rng() % 3 == 0;
    addresses.emplace_back(user, a.address_id);
    return AddAddress{user, a};
  }
  const auto& [owner, id] = addresses[rng() % addresses.size()];
  if (rng() % 2) {
    AddressPatch p;
    p.is_default = rng() % 2 == 0;
    p.city = name(rng);
    return ChangeAddress{owner, id, p};
  }
  return RemoveAddress{owner, id};
}

// Who sends it: mostly the user, sometimes an admin or the engine.
template <typename Rng>
CommandMeta sender(Rng& rng, const Harness& h, const Command& c, const std::vector<Uuid>& users) {
  const Uuid target = std::visit(
      [](const auto& cmd) -> Uuid {
        if constexpr (requires { cmd.user_id; })
          return cmd.user_id;
        else
          return Uuid{};
      },
      c);
  const int r = static_cast<int>(rng() % 10);
  if (r == 0)
    return h.as_engine();
  if (r < 3)
    return h.as(users[rng() % users.size()], Role::kAdmin);
  return h.as(target);
}

void check_indexes(const ShopState& s) {
  size_t open = 0, admins = 0;
  for (const auto& [id, u] : s.users) {
    if (u.status == UserStatus::kClosed)
      continue;
    ++open;
    admins += u.role == "admin" && u.status == UserStatus::kActive;
    CHECK(s.usernames.at(ascii_lower(u.username)) == id);
    CHECK(s.emails.at(u.email) == id);
    for (const Identity& i : u.identities)
      CHECK(s.identities.at(identity_key(i.issuer, i.subject)) == id);
    CHECK(u.addresses.size() <= kMaxAddresses);
    if (!u.addresses.empty()) {
      CHECK(std::count_if(u.addresses.begin(), u.addresses.end(),
                          [](const Address& a) { return a.is_default; }) == 1);
    }
  }
  CHECK(s.usernames.size() == open);
  CHECK(s.emails.size() == open);
  CHECK(s.active_admins == admins);
}

}  // namespace

TEST_CASE(
    "property: random account commands keep the indexes, the admins and the defaults "
    "right, and fold back to the same state") {
  std::mt19937_64 rng(21);
  size_t accepted = 0, refused = 0, closed = 0;
  for (int seq = 0; seq < sequences(); ++seq) {
    Harness h;
    std::vector<Uuid> users;
    std::vector<std::pair<Uuid, Uuid>> addresses;
    for (int step = 0; step < 60; ++step) {
      const Command c = random_account_command(rng, h, users, addresses);
      (h.run(c, sender(rng, h, c, users)).is_ok() ? accepted : refused)++;
      check_indexes(h.state);
      h.now += 1'000'000;
    }
    for (const auto& [id, u] : h.state.users)
      closed += u.status == UserStatus::kClosed;
    ShopState replayed;
    for (size_t k = 0; k < h.sink.size(); ++k) {
      const auto& e = h.sink.event(k);
      apply(replayed, e.aggregate, e.id, e.type, h.sink.payload(k).data());
    }
    REQUIRE(diff_states(h.state, replayed) == "");
    auto loaded = snapshot_round_trip(h.state);
    REQUIRE(loaded.is_ok());
    REQUIRE(diff_states(h.state, *loaded) == "");
  }
  // The generator reaches both sides of the rules.
  CHECK(accepted > refused / 4);
  CHECK(refused > accepted / 10);
  CHECK(closed > 0);
  MESSAGE(accepted << " accepted, " << refused << " refused, " << closed << " closed");
}
