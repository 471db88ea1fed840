#include "api/rest/router.h"

namespace orderly::api::rest {

namespace {

std::vector<std::string> split(std::string_view path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    const size_t j = path.find('/', i);
    out.emplace_back(path.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i));
    i = j == std::string_view::npos ? path.size() : j;
  }
  return out;
}

}  // namespace

void Router::add(std::string method, std::string pattern, Access access, RouteHandler handler) {
  Route r;
  r.segments = split(pattern);
  r.route_label = pattern;
  r.method = std::move(method);
  r.pattern = std::move(pattern);
  r.access = access;
  r.handler = std::move(handler);
  routes_.push_back(std::move(r));
}

void Router::set_body_limit(std::string_view method, std::string_view pattern, size_t bytes) {
  for (Route& r : routes_) {
    if (r.method == method && r.pattern == pattern)
      r.body_limit = bytes;
  }
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
  Match out;
  const std::vector<std::string> parts = split(path);
  for (const Route& r : routes_) {
    if (r.segments.size() != parts.size())
      continue;
    std::map<std::string, std::string, std::less<>> params;
    bool ok = true;
    for (size_t i = 0; i < parts.size() && ok; ++i) {
      const std::string& s = r.segments[i];
      if (s.size() > 2 && s.front() == '{' && s.back() == '}') {
        auto decoded = percent_decode(parts[i], false);
        if (!decoded || decoded->empty())
          ok = false;
        else
          params[s.substr(1, s.size() - 2)] = std::move(*decoded);
      } else {
        ok = s == parts[i];
      }
    }
    if (!ok)
      continue;
    if (r.method != method) {
      if (out.allow.find(r.method) == std::string::npos)
        out.allow += (out.allow.empty() ? "" : ", ") + r.method;
      continue;
    }
    // Literal segments win over parameters (/api/orders/stats vs /api/orders/{id}).
    if (out.route != nullptr) {
      size_t literal_new = 0, literal_old = 0;
      for (const auto& s : r.segments)
        literal_new += s.front() != '{';
      for (const auto& s : out.route->segments)
        literal_old += s.front() != '{';
      if (literal_new <= literal_old)
        continue;
    }
    out.route = &r;
    out.params = std::move(params);
  }
  return out;
}

}  // namespace orderly::api::rest
