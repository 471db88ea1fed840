#include "api/http/request_head.h"

#include <cctype>

#include "core/text.h"

namespace orderly::api::http {

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
        const std::string_view coding = trim_ows(list.substr(0, comma));
        if (!coding.empty()) {
          ++codings;
          only_chunked = only_chunked && ascii_iequals(coding, "chunked");
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
  if (target.size() >= 7 && ascii_iequals(target.substr(0, 7), "http://"))
    scheme = 7;
  else if (target.size() >= 8 && ascii_iequals(target.substr(0, 8), "https://"))
    scheme = 8;
  if (scheme == 0)
    return target;
  const std::string_view rest = target.substr(scheme);
  const size_t path = rest.find_first_of("/?");
  if (path == std::string_view::npos)
    return "/";
  return rest.substr(path);  // "?q" alone: an empty path, which routes as "/"
}

}  // namespace orderly::api::http
