// `orderly admin list-users|set-role|deactivate`: the staff's user tools for
// when no admin can log in (the last admin deactivated or demoted, a lost
// password). Offline, like `admin create-user`: the users are folded from
// the log itself, and every change is a normal command sent with the
// engine's role (which the self and last-admin rules exempt), so it is
// recorded, validated and replayed like any other.
#include <boost/json.hpp>

#include <cstdio>
#include <functional>

#include "api/cli/commands.h"
#include "api/cli/operator_engine.h"
#include "api/rest/requests/users.h"
#include "api/rest/routes/context.h"
#include "commands/user.h"
#include "core/mutex.h"
#include "eventstore/store.h"
#include "projections/users.h"

namespace orderly::cli {

namespace json = boost::json;

namespace {

// Every user, folded from the user streams of the log (what the users read
// model of a server would hold; no snapshot is trusted or written).
Result<std::unique_ptr<projections::UsersReadModel>> fold_users(
    const eventstore::EventStore& store) {
  auto users = std::make_unique<projections::UsersReadModel>();
  eventstore::LogQuery q;
  q.stream_prefix = "user-";
  const Status st = store.scan(q, [&](const EventView& ev) {
    // No other thread sees the model; the lock (uncontended) is for the analysis.
    WriterLock lock(users->mutex());
    users->apply(ev);
    return true;
  });
  if (!st.is_ok())
    return st;
  return users;
}

// The user --user ID or --email E names. Errors: invalid_argument (neither
// or both given), not_found.
Result<projections::UserRow> find_user(const projections::UsersReadModel& users,
                                       const AdminUserOptions& o) {
  if (o.user.empty() == o.email.empty())
    return Status::invalid_argument("name the user with --user ID or --email E (one of them)");
  auto row =
      o.user.empty() ? users.find_by_email(commands::normalize_email(o.email)) : users.get(o.user);
  if (!row)
    return Status::not_found("no such user: " + (o.user.empty() ? o.email : o.user));
  return *row;
}

// Exit status of a refused or failed command: the operator's request was
// wrong (unknown user, a rule said no) or the engine could not run it.
int exit_status_of(const Status& st) {
  switch (st.code()) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kNotFound:
    case ErrorCode::kInvalidTransition:
    case ErrorCode::kVersionConflict:
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kForbidden:
      return kExitUsage;
    default:
      return kExitFailure;
  }
}

// Opens the engine, folds the users, finds the one named, and runs `change`
// on them: one command through the writer. Prints the user as changed.
int change_user(const char* what, const CommonOptions& common, const AdminUserOptions& o,
                const std::function<commands::Command(const projections::UserRow&)>& change) {
  auto fail = [what](const Status& st, int status) {
    std::fprintf(stderr, "orderly admin %s: %s\n", what, st.to_string().c_str());
    return status;
  };
  auto engine = open_operator_engine(common);
  if (!engine)
    return fail(engine.status(), kExitFailure);
  auto finish = [&engine](int status) {
    (*engine)->stop();
    (void)(*engine)->close();
    return status;
  };
  auto users = fold_users((*engine)->store());
  if (!users)
    return finish(fail(users.status(), kExitFailure));
  auto user = find_user(**users, o);
  if (!user)
    return finish(fail(user.status(), kExitUsage));
  auto r = (*engine)->processor().execute(change(*user), operator_meta());
  if (!r)
    return finish(fail(r.status(), exit_status_of(r.status())));
  auto after = fold_users((*engine)->store());
  const auto row = after ? (*after)->get(user->id) : std::nullopt;
  if (row) {
    std::printf("%s %s (%s): role %s, %s\n", row->id.c_str(), row->username.c_str(),
                row->email.c_str(), row->role.c_str(), row->status.c_str());
  }
  return finish(kExitOk);
}

}  // namespace

int run_list_users(const CommonOptions& common, const AdminUserOptions& o) {
  auto query = api::rest::requests::user_query_from(o.q, o.role, o.status);
  if (!query) {
    std::fprintf(stderr, "orderly admin list-users: %s\n", query.status().to_string().c_str());
    return kExitUsage;
  }
  auto engine = open_operator_engine(common);
  if (!engine) {
    std::fprintf(stderr, "orderly admin list-users: %s\n", engine.status().to_string().c_str());
    return kExitFailure;
  }
  auto users = fold_users((*engine)->store());
  (*engine)->stop();
  (void)(*engine)->close();
  if (!users) {
    std::fprintf(stderr, "orderly admin list-users: %s\n", users.status().to_string().c_str());
    return kExitFailure;
  }
  projections::UserQuery q;
  q.q = query->q;
  q.role = query->role;
  q.status = query->status;
  q.per_page = 100;
  size_t shown = 0;
  for (q.page = 1;; ++q.page) {
    const auto p = (*users)->list(q);
    for (const projections::UserRow& u : p.items) {
      if (o.json) {
        std::printf("%s\n", json::serialize(api::rest::routes::admin_user_json(u)).c_str());
      } else {
        std::printf("%s  %-20s %-32s %-8s %s\n", u.id.c_str(), u.username.c_str(), u.email.c_str(),
                    u.role.c_str(), u.status.c_str());
      }
      ++shown;
    }
    if (p.items.empty() || shown >= p.total)
      break;
  }
  if (!o.json)
    std::fprintf(stderr, "%zu users\n", shown);
  return kExitOk;
}

int run_set_role(const CommonOptions& common, const AdminUserOptions& o) {
  if (o.new_role != "customer" && o.new_role != "admin") {
    std::fprintf(stderr, "orderly admin set-role: --role must be customer or admin\n");
    return kExitUsage;
  }
  return change_user("set-role", common, o, [&o](const projections::UserRow& u) {
    return commands::Command(commands::ChangeRole{*Uuid::parse(u.id), o.new_role});
  });
}

int run_deactivate(const CommonOptions& common, const AdminUserOptions& o) {
  return change_user("deactivate", common, o, [&o](const projections::UserRow& u) {
    return commands::Command(commands::SetUserStatus{
        *Uuid::parse(u.id), o.reactivate ? "active" : "deactivated", o.reason});
  });
}

}  // namespace orderly::cli
