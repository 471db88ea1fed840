// Every operation of the OpenAPI document with who may call it and what a
// request to it looks like. The route-matrix tests require this table to
// name exactly the operations the served spec has: a route added to the
// spec without a row here fails them until someone decides who may call it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace orderly::testing {

enum class Who { kAnyone, kUser, kAdmin };

// What customer B gets on a route for users when naming customer A's ids.
enum class Foreign {
  kNotApplicable,  // public or admin routes
  kNotFound,       // 404 not_found, the same answer as for an id that names nothing
  kOwnData,        // the route acts on the caller's own data only: A's is never shown or changed
};

// The ids a request is built from: customer A's (the victim) or ones that
// name nothing.
struct Ids {
  std::string user, email, password;
  std::string pending_order, paid_order;           // A's orders: placed, and paid (confirmed)
  std::string pending_payment, paid_payment;       // requires_confirmation, succeeded
  std::string product;                             // a product in A's cart
  std::string notification;                        // one of A's notifications
  std::string refresh_token, spare_refresh_token;  // two of A's live sessions
  std::string projection = "orders";
  uint64_t order_position = 1;  // the log position of A's pending order being placed
};
Ids nonexistent_ids();

struct Probe {
  std::string target;  // path with its parameters filled in, and a query
  std::string body;    // JSON, or empty
};

struct Operation {
  std::string method, path;  // as the spec spells them
  Who who;
  Foreign foreign;
  // For Who::kAnyone: what an anonymous caller gets for the probe.
  std::vector<int> anonymous_statuses;
  std::function<Probe(const Ids&)> probe;

  std::string key() const { return method + " " + path; }
};

const std::vector<Operation>& operations();

}  // namespace orderly::testing
