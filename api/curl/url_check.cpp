#include "api/curl/url_check.h"

#include <boost/url/parse.hpp>

namespace orderly::api::curl {

bool loopback_host(const boost::urls::url_view& url) {
  switch (url.host_type()) {
    case boost::urls::host_type::ipv4:
      return url.host_ipv4_address().is_loopback();
    case boost::urls::host_type::ipv6:
      return url.host_ipv6_address().is_loopback();
    case boost::urls::host_type::name:
      return url.encoded_host() == "localhost";
    default:
      return false;
  }
}

Result<boost::urls::url_view> parse_url_with_host(std::string_view text) {
  auto url = boost::urls::parse_absolute_uri(text);
  if (!url || url->host().empty())
    return Status::invalid_argument("not an absolute URL with a host");
  return *url;
}

Status check_https_or_loopback(const boost::urls::url_view& url) {
  if (url.scheme() == "https" || (url.scheme() == "http" && loopback_host(url)))
    return Status::ok();
  return Status::invalid_argument("must be https (or http to a loopback host)");
}

}  // namespace orderly::api::curl
