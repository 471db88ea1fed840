#include "api/rest/conditional_get.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "core/digest.h"

namespace orderly::api::rest {

namespace {

bool has_header(const http::Response& r, std::string_view name) {
  return std::any_of(r.headers.begin(), r.headers.end(), [&](const auto& h) {
    return h.first.size() == name.size() &&
           std::equal(h.first.begin(), h.first.end(), name.begin(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) ==
                    std::tolower(static_cast<unsigned char>(b));
           });
  });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

bool none_match_hits(std::string_view header, std::string_view etag) {
  while (!header.empty()) {
    const size_t comma = header.find(',');
    std::string_view tag = trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    if (tag.starts_with("W/"))
      tag.remove_prefix(2);
    if (tag == "*" || tag == etag)
      return true;
  }
  return false;
}

http::Response conditional_get(http::Response answer, std::string_view if_none_match,
                               bool with_token) {
  // An exact tag is the whole tag (and never leaves as a header of its own).
  std::string etag = "\"";
  bool exact = false;
  for (auto it = answer.headers.begin(); it != answer.headers.end(); ++it) {
    if (it->first == kExactTag) {
      etag = std::move(it->second);
      exact = true;
      answer.headers.erase(it);
      break;
    }
  }
  if (answer.status != 200 || has_header(answer, "Cache-Control"))
    return answer;
  // A route's own tag ("<version>") keeps its value at the front.
  for (auto it = answer.headers.begin(); it != answer.headers.end(); ++it) {
    if (it->first == "ETag") {
      const std::string_view own = it->second;
      if (!exact && own.size() >= 2 && own.front() == '"' && own.back() == '"')
        etag.append(own.substr(1, own.size() - 2)).push_back('-');
      answer.headers.erase(it);
      break;
    }
  }
  if (!exact)
    etag.append(digest128_hex(answer.body)).push_back('"');
  answer.header("ETag", etag);
  answer.header("Vary", "Authorization");
  // Revalidated on every use: a read model moves with every command.
  answer.header("Cache-Control", with_token ? "private, no-cache" : "no-cache");
  if (none_match_hits(if_none_match, etag)) {
    answer.status = 304;
    answer.body.clear();
  }
  return answer;
}

}  // namespace orderly::api::rest
