#include "api/http/request_head.h"

#include <cctype>

namespace orderly::api {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<std::string> framing_error(const Request& head, unsigned version) {
  size_t hosts = 0, codings = 0, lengths = 0;
  bool coded = false, only_chunked = true;
  for (const auto& [name, value] : head.headers) {
    if (name == "host") {
      ++hosts;
    } else if (name == "content-length") {
      ++lengths;
    } else if (name == "transfer-encoding") {
      coded = true;
      // Every coding of every Transfer-Encoding field, in order.
      std::string_view list = value;
      while (true) {
        const size_t comma = list.find(',');
        const std::string_view coding = trim(list.substr(0, comma));
        if (!coding.empty()) {
          ++codings;
          only_chunked = only_chunked && iequals(coding, "chunked");
        }
        if (comma == std::string_view::npos)
          break;
        list.remove_prefix(comma + 1);
      }
    }
  }
  if (coded && (codings != 1 || !only_chunked)) {
    return "Transfer-Encoding must be chunked alone (other codings are not accepted: send "
           "Content-Length or chunked)";
  }
  if (coded && lengths > 0)
    return "Transfer-Encoding and Content-Length must not both be sent";
  if (version >= 11 && hosts != 1)
    return hosts == 0 ? "an HTTP/1.1 request needs a Host header"
                      : "an HTTP/1.1 request must have exactly one Host header";
  return std::nullopt;
}

std::string_view origin_form(std::string_view target) {
  size_t scheme = 0;
  if (target.size() >= 7 && iequals(target.substr(0, 7), "http://"))
    scheme = 7;
  else if (target.size() >= 8 && iequals(target.substr(0, 8), "https://"))
    scheme = 8;
  if (scheme == 0)
    return target;
  const std::string_view rest = target.substr(scheme);
  const size_t path = rest.find_first_of("/?");
  if (path == std::string_view::npos)
    return "/";
  return rest.substr(path);  // "?q" alone: an empty path, which routes as "/"
}

}  // namespace orderly::api
