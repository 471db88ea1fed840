#include <doctest/doctest.h>

#include "commands/processor.h"
#include "core/ids.h"
#include "projections/notifications.h"
#include "projections/runner.h"
#include "projections/users.h"
#include "tests/projections/folding.h"
#include "tests/support/ids.h"
#include "tests/support/live_writer.h"

using namespace orderly;
using namespace orderly::commands;
using namespace orderly::projections;
using namespace orderly::testing;

namespace {
const std::string kHash = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$aGFzaA";
}  // namespace

TEST_CASE_FIXTURE(LiveWriter,
                  "users and notifications read models: lookups for login, history newest first") {
  const CommandMeta engine = meta_for(Role::kEngine);
  const Uuid ada = new_id();
  REQUIRE(writer->execute(RegisterUser{ada, "Ada.L", "ada@example.com", kHash, "customer"}, engine)
              .is_ok());
  REQUIRE(writer->execute(ChangeRole{ada, "admin"}, engine).is_ok());
  const Uuid first = new_id(), second = new_id();
  REQUIRE(
      writer
          ->execute(RequestNotification{first, ada, "email", "order_placed", "ada@example.com", 1},
                    engine)
          .is_ok());
  REQUIRE(
      writer->execute(RecordNotificationFailed{first, "connection refused", true}, engine).is_ok());
  REQUIRE(
      writer
          ->execute(RequestNotification{second, ada, "websocket", "order_confirmed", "", 2}, engine)
          .is_ok());
  REQUIRE(writer->execute(RecordNotificationSent{second}, engine).is_ok());

  auto rows = std::move(ReadModelStore::open(dir.sub("data/readmodels")).value());
  UsersReadModel users;
  NotificationsReadModel notes;
  ProjectionRunner runner(*store, *rows, {&users, &notes});
  REQUIRE(runner.start().is_ok());
  REQUIRE(runner.wait_for("users", store->last_position(), std::chrono::seconds(60)));
  REQUIRE(runner.wait_for("notifications", store->last_position(), std::chrono::seconds(60)));

  auto by_email = users.find_by_email("ADA@example.com");
  REQUIRE(by_email.has_value());
  CHECK(by_email->id == ada.to_string());
  CHECK(by_email->role == "admin");
  CHECK(by_email->password_hash == kHash);
  CHECK(users.find_by_username("ada.l")->email == "ada@example.com");
  CHECK_FALSE(users.find_by_username("nobody").has_value());
  CHECK(users.get(ada.to_string())->username == "Ada.L");

  auto page = notes.list(ada.to_string(), 1, 20);
  REQUIRE(page.total == 2);
  CHECK(page.items[0].id == second.to_string());  // newest first
  CHECK(page.items[0].status == "sent");
  CHECK(page.items[0].attempts == 1);
  CHECK(page.items[1].status == "failed");
  CHECK(page.items[1].last_error == "connection refused");
  CHECK(notes.list(new_id().to_string(), 1, 20).total == 0);
  REQUIRE(runner.stop().is_ok());

  // Both reload from their rows.
  UsersReadModel users2;
  NotificationsReadModel notes2;
  ProjectionRunner again(*store, *rows, {&users2, &notes2});
  REQUIRE(again.start().is_ok());
  CHECK(users2.find_by_email("ada@example.com")->role == "admin");
  CHECK(notes2.list(ada.to_string(), 1, 1).items.at(0).id == second.to_string());
}

TEST_CASE_FIXTURE(LiveWriter,
                  "users read model: the account, staff search, identities, and a "
                  "closed account out of the lookups, alike through its snapshot") {
  const CommandMeta engine = meta_for(Role::kEngine);
  const Uuid ada = new_id(), bob = new_id(), cyd = new_id();
  REQUIRE(writer->execute(RegisterUser{ada, "ada", "ada@example.com", kHash, "customer"}, engine)
              .is_ok());
  RegisterUser b{bob, "bob", "bob@shop.example", "", "customer"};
  b.identity_issuer = "https://op.example";
  b.identity_subject = "sub-b";
  b.email_verified = true;
  REQUIRE(writer->execute(b, engine).is_ok());
  REQUIRE(
      writer->execute(RegisterUser{cyd, "cyd", "cyd@example.com", kHash, "admin"}, engine).is_ok());
  REQUIRE(writer->execute(UpdateProfile{ada, "ada.l", std::nullopt, "Ada Lovelace", {}}, engine)
              .is_ok());
  Address home;
  home.address_id = new_id();
  home.name = "Ada";
  home.line1 = "1 Main St";
  home.city = "Leeds";
  home.postal_code = "LS1";
  home.country = "GB";
  REQUIRE(writer->execute(AddAddress{ada, home}, engine).is_ok());
  REQUIRE(writer->execute(SetUserStatus{cyd, "deactivated", "left"}, engine).is_ok());
  REQUIRE(writer->execute(SetUserStatus{bob, "closed", ""}, engine).is_ok());

  UsersReadModel users;
  apply_log(*store, {&users});
  const auto reloaded = through_snapshot(users);
  for (const UsersReadModel* model : {&users, reloaded.get()}) {
    const auto a = model->get(ada.to_string());
    REQUIRE(a.has_value());
    CHECK(a->username == "ada.l");
    CHECK(a->display_name == "Ada Lovelace");
    CHECK(a->addresses.size() == 1);
    CHECK(a->addresses.at(0).is_default);
    CHECK(model->find_by_username("ADA.L")->id == ada.to_string());
    CHECK_FALSE(model->find_by_username("ada").has_value());
    // Closed: found by id (its orders name it), by nothing else.
    CHECK(model->get(bob.to_string())->status == "closed");
    CHECK(model->get(bob.to_string())->email_verified);
    CHECK_FALSE(model->find_by_email("bob@shop.example").has_value());
    CHECK_FALSE(model->find_by_identity("https://op.example", "sub-b").has_value());
    const auto c = model->get(cyd.to_string());
    CHECK(c->status == "deactivated");
    CHECK(c->sessions_revoked_at_s > 0);
    CHECK(model->list(UserQuery{"LOVELACE", "", "", 1, 20}).total == 1);
    CHECK(model->list(UserQuery{"example.com", "", "", 1, 20}).total == 2);
    CHECK(model->list(UserQuery{"", "admin", "", 1, 20}).items.at(0).id == cyd.to_string());
    CHECK(model->list(UserQuery{"", "", "closed", 1, 20}).total == 1);
    const auto all = model->list(UserQuery{"", "", "", 1, 2});
    CHECK(all.total == 3);
    CHECK(all.items.size() == 2);
  }
  // A linked identity finds its account.
  const Uuid dan = new_id();
  REQUIRE(writer->execute(RegisterUser{dan, "dan", "dan@example.com", kHash, "customer"}, engine)
              .is_ok());
  REQUIRE(writer->execute(LinkIdentity{dan, "https://op.example", "sub-b", ""}, engine).is_ok());
  UsersReadModel again;
  apply_log(*store, {&again});
  CHECK(again.find_by_identity("https://op.example", "sub-b")->id == dan.to_string());
}
