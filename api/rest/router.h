// Routes: METHOD + a path pattern with {named} segments -> a handler.
// An unknown path is 404, a known path with another method 405 (with Allow).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/rest/call.h"

namespace orderly::api::rest {

using CallPtr = std::shared_ptr<Call>;
using RouteHandler = std::function<void(const CallPtr&)>;

enum class Access { kAnyone, kUser, kAdmin };

struct Route {
  std::string method, pattern;
  Access access = Access::kAnyone;
  RouteHandler handler;
  std::string route_label;  // the pattern, for metrics
  size_t body_limit = 0;    // bytes; 0: the API's default for its access (api.cpp)
  std::vector<std::string> segments;
};

class Router {
 public:
  void add(std::string method, std::string pattern, Access access, RouteHandler handler);
  // A body limit of its own for a route added before (image uploads).
  void set_body_limit(std::string_view method, std::string_view pattern, size_t bytes);
  struct Match {
    const Route* route = nullptr;
    std::map<std::string, std::string, std::less<>> params;
    std::string allow;  // methods of the path when none matched the method
  };
  Match match(std::string_view method, std::string_view path) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

}  // namespace orderly::api::rest
